// sepconv-wasm through its public browser entry and API only: on an isolated page it picks its
// threaded build, else its single-thread one. Every timed call is the asynchronous layer.run a
// page makes, with whatever that costs the page.
//
// settings.threads: init({ threads }) on an instance of the entry of its own (its URL differs by
// a query, so the page imports it anew: its own module, pool and init), so that one page can time
// the default thread count beside another. settings.entry: another build's entry (its URL), to
// time two builds side by side. settings.outputBuffer: every call writes into one reused array
// instead of a fresh result; settings.wasmTensors: every call reads one WasmTensor and writes into
// another, so nothing is copied in or out (the computation alone, as in a chain of layers).

import { layers } from '../node_helpers.mjs';

const ENTRY = '/dist/web/sepconv-wasm.mjs';

export async function start({ threads, entry, outputBuffer = false, wasmTensors = false } = {}) {
  const url = entry ?? (threads === undefined ? ENTRY : `${ENTRY}?threads=${threads}`);
  const { init, createSeparableConv2d, createWasmTensor, getBackendInfo } = await import(url);
  await init(threads === undefined ? {} : { threads });
  const info = getBackendInfo();
  const how = outputBuffer ? ', into one output array' : wasmTensors ? ', on WasmTensors' : '';
  return {
    info: { ...info, describe: `sepconv-wasm ${info.variant}, ${info.threads} thread(s)${how}` },
    async prepare({ x, depthwise, pointwise, options }) {
      // The weights are packed once, as tfjs's tensors and ORT's session are made once.
      const layer = await createSeparableConv2d(depthwise, pointwise, options);
      if (wasmTensors) {
        const input = await createWasmTensor(x.shape, x.data);
        const output = await layer.run(input);
        return {
          run: () => layer.run(input, { output }),
          toNHWC: (tensor) => tensor.read(),  // the first output, for the page's cross-check
          dispose: () => [input, output, layer].forEach((o) => o.dispose()),
        };
      }
      // Each call hands over x as a page's own array and gets a fresh {data, shape} back, or
      // the one output array.
      let output;
      // Aligned as the input is (--unaligned).
      if (outputBuffer) output = layers.alignedAs(x.data, (await layer.run({ data: x.data, shape: x.shape })).data.length);
      const run = async () => (await layer.run({ data: x.data, shape: x.shape }, output && { output })).data;
      return { run, dispose: () => layer.dispose() };
    },
  };
}
