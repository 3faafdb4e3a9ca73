'use strict';

// The three wasm builds and the choice between them, the same in Node.js, browsers and workers:
// what the environment can run (feature detection), init()'s options, and where each build's
// files are.

const { SeparableConv2dError, describe } = require('./errors');

/** Best first. `threads`: built with pthreads (needs SharedArrayBuffer); `simd`: WASM SIMD128. */
const VARIANTS = {
  'threaded-simd': { simd: true, threads: true },
  simd: { simd: true, threads: false },
  baseline: { simd: false, threads: false },
};
const VARIANT_NAMES = Object.keys(VARIANTS);

/** The files of one build for Node.js, as Emscripten names them in dist/wasm/. */
function variantFiles(variant) {
  const files = { js: `sepconv-${variant}.js`, wasm: `sepconv-${variant}.wasm` };
  if (VARIANTS[variant].threads) files.worker = `sepconv-${variant}.worker.js`;
  return files;
}

/** The files of one build for browsers in dist/web/: an ES module with the wasm inside. */
function webFiles(variant) {
  const files = { module: `sepconv-${variant}.mjs` };
  if (VARIANTS[variant].threads) files.worker = `sepconv-${variant}.worker.js`;
  return files;
}

const KNOWN_FILES = new Set(VARIANT_NAMES.flatMap((variant) => [
  ...Object.values(variantFiles(variant)), ...Object.values(webFiles(variant))]));

// The smallest module using a SIMD instruction (i8x16.splat of i32.const 0, then i8x16.popcnt),
// the probe of wasm-feature-detect and TensorFlow.js: it validates only where SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

const ISOLATION_HEADERS =
  "'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp'";

/**
 * What this environment can run: { simd, threads, crossOriginIsolated, missingSimd, missingThreads }
 * (the missing* strings say why a feature is absent). Node.js has threads; a browser page or
 * worker has them only when cross-origin isolated, which is when it has SharedArrayBuffer.
 */
