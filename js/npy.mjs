// ES module entry of sepconv-wasm/npy: the CommonJS implementation, re-exported by name.
import npy from './npy.js';

export const { readNpy, writeNpy, parseNpy, encodeNpy, NpyError } = npy;
export default npy;
