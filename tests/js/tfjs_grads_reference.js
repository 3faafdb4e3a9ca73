'use strict';
// The gradients by TensorFlow.js's CPU backend: tf.grads through the same ops as the forward
// reference (tfjs_reference.js), a second oracle maintained apart from ours. tfjs-core's Node
// bundle registers no gradient functions ("gradient function not found for Sum"); the full
// @tensorflow/tfjs package registers them all on the same tfjs-core, so it is loaded here for
// that side effect.
//
// tfjs cannot differentiate a depthwise convolution with dilations > 1 ("dilation rates
// greater than 1 are not yet supported"): such configurations throw.

const tf = require('@tensorflow/tfjs');
const { specFromOptions } = require('./reference');
const { ALL_GRADIENTS, requestedGradients } = require('./reference_backward');
const { initTfjs, requireCpu, toTensor, separableConv2dTfjsOps } = require('./tfjs_reference');

/**
 * Same contract as reference_backward.separableConv2dBackwardReference (public API arguments,
 * options.gradients honoured), computed in float32 by tf.grads on the CPU backend after
 * `await initTfjs()`. Returns { dx, dDepthwiseFilter, dPointwiseFilter, dBias } as requested,
 * each { data: Float32Array, shape }.
 */
function separableConv2dGradsTfjs(x, depthwise, pointwise, dy, options) {
  requireCpu();
  const spec = { ...specFromOptions(options), activation: options.activation };
  const wanted = requestedGradients(options);
  const keys = ['dx', 'dDepthwiseFilter', 'dPointwiseFilter', 'dBias'];
  const grads = tf.tidy(() => {
    const inputs = [toTensor(x), toTensor(depthwise), toTensor(pointwise)];
    // A zero bias when there is none: adding it changes neither y nor the other gradients.
    inputs.push(options.bias !== undefined ? toTensor({ data: options.bias, shape: [options.bias.length] }) : tf.zeros([pointwise.shape[3]]));
    const f = (input, dwT, pwT, biasT) => separableConv2dTfjsOps(input, dwT, pwT, biasT, spec);
    return tf.grads(f)(inputs, toTensor(dy));
  });
  const result = {};
  ALL_GRADIENTS.forEach((name, i) => {
    if (wanted.includes(name)) result[keys[i]] = { data: grads[i].dataSync().slice(), shape: grads[i].shape.slice() };
  });
  tf.dispose(grads);
  return result;
}

module.exports = { initTfjs, separableConv2dGradsTfjs };
