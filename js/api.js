'use strict';

// The public API, written once for every environment: init, separableConv2d (async and sync),
// createSeparableConv2d (prepared layers), createWasmTensor, getBackendInfo, getMemoryInfo,
// dispose. The wasm module always lives in the calling thread. What differs between
// environments is passed in: how to load the module, and whether this thread may block
// (Node.js and workers may; a browser page's main thread may not, and computes through
// js/compute.js's non-blocking path, one call at a time).

const { SeparableConv2dError, describe } = require('./errors');
const {
  parseOptions, checkInput, checkLayerInput, checkFilters, checkNewWeights, filterShape, prepareRun, checkRunOptions,
  checkWasmTensorShape, checkBackward,
} = require('./arguments');
const { WasmTensor, isWasmTensor } = require('./wasm_tensor');
const { HeapLayer, allocate, fillBlock } = require('./heap_layer');
const { resolveInit, VARIANTS } = require('./backends');
const {
  computeBlocking, computeOnPage, jobBlocking, jobOnPage, pageQueue,
} = require('./compute');

// A layer nobody disposed frees its wasm memory when it is garbage-collected.
const unreleased = new FinalizationRegistry((release) => release());

const notOnPage = (what, asyncForm) => new SeparableConv2dError('NOT_SUPPORTED',
  `${what} is not available on a browser page's main thread, which must never block: use ${asyncForm} ` +
  `(or import sepconv-wasm in a worker of your own, where ${what} works)`);

/** A separable convolution with its weights packed once; run it on any number of inputs. */
class SeparableConv2dLayer {
  constructor(owner, opts, filters) {
    this._owner = owner;
    this._opts = opts;
    // Packed now; keep no copies, only the shapes (and whether there is a bias) for setWeights.
    this._filters = { ...filters, depthwise: null, pointwise: null, bias: null, hasBias: filters.bias !== null };
    // Where a thread other than the caller's computes, a large input is copied in while it does;
    // a large result, into the caller's own array, is copied out during the job where the caller
    // helps (not on a page, where waking up to copy cost the workers more than it saved:
    // docs/performance.md).
    const overlap = { input: Boolean(owner.pooled) || owner.threads > 1, output: !owner.pooled && owner.threads > 1 };
    this._heap = new HeapLayer(owner.module, opts, filters, filterShape(filters), { newArray: owner.newArray, overlap });
    const heap = this._heap;
    unreleased.register(this, () => owner.release(() => heap.dispose()), this);
  }

  /** The layer's HeapLayer, or DISPOSED. */
  _usableHeap() {
    if (!this._heap) throw new SeparableConv2dError('DISPOSED', 'this layer was disposed');
    if (this._owner.disposed) {
      throw new SeparableConv2dError('DISPOSED', 'this layer belongs to a module closed by dispose(); create it again');
    }
    return this._heap;
  }

  /** Checks a run's arguments against the layer, reading each caller value once. */
  _prepare(input, options) {
    const heap = this._usableHeap();
    const run = prepareRun(this._opts, this._filters, checkLayerInput(this._opts, input));
    const output = checkRunOptions(this._opts, options, run.outputShape, input);
    return { run, output, wasmInput: isWasmTensor(input) ? input : null, heap };
  }

  /** Computes a prepared call with `compute` (js/compute.js); a value or a Promise of one. */
  _execute({ run, output, wasmInput, heap }, compute) {
    const owner = this._owner;
    if (owner.disposed) throw new SeparableConv2dError('DISPOSED', 'dispose() was called while this call was waiting');
    if (output && output.tensor) return then(heap.run(run, output.address, compute), () => output.tensor);
    if (wasmInput && !output) {
      const tensor = new WasmTensor(owner, run.outputShape);
      const failed = (error) => {
        tensor.dispose();
        throw error;
      };
      try {
        return then(heap.run(run, tensor.addressFor('output'), compute), () => tensor, failed);
      } catch (error) {
        return failed(error);
      }
    }
    // The result goes into a plain view of the caller's output array; the caller gets their array back.
    return then(heap.run(run, output && output.view, compute), (data) => ({ data: output ? output.array : data, shape: run.outputShape }));
  }

  /**
   * Computes the layer on input; blocking. `options.output`: a Float32Array of the output's size
   * to write into (no allocation per call, for loops over many inputs), returned as data; or a
   * WasmTensor of the output's shape. With a WasmTensor input or output the result stays in wasm
   * memory: the WasmTensor is returned (a new one, if the input was one and no output was given).
   * Not on a browser page's main thread: use run() there.
   */
  runSync(input, options) {
    if (this._owner.onPage) throw notOnPage('layer.runSync', 'await layer.run(x)');
    return this._execute(this._prepare(input, options), computeBlocking);
  }

