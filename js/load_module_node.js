'use strict';

// Loads one of the wasm builds in Node.js (js/backends.js chooses which). Emscripten 3.1.6's
// loader would try to fetch() the .wasm by file path under Node 18+, so the bytes are read here
// and handed over.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { fileURLToPath } = require('url');
const { SeparableConv2dError } = require('./errors');
const { VARIANTS, variantFiles, poolWorkers } = require('./backends');
const { startModule } = require('./start_module');

const WASM_DIR = path.join(__dirname, '..', 'dist', 'wasm');

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
  return path.join(dir, file);
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

async function loadModule({ variant, threads, wasmPaths, callerHelps }) {
  const files = variantFiles(variant);
  const threaded = VARIANTS[variant].threads;
  const jsPath = locate(files.js, wasmPaths);
  const wasmPath = locate(files.wasm, wasmPaths);
  for (const file of [jsPath, wasmPath, ...(threaded ? [locate(files.worker, wasmPaths)] : [])]) {
    if (!fs.existsSync(file)) {
      throw new SeparableConv2dError('NOT_BUILT',
        `the '${variant}' wasm build is missing: expected ${file}${wasmPaths === undefined ? " (run 'npm run build')" : ' (from wasmPaths)'}`);
    }
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
