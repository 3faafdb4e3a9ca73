'use strict';

// Loads one of the wasm builds in Node.js (js/backends.js chooses which). Emscripten 3.1.6's
// loader would try to fetch() the .wasm by file path under Node 18+, so the bytes are read here
// and handed over.
//
// A bundler (esbuild, webpack) that moves this file into an application's bundle leaves
// dist/wasm/ behind. Then, unless a build or wasmPaths was asked for, the single-thread build of
// dist/web/, whose wasm is inside its module and which the bundler therefore carries along, runs
// instead on one thread.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { fileURLToPath } = require('url');
const { SeparableConv2dError } = require('./errors');
const { VARIANTS, variantFiles, poolWorkers } = require('./backends');
const { startModule } = require('./start_module');

// Where the builds are; null in an ES module bundle, which has no __dirname.
const WASM_DIR = typeof __dirname === 'string' ? path.join(__dirname, '..', 'dist', 'wasm') : null;
// The project's own checkout (not an installed package), whose developers build the wasm.
const IN_CHECKOUT = WASM_DIR !== null && fs.existsSync(path.join(__dirname, '..', 'CMakeLists.txt'));

/** A wasmPaths entry as a file path: a path, or a file: URL. Node.js cannot load other URLs. */
function toFilePath(location, what) {
  if (/^file:/i.test(location)) return fileURLToPath(location);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new SeparableConv2dError('BAD_OPTIONS',
      `init: in Node.js, wasmPaths${what} must be a directory or file path (or a file: URL); got '${location}'`);
  }
  return path.resolve(location);
}

/** Where `file` is: wasmPaths' map entry for it, else `file` in wasmPaths (a directory) or dist/wasm. */
function locate(file, wasmPaths) {
  if (wasmPaths && typeof wasmPaths === 'object' && Object.hasOwn(wasmPaths, file)) {
    return toFilePath(wasmPaths[file], `['${file}']`);
  }
  const dir = typeof wasmPaths === 'string' ? toFilePath(wasmPaths, '') : WASM_DIR;
  return dir === null ? null : path.join(dir, file);
}

/** Why a file of the build may be missing, for the error: what to do about it. */
function missingHint(wasmPaths) {
  if (wasmPaths !== undefined) return ' (from wasmPaths)';
  if (IN_CHECKOUT) return " (run 'npm run build')";
  return '. This copy of sepconv-wasm is incomplete, or was bundled without dist/wasm/: reinstall it, leave it out of the bundle, or point wasmPaths at its dist/wasm/';
}

/** The single-thread build that dist/web/ carries inside its module (see the top of this file). */
async function loadBundledBuild(variant) {
  const single = variant === 'baseline' ? 'baseline' : 'simd';
  const imported = single === 'baseline' ? await import('../dist/web/sepconv-baseline.mjs') : await import('../dist/web/sepconv-simd.mjs');
  const module = await startModule(imported.default, {}, { variant: single, files: { js: `dist/web/sepconv-${single}.mjs` } });
  return { module, variant: single, simd: VARIANTS[single].simd, threads: 1 };
}

/** Emscripten's loader script: its factory, or NOT_BUILT naming the file when it is not one. */
function loadGlue(jsPath, variant) {
  let createModule;
  try {
    createModule = require(jsPath);
  } catch (error) {
    throw new SeparableConv2dError('NOT_BUILT',
      `the '${variant}' wasm build cannot load: ${jsPath} is not its loader script (${error.name}: ${error.message.split('\n')[0].slice(0, 200)})`);
  }
  if (typeof createModule !== 'function') {
    throw new SeparableConv2dError('NOT_BUILT', `the '${variant}' wasm build cannot load: ${jsPath} is not its loader script (it exports no factory)`);
  }
  return createModule;
}

/**
 * Resolves to { module, variant, simd, threads? } (threads: where fewer than asked for).
 * `backendGiven`: init() asked for this build, which then must load.
 */
async function loadModule({ variant, threads, wasmPaths, callerHelps, backendGiven }) {
  const files = variantFiles(variant);
  const threaded = VARIANTS[variant].threads;
  const jsPath = locate(files.js, wasmPaths);
  const wasmPath = locate(files.wasm, wasmPaths);
  const missing = [jsPath, wasmPath, ...(threaded ? [locate(files.worker, wasmPaths)] : [])]
    .find((file) => file === null || !fs.existsSync(file));
  if (missing !== undefined) {
    if (wasmPaths === undefined && !backendGiven && !IN_CHECKOUT) return loadBundledBuild(variant);
    throw new SeparableConv2dError('NOT_BUILT',
      `the '${variant}' wasm build is missing: expected ${missing === null ? `dist/wasm/${files.js}` : missing}${missingHint(wasmPaths)}`);
  }
  const createModule = loadGlue(jsPath, variant);
  const module = await startModule(createModule, {
    wasmBinary: fs.readFileSync(wasmPath),
    locateFile: (file) => locate(file, wasmPaths),
    ...(threaded ? { pthreadPoolSize: poolWorkers(threads, callerHelps) } : {}),
  }, { variant, files: { js: jsPath, wasm: wasmPath } });
  if (threaded) {
    module.setThreads(threads, callerHelps);
    // Idle pool workers must not keep a script's process alive (Emscripten fixed this in 3.1.27).
    for (const worker of [...module.PThread.unusedWorkers, ...module.PThread.runningWorkers]) {
      worker.unref();
    }
  }
  return { module, variant, simd: VARIANTS[variant].simd };
}

function defaultThreads() {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(cores, 8));
}

module.exports = { loadModule, defaultThreads };
