'use strict';

// The public API, whatever the environment: init, separableConv2d (async and sync),
// createSeparableConv2d (prepared layers), getBackendInfo, dispose. Only loading the wasm
// module differs between Node.js and browsers; the entry points pass their loader in.

const { SeparableConv2dError } = require('./errors');
const {
  parseOptions, checkInput, checkLayerInput, checkFilters, filterParams, prepareRun, checkRunOptions,
  checkWasmTensorShape,
} = require('./arguments');
const { WasmTensor } = require('./wasm_tensor');
const { HeapLayer } = require('./heap_layer');
const { resolveInit } = require('./backends');

// A layer nobody disposed frees its wasm memory when it is garbage-collected.
const unreleased = new FinalizationRegistry((release) => release());

/** A separable convolution with its weights packed once; run it on any number of inputs. */
class SeparableConv2dLayer {
  constructor(owner, opts, filters) {
    this._owner = owner;
    this._opts = opts;
    this._filters = { ...filters, depthwise: null, pointwise: null, bias: null };  // packed now; keep no copies
    this._heap = new HeapLayer(owner.module, opts, filters, filterParams(opts, filters));
    const heap = this._heap;
    unreleased.register(this, () => { if (!owner.disposed) heap.dispose(); }, this);
  }

  /**
   * Computes the layer on input; blocking. `options.output`: a Float32Array of the output's size
   * to write into (no allocation per call, for loops over many inputs), returned as data; or a
   * WasmTensor of the output's shape. With a WasmTensor input or output the result stays in wasm
   * memory: the WasmTensor is returned (a new one, if the input was one and no output was given).
   */
  runSync(input, options) {
    if (!this._heap) throw new SeparableConv2dError('DISPOSED', 'this layer was disposed');
    const owner = this._owner;
    if (owner.disposed) {
      throw new SeparableConv2dError('DISPOSED', 'this layer belongs to a module closed by dispose(); create it again');
    }
    const run = prepareRun(this._opts, this._filters, checkLayerInput(this._opts, input));
    const output = checkRunOptions(this._opts, options, run.outputShape, input);
    if (output && output.tensor) {
      this._heap.run(run, output.address);
      return output.tensor;
    }
    if (input instanceof WasmTensor && !output) {
      const tensor = new WasmTensor(owner, run.outputShape);
      try {
        this._heap.run(run, tensor.addressFor('output'));
      } catch (error) {
        tensor.dispose();
        throw error;
      }
      return tensor;
    }
    return { data: this._heap.run(run, output && output.array), shape: run.outputShape };
  }

  /** Computes the layer on input; options as for runSync. */
  async run(input, options) {
    return this.runSync(input, options);
  }

  /** Frees the packed weights; the layer cannot run afterwards. Safe to call twice. */
  dispose() {
    if (!this._heap) return;
    unreleased.unregister(this);
    if (!this._owner.disposed) this._heap.dispose();
    this._heap = null;
  }
}

/**
 * @param loadModule ({variant, threads, wasmPaths}) => Promise<{module, variant, simd}>
 * @param defaultThreads () => number: threads for the threaded build when init() is not told
 */
