// ES module entry: the CommonJS implementation, re-exported by name.
import api from './index.js';

export const { init, separableConv2d, separableConv2dSync, getBackendInfo, dispose, SeparableConv2dError } = api;
export default api;
