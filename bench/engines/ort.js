'use strict';

// onnxruntime-web (wasm execution provider, MLAS kernels) running the two-node ONNX model of
// onnx_model.js. ORT fixes its thread count when its wasm module starts (the pool is global to
// the module; sessions cannot choose), so each thread count gets its own copy of the package:
// onnxruntime-web and onnxruntime-common are dropped from require's cache before requiring
// again, which yields a separate env, backend registry and wasm instance.

const path = require('path');
const { buildSeparableConvModel, nhwcToNchw, nchwToNhwc } = require('../onnx_model');
const { LAYERS } = require('../layers');

const TINY = LAYERS.find((layer) => layer.name === 'tiny');

// A plain directory path: under Node, ORT's Emscripten loader then reads the .wasm with
// fs.readFileSync from node_modules (no fetch, no CDN).
const WASM_FILE = require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm');
const WASM_DIR = path.dirname(WASM_FILE) + path.sep;
const PACKAGE_DIRS = ['onnxruntime-web', 'onnxruntime-common'].map((name) => `${path.sep}node_modules${path.sep}${name}${path.sep}`);

function requireFreshCopy() {
  for (const key of Object.keys(require.cache)) {
    if (PACKAGE_DIRS.some((dir) => key.includes(dir))) delete require.cache[key];
  }
  return require('onnxruntime-web');
}

async function createOrtEngine({ threads }) {
  const ort = requireFreshCopy();
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.wasmPaths = WASM_DIR;
  ort.env.logLevel = 'error';
  const sessionOptions = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };

  // The first session starts ORT's wasm module and, with numThreads > 1, its pool workers:
  // start it now with a throw-away model so that a failure shows up here, not mid-table.
  const { K, C, M, O } = TINY;
  const probeModel = buildSeparableConvModel(TINY, new Float32Array(K * K * C * M), new Float32Array(C * M * O));
  const first = await ort.InferenceSession.create(probeModel, sessionOptions);
  await first.release();
  // ORT silently falls back to 1 thread where it cannot run workers; that must not pass.
  if (ort.env.wasm.numThreads !== threads) {
    throw new Error(`ort: asked for ${threads} threads, runs ${ort.env.wasm.numThreads}`);
  }

  return {
    name: `ort-${threads}t`,
    threads,
    describe: () => `onnxruntime-web ${ort.env.versions.web}, ${path.basename(WASM_FILE)} from node_modules, ` +
      `numThreads=${ort.env.wasm.numThreads}`,
    async prepare(layer, inputs) {
      const model = buildSeparableConvModel(layer, inputs.depthwise.data, inputs.pointwise.data);
      const session = await ort.InferenceSession.create(model, sessionOptions);
      // NHWC -> NCHW once, outside the timed call; the output's transpose back is outside too.
      const x = new ort.Tensor('float32', nhwcToNchw(inputs.x.data, inputs.x.shape), [layer.N, layer.C, layer.H, layer.W]);
      const feeds = { x };
      // session.run is asynchronous in onnxruntime-web even though the wasm EP computes on
      // this thread; the timer awaits it. Its output data is already a copy out of the heap.
      const run = () => session.run(feeds).then((results) => results.y.data);
      const toNHWC = (y) => nchwToNhwc(y, [layer.N, layer.O, layer.OH, layer.OW]);
      return { run, toNHWC, dispose: () => session.release() };
    },
    close() {},
  };
}

module.exports = { createOrtEngine };
