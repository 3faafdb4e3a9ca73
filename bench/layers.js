'use strict';

// The benchmark's layers (from the performance issue), their geometry and FLOP count, and
// seeded input data, so every engine and every run sees exactly the same numbers.

// N, H, W, C, K, M, O, stride, padding, dilation
const LAYERS = [
  ['mbv1_a', 1, 112, 112, 32, 3, 1, 64, 1, 'SAME', 1],
  ['mbv1_b', 1, 56, 56, 128, 3, 1, 128, 1, 'SAME', 1],
  ['mbv1_c', 1, 28, 28, 256, 3, 1, 256, 1, 'SAME', 1],
  ['mbv1_d', 1, 14, 14, 512, 3, 1, 512, 1, 'SAME', 1],
  ['mbv1_e', 1, 7, 7, 1024, 3, 1, 1024, 1, 'SAME', 1],
  ['stride2', 1, 112, 112, 64, 3, 1, 128, 2, 'SAME', 1],
  ['mult2_dil2', 1, 64, 64, 32, 3, 2, 64, 1, 'SAME', 2],
  ['batch8', 8, 32, 32, 64, 3, 1, 64, 1, 'SAME', 1],
  ['xception_5x5', 1, 38, 38, 256, 5, 1, 256, 1, 'SAME', 1],
  ['tiny', 1, 8, 8, 8, 3, 1, 8, 1, 'VALID', 1],
].map(([name, N, H, W, C, K, M, O, stride, padding, dilation]) =>
  withGeometry({ name, N, H, W, C, K, M, O, stride, padding, dilation }));

/**
 * Adds output size and TensorFlow's padding (SAME puts the odd pixel at the end), which the
 * ONNX model needs spelled out as explicit pads.
 */
function withGeometry(layer) {
  const { H, W, K, stride, padding, dilation } = layer;
  const effectiveK = (K - 1) * dilation + 1;
  const axis = (size) => {
    if (padding === 'VALID') return { out: Math.ceil((size - effectiveK + 1) / stride), begin: 0, end: 0 };
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + effectiveK - size, 0);
    return { out, begin: Math.floor(total / 2), end: total - Math.floor(total / 2) };
  };
  const h = axis(H);
  const w = axis(W);
  const geometry = { OH: h.out, OW: w.out, pads: { top: h.begin, bottom: h.end, left: w.begin, right: w.end } };
  // Multiply and add counted as 2 flops: depthwise K*K per (pixel, C*M), pointwise O per (pixel, C*M).
  const flops = 2 * layer.N * h.out * w.out * layer.C * layer.M * (K * K + layer.O);
  return Object.freeze({ ...layer, ...geometry, flops });
}

/** Picks layers by name ("mbv1_a,tiny"); unknown names are an error, listing the known ones. */
function selectLayers(names) {
  if (!names) return LAYERS;
  return names.split(',').map((s) => s.trim()).filter(Boolean).map((name) => {
    const layer = LAYERS.find((l) => l.name === name);
    if (!layer) throw new Error(`unknown layer '${name}'; known: ${LAYERS.map((l) => l.name).join(', ')}`);
    return layer;
  });
}

/** mulberry32: small, seeded, good enough for test data. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uniform(length, seed, scale) {
  const next = rng(seed);
  const data = new Float32Array(length);
  for (let i = 0; i < length; i++) data[i] = (next() * 2 - 1) * scale;
  return data;
}

/**
 * The layer's tensors in TensorFlow's layouts: x NHWC, depthwise [K,K,C,M], pointwise
 * [1,1,C*M,O]. Filters are scaled by 1/sqrt(fan-in) so outputs stay O(1) and the relative
 * comparison between engines is meaningful.
 */
function makeInputs(layer, seed = 1) {
  const { N, H, W, C, K, M, O } = layer;
  return {
    x: { data: uniform(N * H * W * C, seed, 1), shape: [N, H, W, C] },
    depthwise: { data: uniform(K * K * C * M, seed + 1, 1 / K), shape: [K, K, C, M] },
    pointwise: { data: uniform(C * M * O, seed + 2, 1 / Math.sqrt(C * M)), shape: [1, 1, C * M, O] },
  };
}

/**
 * A Float32Array of `length` floats whose first starts at `array`'s address modulo 8 bytes:
 * 4 bytes past an 8-byte boundary for a subarray at an odd index (bench.js --unaligned).
 */
function alignedAs(array, length) {
  const phase = (array.byteOffset % 8) / 4;
  return new Float32Array(length + phase).subarray(phase);
}

/** A copy of `array` that starts 4 bytes past an 8-byte boundary. */
function unaligned(array) {
  const copy = new Float32Array(array.length + 1).subarray(1);
  copy.set(array);
  return copy;
}

/** A seeded gradient of the loss with respect to the layer's output (dy), for the backward benchmark. */
function makeOutputGradient(layer, seed = 4) {
  const shape = outputShape(layer);
  return { data: uniform(shape.reduce((a, b) => a * b, 1), seed, 1), shape };
}

/** The options object of the library's API for this layer. */
function sepconvOptions(layer) {
  return {
    strides: [1, layer.stride, layer.stride, 1],
    padding: layer.padding,
    dilations: [layer.dilation, layer.dilation],
  };
}

const outputShape = (layer) => [layer.N, layer.OH, layer.OW, layer.O];

module.exports = {
  LAYERS, selectLayers, makeInputs, makeOutputGradient, sepconvOptions, outputShape, alignedAs, unaligned,
};
