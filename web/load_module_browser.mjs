// Loads one of the wasm builds in a browser: on a page's main thread, or in a user's own worker
// that imports the package. js/backends.js chooses the build.
//
// Each build is an ES module with its wasm inside (dist/web/sepconv-<variant>.mjs, see
// CMakeLists.txt). The single-thread builds are imported by literal relative specifiers: every
// bundler finds them, makes each a chunk of its own and loads it only when it is chosen. Nothing
// is evaluated from text, so a strict Content-Security-Policy (script-src 'self'
// 'wasm-unsafe-eval') works.
//
// The threaded build's pthread workers need two URLs: their script and the build's module, which
// each of them imports (and so does this thread). First choice: blob: URLs of their text, which
// the package carries as a module of strings: that works whatever a bundler did with the files,
// without a request. Where a Content-Security-Policy refuses blob: scripts, the files beside this
// one, each named by a literal `new URL('./file', import.meta.url)`, which Vite, webpack and
// Parcel emit. With `wasmPaths`, the files from there.

import { SeparableConv2dError } from '../js/errors.js';
import { VARIANTS, webFiles, poolWorkers } from '../js/backends.js';
import { startModule } from '../js/start_module.js';

const BUNDLED = {
  simd: () => import('./sepconv-simd.mjs'),
  baseline: () => import('./sepconv-baseline.mjs'),
};

