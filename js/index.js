'use strict';

// The public API: init, separableConv2d (async), separableConv2dSync, getBackendInfo, dispose.

const { SeparableConv2dError } = require('./errors');
const { prepareCall } = require('./arguments');
const { runOnHeap } = require('./run_on_heap');
const { loadModule, defaultThreads } = require('./load_module_node');

let loading = null;  // Promise of the loaded backend, shared by every caller
let backend = null;  // { module, variant, simd, threads } once loaded

function checkThreads(threads) {
  if (threads === undefined) return defaultThreads();
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new SeparableConv2dError('BAD_OPTIONS', `init: threads must be an integer from 1 to 64; got ${String(threads)}`);
  }
  return threads;
}

/**
 * Loads the wasm module once. Optional: the first call loads it too. Calls before it resolves wait.
 * @param {{threads?: number}} [options]
 */
function init(options = {}) {
  let threads;
  try {
    threads = checkThreads(options.threads);
  } catch (error) {
    return Promise.reject(error);
  }
  if (loading) {
    if (options.threads !== undefined && backend && backend.threads !== threads) {
      return Promise.reject(new SeparableConv2dError('BAD_OPTIONS',
        `init: already running with ${backend.threads} threads; call dispose() before init({ threads: ${threads} })`));
    }
    return loading.then(() => undefined);
  }
  loading = loadModule({ threads }).then((loaded) => {
    backend = { ...loaded, threads };
    return backend;
  }, (error) => {
    loading = null;
    throw error;
  });
  return loading.then(() => undefined);
}

function compute(x, depthwiseFilter, pointwiseFilter, options) {
  const call = prepareCall(x, depthwiseFilter, pointwiseFilter, options);
  return { data: runOnHeap(backend.module, call), shape: call.outputShape };
}

/** tf.nn.separable_conv2d. Resolves to {data: Float32Array, shape}. */
async function separableConv2d(x, depthwiseFilter, pointwiseFilter, options) {
  await init();
  return compute(x, depthwiseFilter, pointwiseFilter, options);
}

/** The same as separableConv2d, blocking; init() must have resolved first. */
function separableConv2dSync(x, depthwiseFilter, pointwiseFilter, options) {
  if (!backend) {
    throw new SeparableConv2dError('NOT_INITIALIZED', 'separableConv2dSync needs the module loaded first: await init()');
  }
  return compute(x, depthwiseFilter, pointwiseFilter, options);
}

/** Which build runs and how: {variant, threads, simd, crossOriginIsolated}; null before init(). */
function getBackendInfo() {
  if (!backend) return null;
  return {
    variant: backend.variant,
    threads: backend.threads,
    simd: backend.simd,
    crossOriginIsolated: Boolean(globalThis.crossOriginIsolated),
  };
}

/** Stops the worker threads and forgets the module; a later init() or call loads it again. */
function dispose() {
  if (backend) backend.module.PThread.terminateAllThreads();
  backend = null;
  loading = null;
}

module.exports = { init, separableConv2d, separableConv2dSync, getBackendInfo, dispose, SeparableConv2dError };
