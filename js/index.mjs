// ES module entry: the CommonJS implementation, re-exported by name.
import api from './index.js';

export const {
  init, separableConv2d, separableConv2dSync, separableConv2dBackward, separableConv2dBackwardSync,
  createSeparableConv2d, createWasmTensor, getBackendInfo, getMemoryInfo, dispose, SeparableConv2dError,
  SeparableConv2dLayer, WasmTensor,
} = api;
export default api;
