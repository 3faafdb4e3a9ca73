// onnxruntime-web (wasm execution provider) from its UMD build (the global `ort`), running the
// two-node ONNX model of bench/onnx_model.js. ONNX is NCHW: x is transposed once, outside the
// timing (job.mjs), and the output back for the cross-check only.

import { onnxModel } from '../node_helpers.mjs';

const { ort } = globalThis;

const SESSION_OPTIONS = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };

/** ortThreads: 2 on an isolated page, 1 on a plain one (which cannot run ORT's pool workers). */
export async function start({ ortThreads: threads, probeModel }) {
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
  ort.env.logLevel = 'error';
  // The first session starts ORT's wasm module and pool: a failure shows up here, not mid-table.
  const probe = await ort.InferenceSession.create(probeModel, SESSION_OPTIONS);
  await probe.release();
  // ORT silently falls back to 1 thread where it cannot start workers; that must not pass.
  const used = ort.env.wasm.numThreads;
  if (used !== threads) throw new Error(`ort: asked for ${threads} threads, runs ${used}`);
  return {
    info: { version: ort.env.versions.web, numThreads: used, describe: `onnxruntime-web ${ort.env.versions.web}, numThreads ${used}` },
    async prepare({ layer, onnx }) {
      const session = await ort.InferenceSession.create(onnx.model, SESSION_OPTIONS);
      const [inputName] = session.inputNames;
      const [outputName] = session.outputNames;
      const dims = [layer.N, layer.C, layer.H, layer.W];
      // The Tensor only wraps onnx.x; session.run copies it into wasm memory, and the output's
      // data is already a copy out of it.
      const run = async () => (await session.run({ [inputName]: new ort.Tensor('float32', onnx.x, dims) }))[outputName].data;
      const toNHWC = (y) => onnxModel.nchwToNhwc(y, [layer.N, layer.O, layer.OH, layer.OW]);
      return { run, toNHWC, dispose: () => session.release() };
    },
  };
}
