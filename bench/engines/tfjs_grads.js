'use strict';

// TensorFlow.js's gradients of the layer: tf.grads of tf.separableConv2d (depthwiseConv2d then a
// 1x1 conv2d, as the forward benchmark calls it) on one of its backends. tfjs-core's Node bundle
// registers no gradient functions; the full @tensorflow/tfjs package registers them on the same
// tfjs-core, so it is loaded for that. On the CPU backend the kernels are plain JavaScript; the
// wasm backend registers no Conv2DBackpropFilter kernel, so there the call throws, which the
// benchmark reports as the reason the engine is unsupported.

const tf = require('@tensorflow/tfjs');
const { createTfjsWasmEngine } = require('./tfjs_wasm');

// tf.grads returns the gradients in the order of its inputs: x, depthwise, pointwise.
const GRADIENT_KEYS = ['dx', 'dDepthwiseFilter', 'dPointwiseFilter'];

/** backend: 'cpu' or 'wasm' (started and checked exactly as for the forward benchmark). */
async function createTfjsGradsEngine(backend) {
  if (backend === 'wasm') await createTfjsWasmEngine();
  tf.env().set('PROD', true);
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs: could not initialize the ${backend} backend`);
  return {
    name: `tfjs-${backend}`,
    threads: 1,
    describe: () => `@tensorflow/tfjs ${tf.version.tfjs}, ${backend} backend, tf.grads of tf.separableConv2d`,
    /**
     * The timed call is what a training step does with new data: x and dy made tensors, the
     * gradients of all three inputs computed and read out with dataSync. The filters are made
     * tensors once, as a model's weights.
     */
    async prepare(layer, inputs, dy) {
      await tf.setBackend(backend);
      const dw = tf.tensor4d(inputs.depthwise.data, inputs.depthwise.shape);
      const pw = tf.tensor4d(inputs.pointwise.data, inputs.pointwise.shape);
      const strides = [layer.stride, layer.stride];
      const pad = layer.padding.toLowerCase();
      const dilation = [layer.dilation, layer.dilation];
      const gradients = tf.grads((x, dwT, pwT) => tf.separableConv2d(x, dwT, pwT, strides, pad, dilation));
      const run = () => {
        const grads = tf.tidy(() => gradients([tf.tensor4d(inputs.x.data, inputs.x.shape), dw, pw], tf.tensor4d(dy.data, dy.shape)));
        const result = Object.fromEntries(GRADIENT_KEYS.map((key, i) => [key, { data: grads[i].dataSync(), shape: grads[i].shape }]));
        tf.dispose(grads);
        return result;
      };
      return { run, dispose: () => tf.dispose([dw, pw]) };
    },
  };
}

module.exports = { createTfjsGradsEngine };
