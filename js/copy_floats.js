'use strict';

// Copies between a caller's Float32Array and wasm memory. Wasm memory with threads is a
// SharedArrayBuffer, and V8 copies to or from shared memory in 8-byte words only when both sides
// have the same address modulo 8 (their phase); otherwise it copies byte by byte. A caller's
// array that starts 4 bytes past an 8-byte boundary (a subarray at an odd index, say) made a
// 3.2 MB copy take 1.4 ms instead of 0.16 ms in Node.js 20. Between unshared buffers any phases
// copy at full speed, so such a copy goes through small unshared buffers, each in the phase of
// the shared side it meets: 0.17 ms.

const { bufferOf } = require('./typed_arrays');

// Floats per piece: 64 KiB, which stays in the cache between its copies.
const PIECE = 2 ** 14;
// Per shared side (source, target), one float longer than a piece: a view of it can start in
// either phase.
const staging = [null, null];

const toTag = Object.prototype.toString;
/**
 * Whether the array's buffer is shared: a SharedArrayBuffer of this realm, or of another (a vm
 * context, an iframe), whose prototype is not ours. A buffer that only claims the tag takes the
 * staged path, which is correct for any buffer.
 */
const isShared = (array) => {
  const buffer = bufferOf(array);
  return (typeof SharedArrayBuffer === 'function' && buffer instanceof SharedArrayBuffer) ||
    Reflect.apply(toTag, buffer, []) === '[object SharedArrayBuffer]';
};
// 0 or 1: whether float `index` of the array starts 4 bytes past an 8-byte boundary.
const phase = (array, index = 0) => ((array.byteOffset + 4 * index) % 8) / 4;

/** `length` floats of an unshared buffer (`side` 0 or 1), starting in phase `inPhase`. */
function stage(side, inPhase, length) {
  if (!staging[side]) staging[side] = new Float32Array(PIECE + 1);
  return staging[side].subarray(inPhase, inPhase + length);
}

/** target.set(source, at) for Float32Arrays, at word speed whatever their phases. */
function copyFloats(target, at, source) {
  // In phase (every call with arrays of ours): no need to look at the buffers.
  if (phase(target, at) === phase(source)) {
    target.set(source, at);
    return;
  }
  const sharedSource = isShared(source);
  const sharedTarget = isShared(target);
  if (!(sharedSource || sharedTarget)) {
    target.set(source, at);
    return;
  }
  for (let from = 0; from < source.length; from += PIECE) {
    let piece = source.subarray(from, Math.min(source.length, from + PIECE));
    for (const [side, shared, inPhase] of [[0, sharedSource, phase(source)], [1, sharedTarget, phase(target, at)]]) {
      if (!shared) continue;
      const staged = stage(side, inPhase, piece.length);
      staged.set(piece);
      piece = staged;
    }
    target.set(piece, at + from);
  }
}

module.exports = { copyFloats, isShared };