  /** Computes the layer on input; options as for runSync. */
  async run(input, options) {
    const owner = this._owner;
    if (!owner.onPage) return this.runSync(input, options);
    const call = this._prepare(input, options);
    return owner.exclusive(call.run, () => this._execute(call, computeOnPage(owner, call.run.params)), this._opts.context);
  }

  /** Checks a backward call's arguments against the layer, reading each caller value once. */
  _prepareBackward(input, dy, options) {
    const heap = this._usableHeap();
    const run = prepareRun(this._opts, this._filters, checkLayerInput(this._opts, input));
    const { dy: dyData, wanted } = checkBackward(this._opts, this._filters, run, input, dy, options);
    run.dy = dyData;  // beside run.input: both are staged if the call waits on a page
    return { run, wanted, heap };
  }

  /**
   * The gradients of L = sum(dy * y), y = this layer's output for input (options.gradients: which
   * of 'x', 'depthwiseFilter', 'pointwiseFilter', 'bias'; default all): { dx, dDepthwiseFilter,
   * dPointwiseFilter, dBias }, each {data, shape}, for those wanted. options.outputs: where to
   * write some of them, by those names: a Float32Array of the gradient's size (returned as data),
   * or for the 4-D ones a WasmTensor of its shape (returned itself). Blocking; not on a browser
   * page's main thread: use backward() there.
   */
  backwardSync(input, dy, options) {
    if (this._owner.onPage) throw notOnPage('layer.backwardSync', 'await layer.backward(x, dy)');
    const { run, wanted, heap } = this._prepareBackward(input, dy, options);
    return heap.backward(run, run.dy, wanted, { compute: computeBlocking, job: jobBlocking });
  }

  /** The same as backwardSync, asynchronous. */
  async backward(input, dy, options) {
    const owner = this._owner;
    if (!owner.onPage) return this.backwardSync(input, dy, options);
    const { run, wanted, heap } = this._prepareBackward(input, dy, options);
    const compute = () => heap.backward(run, run.dy, wanted, { compute: computeOnPage(owner, run.params), job: jobOnPage(owner) });
    return owner.exclusive(run, compute, this._opts.context);
  }

  /**
   * Replaces the layer's weights, for training loops: filters of exactly the layer's shapes, and
   * a bias of length O if (and only if) the layer was created with one. Repacked in place, with
   * no new allocation kept. Synchronous, also on a page, where calls already started compute
   * with the old weights and calls started afterwards with the new ones. The new values are
   * copied before it returns; nothing changes if it throws.
   */
  setWeights(depthwiseFilter, pointwiseFilter, bias) {
    const heap = this._usableHeap();
    const staged = heap.stage(checkNewWeights(this._opts, this._filters, depthwiseFilter, pointwiseFilter, bias));
    const owner = this._owner;
    if (!owner.onPage) heap.pack(staged);
    else owner.inTurn(() => { if (!owner.disposed) heap.pack(staged); });  // after dispose() the module is gone
  }

  /** Frees the packed weights; the layer cannot run afterwards. Safe to call twice. */
  dispose() {
    if (!this._heap) return;
    unreleased.unregister(this);
    const heap = this._heap;
    this._owner.release(() => heap.dispose());
    this._heap = null;
  }
}

/** onValue(value) of a value or a Promise; onError for a rejected Promise's error. */
function then(valueOrPromise, onValue, onError) {
  if (valueOrPromise instanceof Promise) return valueOrPromise.then(onValue, onError);
  return onValue(valueOrPromise);
}

/**
 * @param loadModule ({variant, threads, wasmPaths, callerHelps, backendGiven}) => Promise<{module, variant, simd, threads?}>
 *   (threads: where the module runs fewer than asked for)
 * @param defaultThreads () => number: threads for the threaded build when init() is not told
 * @param onPage true on a browser page's main thread, which must never block
 * @param resultArrays where new result arrays come from: { take(length), close() }
 *   (web/result_arrays.mjs on a page), else plain new Float32Arrays
 */
