// TensorFlow.js with its WASM backend, the library a visitor would otherwise use, loaded only when
// the benchmark first asks for it so that the page itself stays light. Its UMD builds come from
// node_modules, which demo/server.js serves for these files only; without node_modules (a
// published package has none) loading rejects and the benchmark times sepconv-wasm alone.

const CORE = '/node_modules/@tensorflow/tfjs-core/dist/tf-core.min.js';
const WASM_DIST = '/node_modules/@tensorflow/tfjs-backend-wasm/dist/';

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(script);
  });
}

let loading = null;  // a failed load is not retried: its scripts may have half-registered tfjs

/**
 * Resolves to { tf, build, threads, version }: the global `tf` with the wasm backend active, the
 * wasm build tfjs picked (named as sepconv-wasm names its own) and its thread count.
 */
export function loadTfjs() {
  loading ??= (async () => {
    await loadScript(CORE);
    await loadScript(`${WASM_DIST}tf-backend-wasm.min.js`);
    const { tf } = window;
    tf.enableProdMode();  // as a production page would: no debug checks and warnings
    tf.wasm.setWasmPaths(WASM_DIST);
    if (!(await tf.setBackend('wasm'))) throw new Error('its wasm backend did not start');
    const [simd, threaded] = await Promise.all(
      ['WASM_HAS_SIMD_SUPPORT', 'WASM_HAS_MULTITHREAD_SUPPORT'].map((flag) => tf.env().getAsync(flag)));
    const build = simd ? (threaded ? 'threaded-simd' : 'simd') : 'baseline';
    return { tf, build, threads: tf.wasm.getThreadsCount(), version: tf.wasm.version_wasm };
  })();
  return loading;
}
