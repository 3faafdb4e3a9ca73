// The browser entry point, bundled into dist/web/sepconv-wasm.mjs by scripts/build.sh.
//
// The wasm module lives in the importing thread. On a page's main thread no call blocks it for
// long: with threads (a cross-origin isolated page) the pool's workers compute while the page
// waits without blocking; without, the page computes in slices of about a millisecond and
// yields in between (js/compute.js). The sync forms throw there. In a worker of the user's own
// (no `document`) the sync forms work.

import { createApi } from '../js/api.js';
import { loadModule, defaultThreads } from './load_module_browser.mjs';
import { createResultArrays } from './result_arrays.mjs';

const onPage = typeof document !== 'undefined';
const api = createApi(loadModule, defaultThreads, { onPage, resultArrays: onPage ? createResultArrays() : null });

export const {
  init, separableConv2d, separableConv2dSync, separableConv2dBackward, separableConv2dBackwardSync,
  createSeparableConv2d, createWasmTensor, getBackendInfo, getMemoryInfo, dispose, SeparableConv2dError,
  SeparableConv2dLayer, WasmTensor,
} = api;
export default api;
