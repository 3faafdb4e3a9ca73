// The browser entry's API on a page's main thread: the same functions as js/api.js, but every
// computation runs in a module Web Worker (web/worker.mjs), so the page never blocks. Arguments
// are posted to the worker (typed arrays copied, or transferred with `{ transfer: true }`);
// results come back transferred; errors come back as SeparableConv2dError with their code.

import { SeparableConv2dError } from '../js/errors.js';
import { WasmTensor } from '../js/wasm_tensor.js';
import { WORKER_MODULE_FILE } from '../js/backends.js';
import {
  tensorArg, optionsArg, wantsTransfer, transferList, decodeError,
} from './protocol.mjs';

const syncError = (what, asyncForm) => new SeparableConv2dError('NOT_SUPPORTED',
  `${what} is not available on a browser's main thread, where the computation runs in a Web Worker ` +
  `so the page never blocks: use ${asyncForm} (or import sepconv-wasm in a worker of your own, where ${what} works)`);

/** Absolute URLs for wasmPaths (relative ones mean relative to the page, not to the worker). */
function resolveWasmPaths(wasmPaths) {
  const resolve = (location) => {
    try {
      return new URL(location, document.baseURI).href;
    } catch (_) {
      throw new SeparableConv2dError('BAD_OPTIONS', `init: wasmPaths has an invalid URL: '${location}'`);
    }
  };
  if (typeof wasmPaths === 'string' && wasmPaths !== '') return resolve(wasmPaths.endsWith('/') ? wasmPaths : `${wasmPaths}/`);
  if (wasmPaths === null || typeof wasmPaths !== 'object' || Array.isArray(wasmPaths)) return wasmPaths;
  return Object.fromEntries(Object.entries(wasmPaths).map(
    ([file, location]) => [file, typeof location === 'string' && location !== '' ? resolve(location) : location]));
}

/**
 * @param startWorker (url?: string) => Worker: the computation worker, from `url` when
 *   wasmPaths names one, else from beside the bundle
 */