function createApi(loadModule, defaultThreads, { onPage = false, resultArrays = null } = {}) {
  let loading = null;  // Promise of the loaded backend, shared by every caller
  let loadingThreads = 0;  // what the load in progress (or done) was started with
  let loadingVariant = null;
  let backend = null;  // the loaded module and how this thread uses it (makeBackend)

  /** What layers, tensors and the compute paths need of a loaded module. */
  function makeBackend(loaded, threads) {
    const { module } = loaded;
    const queue = onPage ? pageQueue() : null;
    const made = {
      ...loaded,
      threads,
      disposed: false,
      onPage,
      // On a page, the pool's workers compute while the page waits (js/compute.js).
      pooled: onPage && VARIANTS[loaded.variant].threads,
      newArray: resultArrays ? resultArrays.take : (length) => new Float32Array(length),
      allocate: (bytes, what) => allocate(module, {}, bytes, what),
      /** Runs a free now, or on a page after the computations started so far; never after dispose(). */
      release(free) {
        const guarded = () => { if (!made.disposed) free(); };
        if (queue) queue.afterCurrent(guarded);
        else guarded();
      },
      free(address) {
        made.release(() => module._free(address));
      },
      /**
       * Runs compute() after the page's earlier computations. If it has to wait, a typed-array
       * input is copied into wasm memory now, so that the call sees the values it was given; the
       * call then reads it there, as a WasmTensor's. (A JavaScript copy took 10 ms of page faults
       * per 3.2 MB on the page's thread, in a Chromium trace of three calls made at once; wasm
       * memory is reused from call to call.)
       */
      exclusive(run, compute, context) {
        const staging = ['input', 'dy'].filter((key) => run[key] !== undefined && typeof run[key] !== 'number');
        if (!queue.busy || staging.length === 0) return queue.exclusive(compute);
        const { batch, inH, inW, inC } = run.params;
        const bytes = { input: 4 * batch * inH * inW * inC, dy: 4 * run.outputShape.reduce((a, b) => a * b, 1) };
        const staged = fillBlock(module, context, 'the inputs of a call waiting for an earlier one',
          Object.fromEntries(staging.map((key) => [key, bytes[key]])), Object.fromEntries(staging.map((key) => [key, run[key]])));
        staging.forEach((key) => { run[key] = staged.at(key); });
        const free = () => { if (!made.disposed) module._free(staged.base); };
        return queue.exclusive(compute).finally(free);
      },
      /** Runs fn (which does not fail) after the page's computations started so far, before any started later. */
      inTurn(fn) {
        queue.exclusive(fn);
      },
    };
    return made;
  }

  /**
   * Loads the wasm module once. Optional: the first call loads it too. Calls before it resolves wait.
   * @param {{threads?: number, backend?: string, wasmPaths?: string|object}} [options] (js/backends.js)
   */
  function init(options = {}) {
    let request;
    try {
      request = resolveInit(options, defaultThreads);
    } catch (error) {
      // An error from the caller's own getters or proxies is theirs to see, as a BAD_OPTIONS.
      return Promise.reject(error instanceof SeparableConv2dError ? error
        : new SeparableConv2dError('BAD_OPTIONS', `init: options could not be read: ${describe(String(error && error.message))}`));
    }
    const { threads, variant, wasmPaths, given } = request;
    if (loading) {
      if (given.threads && loadingThreads !== threads) {
        return Promise.reject(new SeparableConv2dError('BAD_OPTIONS',
          `init: already started with ${loadingThreads} threads; call dispose() before init({ threads: ${threads} })`));
      }
      if (given.backend && loadingVariant !== variant) {
        return Promise.reject(new SeparableConv2dError('BAD_OPTIONS',
          `init: already started with backend '${loadingVariant}'; call dispose() before init({ backend: '${variant}' })`));
      }
      return loading.then(() => undefined);
    }
    loadingThreads = threads;
    loadingVariant = variant;
    // A page's main thread only waits: the pool's workers do all the work.
    const thisLoad = loadModule({ variant, threads, wasmPaths, callerHelps: !onPage, backendGiven: given.backend }).then((loaded) => {
      if (loading !== thisLoad) {  // dispose() came first: this module must not come back
        stopThreads(loaded.module);
        throw new SeparableConv2dError('DISPOSED', 'init: dispose() was called while the module was loading');
      }
      backend = makeBackend(loaded, Object.hasOwn(loaded, 'threads') ? loaded.threads : threads);
      [loadingVariant, loadingThreads] = [loaded.variant, backend.threads];
      return backend;
    }, (error) => {
      if (loading === thisLoad) loading = null;
      throw error;
    });
    loading = thisLoad;
    return loading.then(() => undefined);
  }

  /** The backend once init() resolves; DISPOSED if dispose() came in between. */
  async function loaded(what) {
    await init();
    if (!backend) throw new SeparableConv2dError('DISPOSED', `${what}: dispose() was called while the module was loading`);
    return backend;
  }

  function requireBackend(what) {
    if (!backend) {
      throw new SeparableConv2dError('NOT_INITIALIZED', `${what} needs the module loaded first: await init()`);
    }
    return backend;
  }

  /**
   * Packs the filters once for repeated runs: `await layer.run(x)`, `layer.runSync(x)`,
   * `layer.dispose()`. Options as for separableConv2d, plus `bias` and `activation`.
   */
  async function createSeparableConv2d(depthwiseFilter, pointwiseFilter, options) {
    const owner = await loaded('createSeparableConv2d');
    const opts = parseOptions(options);
    return new SeparableConv2dLayer(owner, opts, checkFilters(opts, depthwiseFilter, pointwiseFilter));
  }

  /** A one-shot call: a layer made for it, run once and disposed. */
  function oneShot(owner, x, depthwiseFilter, pointwiseFilter, options, runLayer) {
    const opts = parseOptions(options);
    const input = checkInput(opts, x);
    const filters = checkFilters(opts, depthwiseFilter, pointwiseFilter);
    prepareRun(opts, filters, input);  // every check passes before memory is touched
    const layer = new SeparableConv2dLayer(owner, opts, filters);
    let result;
    try {
      result = runLayer(layer, input);
    } catch (error) {
      layer.dispose();
      throw error;
    }
    return then(result, (value) => {
      layer.dispose();
      return value;
    }, (error) => {
      layer.dispose();
      throw error;
    });
  }

  /** tf.nn.separable_conv2d. Resolves to {data: Float32Array, shape}. */
  async function separableConv2d(x, depthwiseFilter, pointwiseFilter, options) {
    const owner = await loaded('separableConv2d');
    return oneShot(owner, x, depthwiseFilter, pointwiseFilter, options, (layer, input) => layer.run(input));
  }

  /**
   * The gradients of tf.nn.separable_conv2d: of L = sum(dy * y), y = separableConv2d(x, ...).
   * options: the forward call's, and `gradients` (see layer.backwardSync). Resolves to
   * { dx, dDepthwiseFilter, dPointwiseFilter, dBias }, those wanted.
   */
  async function separableConv2dBackward(x, depthwiseFilter, pointwiseFilter, dy, options) {
    const owner = await loaded('separableConv2dBackward');
    return oneShot(owner, x, depthwiseFilter, pointwiseFilter, options, (layer, input) => layer.backward(input, dy, options));
  }

  /** The same as separableConv2dBackward, blocking; init() must have resolved first. Not on a page's main thread. */
  function separableConv2dBackwardSync(x, depthwiseFilter, pointwiseFilter, dy, options) {
    if (onPage) throw notOnPage('separableConv2dBackwardSync', 'await separableConv2dBackward(...)');
    const owner = requireBackend('separableConv2dBackwardSync');
    return oneShot(owner, x, depthwiseFilter, pointwiseFilter, options, (layer, input) => layer.backwardSync(input, dy, options));
  }

  /** The same as separableConv2d, blocking; init() must have resolved first. Not on a page's main thread. */
  function separableConv2dSync(x, depthwiseFilter, pointwiseFilter, options) {
    if (onPage) throw notOnPage('separableConv2dSync', 'await separableConv2d(...)');
    const owner = requireBackend('separableConv2dSync');
    return oneShot(owner, x, depthwiseFilter, pointwiseFilter, options, (layer, input) => layer.runSync(input));
  }

  /**
   * A float32 tensor in the wasm module's memory, of `shape` (4 dimensions, in the layout of the
   * layers it feeds), filled from `data` if given, else with zeros. Layers read
   * it and write their results into such tensors with no copy between JavaScript and wasm.
   */
  async function createWasmTensor(shape, data) {
    const tensor = new WasmTensor(await loaded('createWasmTensor'), checkWasmTensorShape(shape));
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
      backend.disposed = true;  // its layers now refuse to run, and calls in flight reject
    }
    if (resultArrays) resultArrays.close();
    backend = null;
    loading = null;
  }

  return {
    init, separableConv2d, separableConv2dSync, separableConv2dBackward, separableConv2dBackwardSync,
    createSeparableConv2d, createWasmTensor, getBackendInfo, getMemoryInfo, dispose, SeparableConv2dError,
    SeparableConv2dLayer, WasmTensor,
  };
}

module.exports = { createApi };