function detectFeatures() {
  const wasm = typeof WebAssembly === 'object' ? WebAssembly : null;
  let simd = false;
  try {
    simd = Boolean(wasm) && wasm.validate(SIMD_PROBE);
  } catch (_) {
    simd = false;
  }
  const crossOriginIsolated = Boolean(globalThis.crossOriginIsolated);
  let sharedMemory = false;
  try {
    sharedMemory = Boolean(wasm) && typeof SharedArrayBuffer === 'function'
      && new wasm.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch (_) {
    sharedMemory = false;
  }
  // Browsers define crossOriginIsolated (false when not isolated); Node.js does not define it.
  // A document without Worker (jsdom) cannot start the browser build's pthread workers.
  const workers = typeof document === 'undefined' || typeof Worker === 'function';
  const threads = sharedMemory && workers && globalThis.crossOriginIsolated !== false;
  let missingThreads = null;
  if (!threads) {
    if (globalThis.crossOriginIsolated === false) {
      missingThreads = `wasm threads need SharedArrayBuffer, which a page (and its workers) has only when cross-origin isolated: serve it with ${ISOLATION_HEADERS}`;
    } else if (!workers) {
      missingThreads = 'wasm threads need Web Workers, which this document (jsdom?) lacks';
    } else {
      missingThreads = 'wasm threads need SharedArrayBuffer and shared WebAssembly.Memory, which this environment lacks';
    }
  }
  const missingSimd = simd ? null : 'this environment does not support WebAssembly SIMD (fixed-width SIMD128)';
  return { simd, threads, crossOriginIsolated, missingSimd, missingThreads };
}

/** What `variant` needs and this environment lacks (a sentence), or null if it runs here. */
function unsupportedReason(variant, features) {
  const needs = VARIANTS[variant];
  const missing = [];
  if (needs.simd && !features.simd) missing.push(features.missingSimd);
  if (needs.threads && !features.threads) missing.push(features.missingThreads);
  return missing.length ? missing.join('; ') : null;
}

const INIT_KEYS = new Set(['threads', 'backend', 'wasmPaths']);

function badOptions(message) {
  return new SeparableConv2dError('BAD_OPTIONS', `init: ${message}`);
}

function checkWasmPaths(wasmPaths) {
  if (wasmPaths === undefined || typeof wasmPaths === 'string' && wasmPaths !== '') return;
  if (wasmPaths === null || typeof wasmPaths !== 'object' || Array.isArray(wasmPaths)) {
    throw badOptions(`wasmPaths must be a base URL or directory (a non-empty string) or an object mapping file names to URLs; got ${describe(wasmPaths)}`);
  }
  for (const [file, location] of Object.entries(wasmPaths)) {
    if (!KNOWN_FILES.has(file)) {
      throw badOptions(`wasmPaths has an unknown file name '${file}'; the files are ${[...KNOWN_FILES].join(', ')}`);
    }
    if (typeof location !== 'string' || location === '') {
      throw badOptions(`wasmPaths['${file}'] must be a non-empty string (a URL or path); got ${describe(location)}`);
    }
  }
}

/**
 * Checks init()'s options and chooses the build: { variant, threads, wasmPaths, given } (`given`:
 * whether threads and backend were asked for, each a boolean). Without
 * `backend`, the best build this environment runs; `threads` > 1 needs 'threaded-simd'.
 * @param {object} options init()'s argument
 * @param {() => number} defaultThreads threads for 'threaded-simd' when not given
 * @param features detectFeatures()'s result (a parameter for tests)
 */
function resolveInit(options, defaultThreads, features = detectFeatures()) {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw badOptions(`options must be an object such as { threads, backend, wasmPaths }; got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!INIT_KEYS.has(key)) throw badOptions(`unknown option '${key}'; the options are threads, backend and wasmPaths`);
  }
  // Own properties only: one a page's script added to Object.prototype is not an option.
  const [threads, backend, wasmPaths] = ['threads', 'backend', 'wasmPaths']
    .map((key) => (Object.hasOwn(options, key) ? options[key] : undefined));
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > 64)) {
    throw badOptions(`threads must be an integer from 1 to 64; got ${describe(threads)}`);
  }
  if (backend !== undefined && !VARIANT_NAMES.includes(backend)) {
    throw badOptions(`backend must be ${VARIANT_NAMES.map((v) => `'${v}'`).join(', ')} or left out (the best this environment runs); got ${describe(backend)}`);
  }
  checkWasmPaths(wasmPaths);

  let variant = backend;
  if (variant === undefined) {
    variant = VARIANT_NAMES.find((v) => !unsupportedReason(v, features));
    if (threads > 1 && !VARIANTS[variant].threads) {
      throw new SeparableConv2dError('NOT_SUPPORTED',
        `init: threads: ${threads} needs the 'threaded-simd' build, which cannot run here: ${unsupportedReason('threaded-simd', features)}. Leave threads out to run on one thread`);
    }
  } else {
    if (threads > 1 && !VARIANTS[variant].threads) {
      throw badOptions(`threads: ${threads} needs backend 'threaded-simd'; the '${variant}' build has no threads (use threads: 1 or leave it out)`);
    }
    const reason = unsupportedReason(variant, features);
    if (reason) throw new SeparableConv2dError('NOT_SUPPORTED', `init: the '${variant}' build cannot run here: ${reason}`);
  }
  const resolvedThreads = VARIANTS[variant].threads ? (threads === undefined ? defaultThreads() : threads) : 1;
  return { variant, threads: resolvedThreads, wasmPaths, given: { threads: threads !== undefined, backend: backend !== undefined } };
}

/**
 * The threaded build's pthread workers for `threads` computing threads: one fewer when the
 * calling thread computes too; but at least one, as Emscripten 3.1.6's start-up waits forever
 * on an empty pool.
 */
function poolWorkers(threads, callerHelps) {
  return Math.max(callerHelps ? threads - 1 : threads, 1);
}

/**
 * The module's WebAssembly.Memory. Builds with pthreads export it as module.wasmMemory (which
 * getMemoryInfo() reads); Emscripten 3.1.6 cannot export it from the others, whose only memory
 * export it is, so this sets module.wasmMemory from there.
 */
function exposeMemory(module) {
  if (!module.wasmMemory) {
    module.wasmMemory = Object.values(module.asm).find((value) => value instanceof WebAssembly.Memory);
  }
  return module;
}

module.exports = {
  exposeMemory, poolWorkers,
  VARIANTS, VARIANT_NAMES, variantFiles, webFiles, detectFeatures, resolveInit, unsupportedReason,
};