export function createWorkerApi(startWorker) {
  let worker = null;
  let generation = 0;  // counts workers started; a layer belongs to one
  let nextId = 1;
  const pending = new Map();  // request id -> { resolve, reject }
  let backendInfo = null;  // the worker's getBackendInfo() and getMemoryInfo() at its last reply
  let memoryInfo = null;

  function failAll(error) {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  }

  function stopWorker() {
    if (worker) worker.terminate();
    worker = null;
    backendInfo = null;
    memoryInfo = null;
  }

  function ensureWorker(workerUrl) {
    if (worker) return;
    const url = workerUrl || 'the default sepconv-wasm.worker.mjs beside sepconv-wasm.mjs';
    try {
      worker = startWorker(workerUrl);
    } catch (error) {
      throw new SeparableConv2dError('NOT_SUPPORTED', `could not start the computation worker (${url}): ${error.message}`);
    }
    generation += 1;
    const mine = worker;
    worker.onmessage = ({ data }) => {
      if (worker !== mine) return;
      backendInfo = data.backend;
      memoryInfo = data.memory;
      const request = pending.get(data.id);
      if (!request) return;
      pending.delete(data.id);
      if (data.ok) request.resolve(data.value);
      else request.reject(decodeError(data.error));
    };
    // A worker script that fails to load or evaluate: every call fails, and the next starts anew.
    worker.onerror = (event) => {
      if (worker !== mine) return;
      event.preventDefault();
      stopWorker();
      failAll(new SeparableConv2dError('NOT_BUILT',
        `the computation worker failed (${url}): ${event.message || 'it could not be loaded'}`));
    };
    worker.onmessageerror = () => {
      failAll(new SeparableConv2dError('NOT_SUPPORTED', 'a reply from the computation worker could not be read'));
    };
  }

  /** Posts one request; resolves to the worker's value. `transfer`: buffers to move, not copy. */
  function call(op, args, transfer = []) {
    return new Promise((resolve, reject) => {
      ensureWorker();
      const id = nextId++;
      try {
        worker.postMessage({ id, op, args }, transfer);
      } catch (error) {
        reject(new SeparableConv2dError('BAD_OPTIONS',
          `the arguments could not be sent to the computation worker (they must be plain data: objects, arrays, numbers, strings, typed arrays): ${error.message}`));
        return;
      }
      pending.set(id, { resolve, reject });
    });
  }

  /** Loads the module in the worker (starting it). Options as in Node.js: threads, backend, wasmPaths. */
  async function init(options) {
    let sent = options;
    if (options !== null && typeof options === 'object' && !Array.isArray(options) && 'wasmPaths' in options) {
      sent = { ...options, wasmPaths: resolveWasmPaths(options.wasmPaths) };
      const workerUrl = sent.wasmPaths && typeof sent.wasmPaths === 'object' ? sent.wasmPaths[WORKER_MODULE_FILE] : undefined;
      if (typeof workerUrl === 'string') ensureWorker(workerUrl);
    }
    await call('init', { options: sent });
  }

  const fromResult = ({ data, shape }) => ({ data, shape });

  async function separableConv2d(x, depthwiseFilter, pointwiseFilter, options) {
    const transfer = wantsTransfer(options)
      ? transferList([x?.data, depthwiseFilter?.data, pointwiseFilter?.data, options.bias]) : [];
    const args = {
      x: tensorArg(x), depthwise: tensorArg(depthwiseFilter), pointwise: tensorArg(pointwiseFilter), options: optionsArg(options),
    };
    return fromResult(await call('conv', args, transfer));
  }

  function separableConv2dSync() {
    throw syncError('separableConv2dSync', 'await separableConv2d(...)');
  }

  // Layers nobody disposed are freed in the worker when their proxy is garbage-collected.
  const unreleased = new FinalizationRegistry(({ layerId, owner }) => {
    if (owner === generation && worker) call('disposeLayer', { layerId }).catch(() => {});
  });

  /** A layer whose packed weights live in the worker; run() posts the input there. */
  class SeparableConv2dLayer {
    constructor(layerId) {
      this._id = layerId;
      this._owner = generation;
      this._disposed = false;
      unreleased.register(this, { layerId, owner: generation }, this);
    }

    _check() {
      if (this._disposed) throw new SeparableConv2dError('DISPOSED', 'this layer was disposed');
      if (this._owner !== generation || !worker) {
        throw new SeparableConv2dError('DISPOSED', 'this layer belongs to a module closed by dispose(); create it again');
      }
    }

    /**
     * Computes the layer on input. `options.output`: a Float32Array of the output's size to
     * copy the result into (returned as data); `options.transfer`: move input's buffer, not copy.
     */
    async run(input, options) {
      this._check();
      const transfer = wantsTransfer(options) ? transferList([input?.data]) : [];
      let runOptions = options;
      let outputLength = -1;
      const output = options !== null && typeof options === 'object' ? options.output : undefined;
      if (options !== null && typeof options === 'object') {
        runOptions = {};
        if ('output' in options) runOptions.output = output;
        if (output instanceof Float32Array) {
          outputLength = output.length;  // the worker computes into its own array of this size
          delete runOptions.output;
        }
      }
      const result = await call('run', { layerId: this._id, x: tensorArg(input), runOptions, outputLength }, transfer);
      if (outputLength >= 0) {
        output.set(result.data);
        return { data: output, shape: result.shape };
      }
      return fromResult(result);
    }

    runSync() {
      throw syncError('layer.runSync', 'await layer.run(x)');
    }

    /** Frees the packed weights in the worker; the layer cannot run afterwards. Safe to call twice. */
    dispose() {
      if (this._disposed) return;
      this._disposed = true;
      unreleased.unregister(this);
      if (this._owner === generation && worker) call('disposeLayer', { layerId: this._id }).catch(() => {});
    }
  }

  let nextLayerId = 1;

  async function createSeparableConv2d(depthwiseFilter, pointwiseFilter, options) {
    const transfer = wantsTransfer(options)
      ? transferList([depthwiseFilter?.data, pointwiseFilter?.data, options.bias]) : [];
    const layerId = nextLayerId++;
    await call('create', {
      layerId, depthwise: tensorArg(depthwiseFilter), pointwise: tensorArg(pointwiseFilter), options: optionsArg(options),
    }, transfer);
    return new SeparableConv2dLayer(layerId);
  }

  /** Tensors in wasm memory would live in the worker's memory, out of the page's reach. */
  async function createWasmTensor() {
    throw new SeparableConv2dError('NOT_SUPPORTED',
      "createWasmTensor is not available on a browser's main thread, where the computation runs in a Web Worker " +
      'with its own memory: pass typed arrays (with { transfer: true } to avoid copies), or import sepconv-wasm ' +
      'in a worker of your own, where WasmTensors work');
  }

  /** The worker's build, threads and isolation, as of its last reply; null before init(). */
  function getBackendInfo() {
    return backendInfo && { ...backendInfo };
  }

  /** The worker's wasm memory as of its last reply (each call and layer.dispose() reply); null before init(). */
  function getMemoryInfo() {
    return memoryInfo && { ...memoryInfo };
  }

  /** Stops the worker (and its threads); calls still running reject with DISPOSED. */
  function dispose() {
    if (!worker) return;
    stopWorker();
    failAll(new SeparableConv2dError('DISPOSED', 'dispose() was called while this call was running'));
  }

  return {
    init, separableConv2d, separableConv2dSync, createSeparableConv2d, createWasmTensor, getBackendInfo,
    getMemoryInfo, dispose, SeparableConv2dError, SeparableConv2dLayer, WasmTensor,
  };
}
