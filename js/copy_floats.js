'use strict';

// Copies between a caller's Float32Array and wasm memory. Wasm memory with threads is a
// SharedArrayBuffer, and V8 copies to or from shared memory in 8-byte words only when both sides
// share their address modulo 8; otherwise it copies byte by byte. A caller's array that starts
// 4 bytes past an 8-byte boundary (a subarray at an odd index, say) made a 3.2 MB copy take
// 1.4 ms instead of 0.16 ms in Node.js 20. Such copies go through a small unshared buffer,
// aligned on both of its sides: 0.17 ms.

const { bufferOf } = require('./typed_arrays');

// Floats per piece: 64 KiB, which stays in the cache between its two copies.
const PIECE = 2 ** 14;
let scratch = null;

const isShared = (array) => typeof SharedArrayBuffer === 'function' && bufferOf(array) instanceof SharedArrayBuffer;

/** target.set(source, at) for Float32Arrays, at word speed whatever their alignment. */
function copyFloats(target, at, source) {
  const apart = (target.byteOffset + 4 * at - source.byteOffset) % 8 !== 0;
  if (!apart || isShared(target) === isShared(source)) {
    target.set(source, at);
    return;
  }
  if (!scratch) scratch = new Float32Array(PIECE);
  for (let from = 0; from < source.length; from += PIECE) {
    const piece = scratch.subarray(0, Math.min(PIECE, source.length - from));
    piece.set(source.subarray(from, from + piece.length));
    target.set(piece, at + from);
  }
}

module.exports = { copyFloats };