function createApi(loadModule, defaultThreads) {
  let loading = null;  // Promise of the loaded backend, shared by every caller
  let loadingThreads = 0;  // what the load in progress (or done) was started with
  let loadingVariant = null;
  let backend = null;  // { module, variant, simd, threads, disposed } once loaded

  /**
   * Loads the wasm module once. Optional: the first call loads it too. Calls before it resolves wait.
   * @param {{threads?: number, backend?: string, wasmPaths?: string|object}} [options] (js/backends.js)
   */
  function init(options = {}) {
    let request;
    try {
      request = resolveInit(options, defaultThreads);
    } catch (error) {
      return Promise.reject(error);
    }
    const { threads, variant } = request;
    if (loading) {
      if (options.threads !== undefined && loadingThreads !== threads) {
        return Promise.reject(new SeparableConv2dError('BAD_OPTIONS',
          `init: already started with ${loadingThreads} threads; call dispose() before init({ threads: ${threads} })`));
      }
      if (options.backend !== undefined && loadingVariant !== variant) {
        return Promise.reject(new SeparableConv2dError('BAD_OPTIONS',
          `init: already started with backend '${loadingVariant}'; call dispose() before init({ backend: '${variant}' })`));
      }
      return loading.then(() => undefined);
    }
    loadingThreads = threads;
    loadingVariant = variant;
    const thisLoad = loadModule(request).then((loaded) => {
      if (loading !== thisLoad) {  // dispose() came first: this module must not come back
        stopThreads(loaded.module);
        throw new SeparableConv2dError('DISPOSED', 'init: dispose() was called while the module was loading');
      }
      backend = { ...loaded, threads, disposed: false };
      return backend;
    }, (error) => {
      if (loading === thisLoad) loading = null;
      throw error;
    });
    loading = thisLoad;
    return loading.then(() => undefined);
  }

  function requireBackend(what) {
    if (!backend) {
      throw new SeparableConv2dError('NOT_INITIALIZED', `${what} needs the module loaded first: await init()`);
    }
    return backend;
  }

  function createLayerSync(depthwiseFilter, pointwiseFilter, options) {
    const owner = requireBackend('createSeparableConv2d');
    const opts = parseOptions(options);
    return new SeparableConv2dLayer(owner, opts, checkFilters(opts, depthwiseFilter, pointwiseFilter));
  }

  /**
   * Packs the filters once for repeated runs: `await layer.run(x)`, `layer.runSync(x)`,
   * `layer.dispose()`. Options as for separableConv2d, plus `bias` and `activation`.
   */
  async function createSeparableConv2d(depthwiseFilter, pointwiseFilter, options) {
    await init();
    return createLayerSync(depthwiseFilter, pointwiseFilter, options);
  }

  function compute(x, depthwiseFilter, pointwiseFilter, options) {
    const owner = requireBackend('separableConv2dSync');
    const opts = parseOptions(options);
    const input = checkInput(opts, x);
    const filters = checkFilters(opts, depthwiseFilter, pointwiseFilter);
    const run = prepareRun(opts, filters, input);  // every check passes before memory is touched
    const heap = new HeapLayer(owner.module, opts, filters, filterParams(opts, filters));
    try {
      return { data: heap.run(run), shape: run.outputShape };
    } finally {
      heap.dispose();
    }
  }

  /** tf.nn.separable_conv2d. Resolves to {data: Float32Array, shape}. */
  async function separableConv2d(x, depthwiseFilter, pointwiseFilter, options) {
    await init();
    return compute(x, depthwiseFilter, pointwiseFilter, options);
  }

  /** The same as separableConv2d, blocking; init() must have resolved first. */
  function separableConv2dSync(x, depthwiseFilter, pointwiseFilter, options) {
    return compute(x, depthwiseFilter, pointwiseFilter, options);
  }

  /**
   * A float32 tensor in the wasm module's memory, of `shape` (4 dimensions, in the layout of the
   * layers it feeds), filled from `data` if given, else with zeros. Layers read
   * it and write their results into such tensors with no copy between JavaScript and wasm.
   */
  async function createWasmTensor(shape, data) {
    await init();
    const tensor = new WasmTensor(requireBackend('createWasmTensor'), checkWasmTensorShape(shape));
    try {
      if (data !== undefined) tensor.write(data);
      else tensor.view().fill(0);
    } catch (error) {
      tensor.dispose();
      throw error;
    }
    return tensor;
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

  /**
   * The wasm module's memory: {wasmMemoryBytes (its size; it grows, never shrinks),
   * heapBytesInUse (allocated now: between calls, the module's fixed baseline plus undisposed
   * layers' packed weights)}; null before init().
   */
  function getMemoryInfo() {
    if (!backend || backend.disposed) return null;
    return {
      wasmMemoryBytes: backend.module.wasmMemory.buffer.byteLength,
      heapBytesInUse: backend.module.heapBytesInUse(),
    };
  }

  /** Stops the worker threads and forgets the module; a later init() or call loads it again. */
  function stopThreads(module) {
    if (module.PThread) module.PThread.terminateAllThreads();  // threaded build only
  }

  function dispose() {
    if (backend) {
      stopThreads(backend.module);
      backend.disposed = true;  // its layers now refuse to run
    }
    backend = null;
    loading = null;
  }

  return {
    init, separableConv2d, separableConv2dSync, createSeparableConv2d, createWasmTensor, getBackendInfo,
    getMemoryInfo, dispose, SeparableConv2dError, SeparableConv2dLayer, WasmTensor,
  };
}

module.exports = { createApi };
