// TensorFlow.js's wasm backend from its UMD build (the global `tf`, with `tf.wasm`). On an
// isolated page it picks its threaded build (XNNPACK's pool), else its SIMD single-thread one.

const { tf } = globalThis;

export async function start() {
  tf.env().set('PROD', true);  // skips tfjs's per-op debug checks, as a production page would
  tf.wasm.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: could not initialize the wasm backend');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const threads = tf.wasm.getThreadsCount();
  const build = `${multithread ? 'threaded-' : ''}${simd ? 'simd' : 'baseline'}`;
  return {
    info: { version: tf.wasm.version_wasm, build, threads, describe: `tfjs-backend-wasm ${tf.wasm.version_wasm} ${build}, ${threads} thread(s)` },
    async prepare({ layer, x, depthwise, pointwise }) {
      // The weights become tensors once, as a model's would; the timed call copies x in
      // (tf.tensor4d), runs the op and copies the result out into a new array (y.data()),
      // as bench/engines/tfjs_wasm.js does in Node with dataSync.
      const dw = tf.tensor4d(depthwise.data, depthwise.shape);
      const pw = tf.tensor4d(pointwise.data, pointwise.shape);
      const strides = [layer.stride, layer.stride];
      const padding = layer.padding.toLowerCase();
      const dilations = [layer.dilation, layer.dilation];
      const run = async () => {
        const y = tf.tidy(() => tf.separableConv2d(tf.tensor4d(x.data, x.shape), dw, pw, strides, padding, dilations));
        const data = await y.data();
        y.dispose();
        return data;
      };
      const before = tf.memory().numTensors;
      await run();
      if (tf.memory().numTensors !== before) throw new Error('tfjs: the timed call leaks tensors');
      return { run, dispose: () => tf.dispose([dw, pw]) };
    },
  };
}
