// The browser entry point, bundled into dist/web/sepconv-wasm.mjs by scripts/build.sh.

import { createApi } from '../js/api.js';
import { loadModule, defaultThreads } from './load_module_browser.mjs';

const api = createApi(loadModule, defaultThreads);

export const {
  init, separableConv2d, separableConv2dSync, createSeparableConv2d, getBackendInfo, getMemoryInfo,
  dispose, SeparableConv2dError, SeparableConv2dLayer,
} = api;
export default api;
