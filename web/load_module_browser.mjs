// Loads the wasm module in a browser page. The Emscripten glue is a classic script that defines
// a global factory, so it is added as a <script>; its .wasm and worker files sit beside it.

import { SeparableConv2dError } from '../js/errors.js';

// The bundle lives in dist/web/, the module in dist/wasm/.
const WASM_BASE = new URL('../wasm/', import.meta.url);
const VARIANT = 'threaded-simd';

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.onload = resolve;
    script.onerror = () => reject(new SeparableConv2dError('NOT_BUILT', `could not load ${url}`));
    document.head.appendChild(script);
  });
}

export async function loadModule({ threads }) {
  if (!globalThis.crossOriginIsolated || typeof SharedArrayBuffer === 'undefined') {
    throw new SeparableConv2dError('NOT_SUPPORTED',
      'this build uses wasm threads, which need a cross-origin isolated page: serve it with ' +
      "'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp'");
  }
  const scriptUrl = new URL(`sepconv-${VARIANT}.js`, WASM_BASE).href;
  if (typeof globalThis.createSepconvModule !== 'function') await loadScript(scriptUrl);
  const module = await globalThis.createSepconvModule({
    locateFile: (file) => new URL(file, WASM_BASE).href,
    mainScriptUrlOrBlob: scriptUrl,  // what the pthread workers load
    // The calling thread works too; at least one worker, as 3.1.6 waits forever on an empty pool.
    pthreadPoolSize: Math.max(threads - 1, 1),
  });
  module.setThreads(threads);
  return { module, variant: VARIANT, simd: true };
}

export function defaultThreads() {
  return Math.max(1, Math.min(globalThis.navigator?.hardwareConcurrency || 1, 8));
}
