'use strict';

// TensorFlow.js with @tensorflow/tfjs-backend-wasm (XNNPACK inside). In Node the backend never
// uses threads (its WASM_HAS_MULTITHREAD_SUPPORT flag is hard-wired to false under IS_NODE), so
// this is its SIMD single-thread build, which is what a Node user gets.

const path = require('path');

const WASM_DIR = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));

async function createTfjsWasmEngine() {
  const tf = require('@tensorflow/tfjs-core');
  const wasmBackend = require('@tensorflow/tfjs-backend-wasm');
  tf.env().set('PROD', true);  // skips tfjs's per-op debug checks, as a production user would

  // Plain file paths (not file:// URLs): under Node the backend's Emscripten loader reads a
  // file path with fs.readFileSync, so no wasmBinary/fetch workaround is needed. The builds
  // we do not want point at a path that does not exist, so if tfjs ever picked the non-SIMD
  // or the threaded build, initialization fails loudly instead of measuring the wrong thing.
  const notWanted = path.join(WASM_DIR, 'NOT-THE-SIMD-BUILD.wasm');
  wasmBackend.setWasmPaths({
    'tfjs-backend-wasm-simd.wasm': path.join(WASM_DIR, 'tfjs-backend-wasm-simd.wasm'),
    'tfjs-backend-wasm.wasm': notWanted,
    'tfjs-backend-wasm-threaded-simd.wasm': notWanted,
  });
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: could not initialize the wasm backend');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  if (!simd || multithread) throw new Error(`tfjs: expected the SIMD single-thread build; flags simd=${simd} threads=${multithread}`);
  const threads = wasmBackend.getThreadsCount();
  const version = wasmBackend.version_wasm;

  return {
    name: 'tfjs-wasm',
    threads,
    describe: () => `@tensorflow/tfjs-backend-wasm ${version}, tfjs-backend-wasm-simd.wasm, threads=${threads}`,
    async prepare(layer, inputs) {
      // The weights are made tensors once, as a model's would be. The timed call is what
      // sepconv-wasm's call and onnxruntime's session.run do with new data: the input copied
      // into wasm memory (tf.tensor4d), the op, and dataSync (a copy out into a new array).
      const dw = tf.tensor4d(inputs.depthwise.data, inputs.depthwise.shape);
      const pw = tf.tensor4d(inputs.pointwise.data, inputs.pointwise.shape);
      const strides = [layer.stride, layer.stride];
      const pad = layer.padding.toLowerCase();
      const dilation = [layer.dilation, layer.dilation];
      // tf.separableConv2d is depthwiseConv2d (with dilations) then a 1x1 conv2d; the op's
      // scope disposes the intermediate tensor.
      const run = () => {
        const x = tf.tensor4d(inputs.x.data, inputs.x.shape);
        const y = tf.separableConv2d(x, dw, pw, strides, pad, dilation);
        const data = y.dataSync();
        tf.dispose([x, y]);
        return data;
      };
      const before = tf.memory().numTensors;
      run();
      if (tf.memory().numTensors !== before) throw new Error('tfjs: the timed call leaks tensors');
      return { run, toNHWC: (y) => y, dispose: () => tf.dispose([dw, pw]) };
    },
    close() {},
  };
}

module.exports = { createTfjsWasmEngine };
