// A layer's data for every engine, and the cross-check of their outputs, made in the page with
// the Node bench's helpers: the same seeded inputs, ONNX model and error measure.

import { layers, onnxModel, stats } from './node_helpers.mjs';

/**
 * The layer (by name), its NHWC tensors and sepconv-wasm's options, and for ORT the ONNX model
 * and x in NCHW, transposed here once, outside the timing, as the Node bench does. With
 * `unaligned`, both x arrays start 4 bytes past an 8-byte boundary.
 */
export function makeJob(name, { unaligned = false } = {}) {
  const [layer] = layers.selectLayers(name);
  const inputs = layers.makeInputs(layer);
  const model = onnxModel.buildSeparableConvModel(layer, inputs.depthwise.data, inputs.pointwise.data);
  let x = onnxModel.nhwcToNchw(inputs.x.data, inputs.x.shape);
  if (unaligned) {
    inputs.x.data = layers.unaligned(inputs.x.data);
    x = layers.unaligned(x);
  }
  return { layer, ...inputs, options: layers.sepconvOptions(layer), onnx: { model, x } };
}

/**
 * outputs: {engine name: NHWC data}. Every engine's output against every other's (the later
 * engine's error relative to the earlier one's output, as bench/stats.js measures it).
 * Returns the errors per pair and the problems found.
 */
export function crossCheck(layer, outputs, tolerance) {
  const expectedLength = layers.outputShape(layer).reduce((a, b) => a * b, 1);
  const results = Object.entries(outputs);
  const problems = [];
  for (const [name, data] of results) {
    if (data.length !== expectedLength) problems.push(`${name}: output has ${data.length} values, expected ${expectedLength}`);
  }
  const agreement = {};
  results.forEach(([expectedName, expected], i) => {
    for (const [name, data] of results.slice(i + 1)) {
      const err = stats.maxRelativeError(data, expected);
      agreement[`${name} vs ${expectedName}`] = err;
      if (!(err <= tolerance)) problems.push(`${name} differs from ${expectedName}: max relative error ${err} > ${tolerance}`);
    }
  });
  return { agreement, problems };
}
