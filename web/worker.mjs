// The computation worker that the browser entry starts (a module worker), bundled into
// dist/web/sepconv-wasm.worker.mjs. It runs the in-thread API (js/api.js with the browser
// loader) and answers the page's requests (web/worker_client.mjs): each reply carries the value
// or the error, and the current getBackendInfo() and getMemoryInfo() for the page to report.

import { createApi } from '../js/api.js';
import { loadModule, defaultThreads } from './load_module_browser.mjs';
import { encodeError } from './protocol.mjs';

const api = createApi(loadModule, defaultThreads);
const layers = new Map();  // the page's layer id -> SeparableConv2dLayer

function layer(id) {
  const found = layers.get(id);
  if (!found) throw new Error(`internal: no layer ${id} in the worker`);
  return found;
}

const ops = {
  init: ({ options }) => api.init(options),
  conv: ({ x, depthwise, pointwise, options }) => api.separableConv2d(x, depthwise, pointwise, options),
  create: async ({ layerId, depthwise, pointwise, options }) => {
    layers.set(layerId, await api.createSeparableConv2d(depthwise, pointwise, options));
  },
  run: ({ layerId, x, runOptions, outputLength }) => {
    // The page's own output array stays there; the result is computed into one of its size and
    // copied in on arrival. Its absence or a wrong type reaches the checks unchanged.
    const options = outputLength >= 0 ? { ...runOptions, output: new Float32Array(outputLength) } : runOptions;
    return layer(layerId).run(x, options);
  },
  disposeLayer: ({ layerId }) => {
    const found = layers.get(layerId);
    if (found) found.dispose();
    layers.delete(layerId);
  },
};

function state() {
  return { backend: api.getBackendInfo(), memory: api.getMemoryInfo() };
}

self.onmessage = async ({ data: { id, op, args } }) => {
  try {
    const value = await ops[op](args);
    // A result's array is new and the worker's own: hand it over without a copy.
    const transfer = value && value.data instanceof Float32Array ? [value.data.buffer] : [];
    self.postMessage({ id, ok: true, value, ...state() }, transfer);
  } catch (error) {
    self.postMessage({ id, ok: false, error: encodeError(error), ...state() });
  }
};
