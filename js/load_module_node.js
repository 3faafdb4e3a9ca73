'use strict';

// Loads the wasm module in Node.js. Emscripten 3.1.6's loader would try to fetch() the .wasm by
// file path under Node 18+, so the bytes are read here and handed over.

const fs = require('fs');
const path = require('path');
const { SeparableConv2dError } = require('./errors');

const WASM_DIR = path.join(__dirname, '..', 'dist', 'wasm');
const VARIANT = 'threaded-simd';

async function loadModule({ threads }) {
  const base = path.join(WASM_DIR, `sepconv-${VARIANT}`);
  if (!fs.existsSync(`${base}.js`) || !fs.existsSync(`${base}.wasm`)) {
    throw new SeparableConv2dError('NOT_BUILT',
      `the wasm module is missing: expected ${base}.js and .wasm (run 'npm run build')`);
  }
  const createModule = require(`${base}.js`);
  const module = await createModule({
    wasmBinary: fs.readFileSync(`${base}.wasm`),
    locateFile: (file) => path.join(WASM_DIR, file),
    // The calling thread works too, so the pool needs one worker fewer than threads; but at
    // least one, because Emscripten 3.1.6's start-up waits forever on an empty pool.
    pthreadPoolSize: Math.max(threads - 1, 1),
  });
  module.setThreads(threads);
  // Idle pool workers must not keep a script's process alive (Emscripten fixed this in 3.1.27).
  for (const worker of [...module.PThread.unusedWorkers, ...module.PThread.runningWorkers]) {
    worker.unref();
  }
  return { module, variant: VARIANT, simd: true };
}

function defaultThreads() {
  const cores = typeof require('os').availableParallelism === 'function'
    ? require('os').availableParallelism() : require('os').cpus().length;
  return Math.max(1, Math.min(cores, 8));
}

module.exports = { loadModule, defaultThreads };
