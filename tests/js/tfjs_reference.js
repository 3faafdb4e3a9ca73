'use strict';
// A second, independently maintained reference: TensorFlow.js's CPU backend.
// separable_conv2d is depthwiseConv2d (strided/dilated/padded) followed by a
// 1x1 VALID conv2d, exactly how TensorFlow composes it. tfjs only computes
// NHWC on the CPU, so NCHW is handled by transposing in and out.

const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');

let ready = null;

/** Selects the CPU backend once; await before calling separableConv2dTfjs. */
function initTfjs() {
  if (!ready) {
    ready = (async () => {
      // tfjs warns about debug mode / missing tfjs-node in Node; that noise is
      // irrelevant here, and PROD mode also skips its per-op NaN checks.
      tf.env().set('PROD', true);
      await tf.setBackend('cpu');
      await tf.ready();
    })();
  }
  return ready;
}

/**
 * The op as tfjs ops on tensors, for use inside tf.tidy or tf.grads: input in the spec's data
 * format, filters in their own layout, bias a 1-D tensor or undefined. Returns y in the spec's
 * data format. Caller's spec as for separableConv2dTfjs.
 */
function separableConv2dTfjsOps(input, dwT, pwT, biasT, spec) {
  const nchw = spec.dataFormat === 'NCHW';
  const [dh, dw] = spec.dilations || [1, 1];
  // tfjs spells SAME/VALID in lower case and takes explicit pads in NHWC order.
  const pad = typeof spec.padding === 'string'
    ? spec.padding.toLowerCase()
    : [[0, 0], [...spec.padding[0]], [...spec.padding[1]], [0, 0]];
  const nhwc = nchw ? tf.transpose(input, [0, 2, 3, 1]) : input;
  const mid = tf.depthwiseConv2d(nhwc, dwT, spec.strides, pad, 'NHWC', [dh, dw]);
  let out = tf.conv2d(mid, pwT, 1, 'valid');
  // The layer's optional epilogue: bias per output channel (the last axis here), then activation.
  if (biasT !== undefined) out = tf.add(out, biasT);
  if (spec.activation === 'relu') out = tf.relu(out);
  else if (spec.activation === 'relu6') out = tf.relu6(out);
  else if (spec.activation !== undefined && spec.activation !== 'linear') {
    throw new Error(`tfjs_reference: unknown activation ${spec.activation}`);
  }
  return nchw ? tf.transpose(out, [0, 3, 1, 2]) : out;
}

/** A { data, shape } as a float32 tfjs tensor. */
function toTensor(t) {
  return tf.tensor(Float32Array.from(t.data), Array.from(t.shape), 'float32');
}

/** Throws unless initTfjs() has selected the CPU backend. */
function requireCpu() {
  if (tf.getBackend() !== 'cpu') throw new Error('tfjs_reference: call await initTfjs() first');
}

/**
 * Same contract as reference.separableConv2dReference (the normalized spec), but
 * computed in float32 by tfjs. Returns { data: Float32Array, shape }.
 * The spec may also carry the layer's epilogue: `bias` (length O, added per
 * output channel with tf.add) and `activation` ('linear' | 'relu' | 'relu6',
 * tf.relu / tf.relu6), applied in that order after the pointwise conv2d.
 */
function separableConv2dTfjs(x, depthwise, pointwise, spec) {
  requireCpu();
  const y = tf.tidy(() => separableConv2dTfjsOps(toTensor(x), toTensor(depthwise), toTensor(pointwise),
    spec.bias === undefined ? undefined : tf.tensor1d(Float32Array.from(spec.bias), 'float32'), spec));
  const result = { data: y.dataSync().slice(), shape: y.shape.slice() };
  y.dispose();
  return result;
}

module.exports = { initTfjs, requireCpu, toTensor, separableConv2dTfjsOps, separableConv2dTfjs };
