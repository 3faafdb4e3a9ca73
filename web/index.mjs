// The browser entry point, bundled into dist/web/sepconv-wasm.mjs by scripts/build.sh.
//
// On a page's main thread the computation runs in a module Web Worker (dist/web/
// sepconv-wasm.worker.mjs, built from web/worker.mjs), so the page never blocks; the sync forms
// throw there. Imported in a worker of the user's own (no `document`), the same entry runs the
// computation in that worker's thread, and separableConv2dSync / layer.runSync work.

import { createApi } from '../js/api.js';
import { loadModule, defaultThreads } from './load_module_browser.mjs';
import { createWorkerApi } from './worker_client.mjs';

const onMainThread = typeof document !== 'undefined';

// Written out in full so that bundlers (webpack 5, Vite, esbuild's users) recognize the worker
// and emit it with the app. The URL is relative to the bundle in dist/web/, where the worker is
// sepconv-wasm.worker.mjs; wasmPaths['sepconv-wasm.worker.mjs'] may point elsewhere.
function startWorker(url) {
  if (url) return new Worker(url, { type: 'module' });
  return new Worker(new URL('./sepconv-wasm.worker.mjs', import.meta.url), { type: 'module' });
}

const api = onMainThread ? createWorkerApi(startWorker) : createApi(loadModule, defaultThreads);

export const {
  init, separableConv2d, separableConv2dSync, createSeparableConv2d, createWasmTensor, getBackendInfo,
  getMemoryInfo, dispose, SeparableConv2dError, SeparableConv2dLayer, WasmTensor,
} = api;
export default api;