// What each file of a build contains, in string literals that minifiers keep (webpack minifies
// the files it emits): the module, its wasm as a data: URL; the worker script, its own message.
const MODULE_MARK = 'data:application/octet-stream;base64,AGFzbQ';
const WORKER_MARK = 'worker.js received unknown command';
// A classic worker cannot run a static import, which Vite's dev server adds to scripts it serves.
const STATIC_IMPORT = /^\s*import\s*[\w{*'"]/m;

async function fetchText(url, what) {
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin' });
  } catch (error) {
    return { problem: `could not load ${what} from ${url}: ${error.message}` };
  }
  if (!response.ok) return { problem: `could not load ${what} from ${url}: HTTP ${response.status}` };
  return { text: await response.text(), contentType: response.headers.get('content-type') };
}

/**
 * The text at `url` if it is the file expected (it contains `mark`, and a classic script has no
 * static import), else { problem } saying what came back: an HTML page for an unknown path, say.
 */
async function fetchScript(url, what, mark, classic = false) {
  const got = await fetchText(url, what);
  if (got.problem || (got.text.includes(mark) && !(classic && STATIC_IMPORT.test(got.text)))) return got;
  const head = got.text.slice(0, 40).replace(/\s+/g, ' ');
  return { problem: `${url} is not ${what} (content type '${got.contentType}', ${got.text.length} characters, starting '${head}')` };
}

const sameOrigin = (url) => new URL(url).origin === self.location.origin;
const blobUrl = (text) => URL.createObjectURL(new Blob([text], { type: 'text/javascript' }));

/**
 * The URL wasmPaths gives for `file` (its map entry, or the file under it as a base URL), or
 * null where it says nothing of it. Relative URLs resolve against this thread's location: the
 * page's, or the worker script's.
 */
function givenUrl(file, wasmPaths) {
  if (wasmPaths === undefined || (typeof wasmPaths === 'object' && !Object.hasOwn(wasmPaths, file))) return null;
  const here = typeof document !== 'undefined' ? document.baseURI : self.location.href;
  if (typeof wasmPaths === 'object') return new URL(wasmPaths[file], here).href;
  return new URL(file, new URL(wasmPaths.endsWith('/') ? wasmPaths : `${wasmPaths}/`, here)).href;
}

// The threaded build's module as this thread imported it from a blob: URL, the first time. A page
// keeps every module it imported for good, under its URL: importing a new blob at each init()
// would keep one more copy of the build each time.
let importedFromBlob = null;

/**
 * The threaded build from blob: URLs, { module, worker, imported, blobs } (imported: the module's
 * namespace, as this thread imported it; blobs: the URLs to revoke once the pthread workers have
 * loaded); null if this page refuses blob: scripts.
 */
async function threadedFromBlobs() {
  const sources = await import('./sepconv-threaded-simd.sources.mjs');
  const module = blobUrl(sources.moduleSource);
  try {
    importedFromBlob = importedFromBlob || await import(/* webpackIgnore: true */ /* @vite-ignore */ module);
  } catch (_) {
    URL.revokeObjectURL(module);
    return null;
  }
  const worker = blobUrl(sources.workerSource);
  return { module, worker, imported: importedFromBlob, blobs: [module, worker] };
}

/**
 * The threaded build from its files: { module, worker, imported } (imported: a Promise of the
 * module's namespace), or NOT_BUILT saying what is wrong with them.
 */
async function threadedFromFiles(variant, wasmPaths) {
  const files = webFiles(variant);
  const what = `the '${variant}' build's`;
  // Literal URLs, for bundlers to see, unless wasmPaths says otherwise. ?no-inline: Vite would
  // make the small worker script a data: URL, which worker-src 'self' refuses.
  const module = givenUrl(files.module, wasmPaths) || new URL('./sepconv-threaded-simd.mjs', import.meta.url).href;
  const worker = givenUrl(files.worker, wasmPaths) || new URL('./sepconv-threaded-simd.worker.js?no-inline', import.meta.url).href;
  const [moduleText, workerText] = await Promise.all([
    fetchScript(module, `${what} module`, MODULE_MARK),
    fetchScript(worker, `${what} worker script`, WORKER_MARK, true),
  ]);
  const problem = moduleText.problem || workerText.problem;
  if (problem) {
    const why = wasmPaths === undefined ? ' (this page refuses blob: scripts, so the files are needed)' : '';
    throw new SeparableConv2dError('NOT_BUILT', `the '${variant}' wasm build cannot load: ${problem}${why}`);
  }
  // A worker's script must be same-origin: one on a CDN is started from a blob of its text.
  const workerUrl = sameOrigin(worker) ? worker : blobUrl(workerText.text);
  return {
    module,
    worker: workerUrl,
    imported: import(/* webpackIgnore: true */ /* @vite-ignore */ module),
    blobs: workerUrl === worker ? [] : [workerUrl],
  };
}

/** The single-thread build's module: the bundled one, or the one wasmPaths points at. */
async function singleThreadModule(variant, url) {
  if (!url) return BUNDLED[variant]();
  const got = await fetchScript(url, `the '${variant}' build's module`, MODULE_MARK);
  if (got.problem) throw new SeparableConv2dError('NOT_BUILT', `the '${variant}' wasm build cannot load: ${got.problem}`);
  return import(/* webpackIgnore: true */ /* @vite-ignore */ url);
}

/** Resolves to { module, variant, simd }; `wasmPaths` as init() was given it. */
export async function loadModule({ variant, threads, wasmPaths, callerHelps }) {
  const threaded = VARIANTS[variant].threads;
  const files = webFiles(variant);
  const options = {};
  let source;
  let imported;
  let blobs = [];
  if (threaded) {
    const urls = (wasmPaths === undefined && await threadedFromBlobs()) || await threadedFromFiles(variant, wasmPaths);
    source = urls.module.startsWith('blob:') ? files.module : urls.module;
    imported = urls.imported;
    blobs = urls.blobs;
    Object.assign(options, {
      locateFile: (file) => (file === files.worker ? urls.worker : file),
      mainScriptUrlOrBlob: urls.module,
      pthreadPoolSize: poolWorkers(threads, callerHelps),
    });
  } else {
    const url = givenUrl(files.module, wasmPaths);
    source = url || files.module;
    imported = singleThreadModule(variant, url);
  }
  try {
    return await startBuild(variant, imported, options, source, { threads, callerHelps });
  } finally {
    // Emscripten needs the worker's and the module's URLs only to start a worker (new Worker(),
    // then the worker's import()), and starts them all before the module is ready: its pool holds
    // as many workers as setThreads() makes threads, once, until dispose(). So each blob can go now,
    // instead of staying alive (about 150 kB) after every init().
    blobs.forEach((url) => URL.revokeObjectURL(url));
  }
}

/** The build imported as `imported` started with `options`, and its threads: { module, variant, simd }. */
async function startBuild(variant, imported, options, source, { threads, callerHelps }) {
  const threaded = VARIANTS[variant].threads;
  let createModule;
  try {
    createModule = (await imported).default;
  } catch (error) {
    if (error instanceof SeparableConv2dError) throw error;
    throw new SeparableConv2dError('NOT_BUILT', `the '${variant}' wasm build cannot load: importing ${source} failed: ${error.message}`);
  }
  const module = await startModule(createModule, options, { variant, files: { js: source } });
  if (threaded !== Boolean(module.PThread)) {
    throw new SeparableConv2dError('NOT_BUILT', `the '${variant}' wasm build cannot load: ${source} is another build's module`);
  }
  if (threaded) module.setThreads(threads, callerHelps);
  return { module, variant, simd: VARIANTS[variant].simd };
}

export function defaultThreads() {
  return Math.max(1, Math.min(globalThis.navigator?.hardwareConcurrency || 1, 8));
}
