// Loads one of the wasm builds in a browser: on a page's main thread, or in a user's own worker
// that imports the package. js/backends.js chooses the build.
//
// The Emscripten glue (sepconv-<variant>.js) is a classic script defining a global factory.
// A module worker has no importScripts (it exists but throws), and a worker has no <script>
// element, so the glue's text is fetched and evaluated with `new Function`: the factory comes
// back as the function's return value, nothing leaks into the page's globals, and it works on
// pages and in module and classic workers alike (checked in Chromium by tests/browser/). The price: a
// Content-Security-Policy must allow 'unsafe-eval' ('wasm-unsafe-eval' alone is not enough).
// Bundling the glue instead would drag in its Node.js branch (require('fs'), worker_threads) for
// bundlers to stub, and the threaded build's pthread workers would still need the glue as a
// separate script (they importScripts it).

import { SeparableConv2dError } from '../js/errors.js';
import { VARIANTS, variantFiles, wasmUrl, poolWorkers } from '../js/backends.js';
import { startModule } from '../js/start_module.js';

// Where the builds are by default: dist/wasm/, beside the dist/web/ this bundle lives in.
const DEFAULT_BASE = new URL('../wasm/', import.meta.url);

async function fetchOk(url, what) {
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin' });
  } catch (error) {
    throw new SeparableConv2dError('NOT_BUILT', `could not load ${what} from ${url}: ${error.message}`);
  }
  if (!response.ok) {
    throw new SeparableConv2dError('NOT_BUILT', `could not load ${what} from ${url}: HTTP ${response.status}`);
  }
  return response;
}

const sameOrigin = (url) => new URL(url).origin === self.location.origin;

/**
 * Resolves to { module, variant, simd }. `wasmPaths` (a base URL or a map of file names to
 * URLs) resolves against this thread's location: the page's, or the worker script's.
 */
export async function loadModule({ variant, threads, wasmPaths, callerHelps }) {
  const files = variantFiles(variant);
  const base = typeof document !== 'undefined' ? document.baseURI : self.location.href;
  const urlOf = (file) => wasmUrl(file, wasmPaths, DEFAULT_BASE, base);
  const scriptUrl = urlOf(files.js);
  const what = `the '${variant}' wasm build`;
  // The .wasm is fetched here, not by the glue: a missing file then fails with a clear error
  // (Emscripten 3.1.6 would abort with a generic one); the bytes are compiled asynchronously.
  const wasmFileUrl = urlOf(files.wasm);
  const [scriptText, [wasmBinary, contentType]] = await Promise.all([
    fetchOk(scriptUrl, what).then((response) => response.text()),
    fetchOk(wasmFileUrl, what).then(async (response) => [await response.arrayBuffer(), response.headers.get('content-type')]),
  ]);
  // The glue's last lines assign module.exports only when CommonJS is around; here it is not.
  // eslint-disable-next-line no-new-func
  const createModule = new Function(`${scriptText}\nreturn createSepconvModule;\n//# sourceURL=${scriptUrl}`)();

  const options = { wasmBinary, locateFile: (file) => urlOf(file) };
  const threaded = VARIANTS[variant].threads;
  if (threaded) {
    // The pool's pthread workers are classic workers started from this thread
    // with sepconv-threaded-simd.worker.js; each loads the glue from mainScriptUrlOrBlob. A worker
    // script must be same-origin, so glue and worker script served from elsewhere (a CDN in
    // wasmPaths) are handed over as blobs.
    const workerUrl = urlOf(files.worker);
    if (sameOrigin(workerUrl)) {
      options.locateFile = (file) => (file === files.worker ? workerUrl : urlOf(file));
    } else {
      const workerText = await (await fetchOk(workerUrl, what)).text();
      const blobUrl = URL.createObjectURL(new Blob([workerText], { type: 'text/javascript' }));
      options.locateFile = (file) => (file === files.worker ? blobUrl : urlOf(file));
    }
    options.mainScriptUrlOrBlob = sameOrigin(scriptUrl) ? scriptUrl
      : new Blob([scriptText], { type: 'text/javascript' });
    options.pthreadPoolSize = poolWorkers(threads, callerHelps);
  }
  const module = await startModule(createModule, options, { variant, files: { js: scriptUrl, wasm: wasmFileUrl }, contentType });
  if (threaded) module.setThreads(threads, callerHelps);
  return { module, variant, simd: VARIANTS[variant].simd };
}

export function defaultThreads() {
  return Math.max(1, Math.min(globalThis.navigator?.hardwareConcurrency || 1, 8));
}
