'use strict';

// Memory handoff. A HeapLayer owns one block of wasm memory: the packed weights, made once. Each
// run makes one more allocation (input, workspace, output), copies in, computes, copies out and
// frees it, whatever happens. How the computation completes is the thread's (js/compute.js):
// blocking where the thread may block, without blocking on a page's main thread.

const { SeparableConv2dError } = require('./errors');
const { bufferOf } = require('./typed_arrays');
const { copyFloats } = require('./copy_floats');

// The wasm module's MAXIMUM_MEMORY; no single allocation may need more than this.
const MAX_HEAP_BYTES = 2 ** 31;
const ALIGN = 64;

const alignUp = (bytes) => Math.ceil(bytes / ALIGN) * ALIGN;

/** Lays out named byte sizes in one block: offsets and the total. */
function layout(sizes) {
  const offsets = {};
  let total = 0;
  for (const [key, bytes] of Object.entries(sizes)) {
    offsets[key] = total;
    total += alignUp(bytes);
  }
  return { offsets, total };
}

/** malloc, or a TOO_LARGE error that says what did not fit. */
function allocate(module, context, bytes, what) {
  const prefix = context.name ? `${context.name}: ` : '';
  if (bytes > MAX_HEAP_BYTES) {
    throw new SeparableConv2dError('TOO_LARGE',
      `${prefix}${what} needs ${bytes} bytes of wasm memory; the limit is ${MAX_HEAP_BYTES}`);
  }
  const address = module._memalign(ALIGN, bytes);
  if (address === 0) {
    throw new SeparableConv2dError('TOO_LARGE', `${prefix}could not allocate ${bytes} bytes of wasm memory for ${what}`);
  }
  return address;
}

// Embind's conversions and the C++ thread pool allocate a few hundred bytes on the wasm heap,
// and with exceptions off a failed C++ allocation aborts the module. So each call into C++ first
// makes sure this much room is left: a full heap becomes TOO_LARGE, never an abort.
const HEADROOM = 64 * 1024;

function ensureHeadroom(module, context) {
  const address = module._malloc(HEADROOM);
  if (address === 0) {
    const prefix = context.name ? `${context.name}: ` : '';
    throw new SeparableConv2dError('TOO_LARGE', `${prefix}the wasm memory is full (not even ${HEADROOM} bytes are left)`);
  }
  module._free(address);
}

/**
 * Copies typed arrays (plain Float32Arrays of sizes[key] bytes, arguments.js) into a fresh block,
 * but for the one of key `later`, which the caller copies itself; returns { base, at(key), later
 * (that array, as it is to be copied) }. The caller frees base.
 */
function fillBlock(module, context, what, sizes, arrays, later = null) {
  const { offsets, total } = layout(sizes);
  // An array over wasm memory itself (a WasmTensor's view) would be detached if malloc grows the
  // memory: copy it out first.
  const sources = Object.entries(arrays).map(([key, array]) => [key, bufferOf(array) === module.wasmMemory.buffer ? array.slice() : array]);
  const base = allocate(module, context, total, what);
  let deferred = null;
  for (const [key, array] of sources) {
    // Sizes were taken when the call was checked; a buffer detached since (by a getter of the
    // caller's, say) is refused rather than copied short.
    if (array.byteLength !== sizes[key]) {
      module._free(base);
      throw new SeparableConv2dError('BAD_TENSOR', `${context.name ? `${context.name}: ` : ''}the ${key} array was detached or changed size while the call was being checked`);
    }
    // Read the view after malloc: growing memory replaces the heap views.
    if (key === later) deferred = array;
    else copyFloats(module.HEAPF32, (base + offsets[key]) / 4, array);
  }
  return { base, at: (key) => base + offsets[key], later: deferred };
}

// The input arrives in bands of about this many floats (256 KiB), each counted as it lands.
const BAND_FLOATS = 2 ** 16;

/**
 * Copies a run's input (the Float32Array `source`) to `address` in bands of rows, counting the rows
 * that have arrived at the operator's inputRowsReadyAddress() after each: the pool's threads,
 * started first (op.start(..., true)), compute the first rows while the last are copied. NCHW
 * input arrives an image at a time (a row's channels lie in every plane). Ends with every row
 * counted, whatever happens: the threads wait for them.
 */
function copyInputInBands(module, op, params, source, address) {
  const rows = params.batch * params.inH;
  const unitRows = params.nchw ? params.inH : 1;
  const rowFloats = params.inW * params.inC;
  const bandRows = unitRows * Math.max(1, Math.floor(BAND_FLOATS / (unitRows * rowFloats)));
  const counter = op.inputRowsReadyAddress() / 4;
  try {
    for (let row = 0; row < rows; row += bandRows) {
      const end = Math.min(rows, row + bandRows);
      // Read the views at each band: growing memory (another thread's malloc) replaces them.
      copyFloats(module.HEAPF32, address / 4 + row * rowFloats, source.subarray(row * rowFloats, end * rowFloats));
      Atomics.store(module.HEAP32, counter, end);
    }
  } finally {
    Atomics.store(module.HEAP32, counter, rows);
  }
}

// A row's flag in a run's rowsFinished: 0 while computed, then FINISHED (the operator's), then
// COPIED (ours).
const FINISHED = 1;
const COPIED = 2;

/**
 * copyFinished(array, all) for a run whose operator flags its finished output rows at `address`
 * (SeparableConv2d::start's rows_finished, `rows` Int32s): copies into `array` (with copy(array,
 * from, to), floats of the result) the groups of `unitRows` rows that are finished and not yet
 * copied, contiguous ones at once; with `all` (after join()), every group not yet copied. NCHW
 * groups are whole images: only those are contiguous.
 */
function finishedRowsCopier(module, address, rows, unitRows, rowFloats, copy) {
  let lowest = 0;  // the rows before it are copied
  return (array, all = false) => {
    const heap = module.HEAP32;  // read at each call: growing memory replaces the views
    const flags = address / 4;
    let from = -1;  // the first row of a run of groups to copy
    const flush = (to) => {
      if (from >= 0) copy(array, from * rowFloats, to * rowFloats);
      from = -1;
    };
    for (let row = lowest; row < rows; row += unitRows) {
      let ready = heap[flags + row] !== COPIED;
      for (let r = row; ready && !all && r < row + unitRows; r += 1) ready = Atomics.load(heap, flags + r) === FINISHED;
      if (!ready) {
        flush(row);
        continue;
      }
      heap[flags + row] = COPIED;
      if (from < 0) from = row;
    }
    flush(rows);
    while (lowest < rows && heap[flags + lowest] === COPIED) lowest += unitRows;
  };
}

class HeapLayer {
  /**
   * @param module the loaded wasm module
   * @param opts parsed options (arguments.parseOptions)
   * @param filters checked filters (arguments.checkFilters)
   * @param shape the filters' shape (arguments.filterShape), all that packing needs
   * @param newArray (length) => a new Float32Array for a result
   * @param overlap { input, output }: whether a forward run's input of more than a band is copied
   *   in after the pool starts, as it arrives (copyInputInBands), and whether a result array of the
   *   caller's own ({ output }) of more than a band is filled as rows are finished
   *   (finishedRowsCopier)
   */
  constructor(module, opts, filters, shape, { newArray, overlap }) {
    this.module = module;
    this.newArray = newArray;
    this.overlap = overlap;
    this.context = opts.context;
    this.shape = shape;
    ensureHeadroom(module, this.context);
    this.packed = allocate(module, this.context, module.packedWeightsBytes(shape), 'the packed weights');
    // The backward pass reads the weights in a layout of its own (the pointwise filter
    // transposed), packed from the forward's at the first backward call: a layer that only
    // runs forward holds no second copy.
    this.backwardPacked = 0;
    try {
      this.pack(this.stage(filters));
    } catch (error) {
      module._free(this.packed);
      throw error;
    }
    // Each pass's operator for the last input shape, reused while the shape repeats.
    this.ops = { SeparableConv2d: { op: null, shape: '' }, SeparableConv2dBackward: { op: null, shape: '' } };
  }

  /**
   * Copies checked filters of this layer's shape (arguments.checkFilters) into a block of wasm
   * memory for pack(): { base, depthwise, pointwise, bias } (addresses; bias 0 if none).
   */
  stage({ depthwise, pointwise, bias }) {
    const { module, context } = this;
    const { kH, kW, inC, multiplier, outC } = this.shape;
    const arrays = bias ? { depthwise, pointwise, bias } : { depthwise, pointwise };
    // The sizes the kernels read, from the checked shapes (fillBlock refuses arrays that differ).
    const sizes = { depthwise: 4 * kH * kW * inC * multiplier, pointwise: 4 * inC * multiplier * outC };
    if (bias) sizes.bias = 4 * outC;
    const block = fillBlock(module, context, 'the filters', sizes, arrays);
    try {
      ensureHeadroom(module, context);  // so that pack() cannot fail
    } catch (error) {
      module._free(block.base);
      throw error;
    }
    return { base: block.base, depthwise: block.at('depthwise'), pointwise: block.at('pointwise'), bias: bias ? block.at('bias') : 0 };
  }

  /** Packs staged filters (stage()) into this layer's packed weights, in place, and frees them. */
  pack(staged) {
    try {
      this.module.packWeights(this.shape, staged.depthwise, staged.pointwise, staged.bias, this.packed);
      if (this.backwardPacked) this.module.packBackwardWeights(this.shape, this.packed, this.backwardPacked);
    } finally {
      this.module._free(staged.base);
    }
  }

  /**
   * Computes one prepared run (arguments.prepareRun). run.input is a Float32Array to copy in, or
   * the address of an input already in wasm memory. `output` is a checked Float32Array to copy
   * the result into, the address to compute it at, or undefined for a new Float32Array.
   * `compute(op, addresses, result, copyIn)` completes the computation and copies the result out
   * (js/compute.js), synchronously or as a Promise; so does run(). It returns the Float32Array,
   * or nothing for an address. copyIn(), null for an input in wasm memory, copies the input in
   * as it arrives for op.start(..., true), or before a computation that starts no pool.
   * addresses.rowsFinished, where not 0, is where the operator flags finished rows, and
   * result.copyFinished(array, all) copies them out (finishedRowsCopier).
   */
  run({ params, input, outputShape }, output, compute) {
    const outputLength = outputShape.reduce((a, b) => a * b, 1);
    if (outputLength === 0) {  // a batch of 0, as in TensorFlow
      return typeof output === 'number' ? undefined : output || new Float32Array(0);
    }
    const newShape = this.useOp('SeparableConv2d', params);
    const inputLength = params.batch * params.inH * params.inW * params.inC;
    let block = null;
    const cleanUp = (failed) => {
      if (block) this.module._free(block.base);
      if (failed && newShape) this.releaseOp('SeparableConv2d');  // a failed first run of a shape leaves nothing behind
    };
    try {
      const rows = params.batch * params.outH;
      block = this.enter(input, inputLength, output, outputLength, rows);
      const { op } = this.ops.SeparableConv2d;
      const { arriving, addresses } = block;
      const copyIn = arriving ? () => copyInputInBands(this.module, op, params, arriving, addresses.input) : null;
      const result = this.result(addresses.output, outputLength,
        () => (typeof output === 'number' ? null : output || this.newArray(outputLength)));
      if (addresses.rowsFinished) {
        result.copyFinished = finishedRowsCopier(this.module, addresses.rowsFinished, rows,
          params.nchw ? params.outH : 1, outputLength / rows, result.copy);
      }
      const finished = compute(op, addresses, result, copyIn);
      const finish = (result) => {
        cleanUp(false);
        return result || undefined;
      };
      if (!(finished instanceof Promise)) return finish(finished);
      return finished.then(finish, (error) => {
        // After dispose() the module is gone: nothing is left to free.
        if (!(error instanceof SeparableConv2dError && error.code === 'DISPOSED')) cleanUp(true);
        throw error;
      });
    } catch (error) {
      cleanUp(true);
      throw error;
    }
  }

  /**
   * What js/compute.js needs of a result of `length` floats at `address`: { allocate (the array
   * it goes into, from allocate()), length, copy(array, from, to) }.
   */
  result(address, length, allocate) {
    const start = address / 4;
    // Read the heap's view at each copy: growing memory replaces it.
    const copy = (array, from, to) => copyFloats(array, from, this.module.HEAPF32.subarray(start + from, start + to));
    return { allocate, length, copy };
  }

  /**
   * The operator of `kind` (the module's SeparableConv2d or SeparableConv2dBackward) for params'
   * input shape, made anew when the shape changes; true if new.
   */
  useOp(kind, params) {
    const shape = `${params.batch},${params.inH},${params.inW}`;
    if (shape === this.ops[kind].shape) return false;
    this.releaseOp(kind);
    ensureHeadroom(this.module, this.context);
    this.ops[kind] = { op: new this.module[kind](params), shape };
    return true;
  }

  releaseOp(kind) {
    if (this.ops[kind].op) this.ops[kind].op.delete();
    this.ops[kind] = { op: null, shape: '' };
  }

  /**
   * Allocates the run's block and copies the input in, unless it arrives during the computation:
   * { base, addresses, arriving } (arriving: the input array to copy in then, or null), with
   * room for the output's `rows` finished flags where the result array is filled as they finish.
   */
  enter(input, inputLength, output, outputLength, rows) {
    const { module } = this;
    const { op } = this.ops.SeparableConv2d;
    const inputInWasm = typeof input === 'number';
    const outputInWasm = typeof output === 'number';
    const sizes = { workspace: op.workspaceBytes() };
    if (!inputInWasm) sizes.input = inputLength * 4;
    if (!outputInWasm) sizes.output = outputLength * 4;
    // Constant strings: this is every call's path, and the words are needed only on failure.
    const what = inputInWasm || outputInWasm
      ? 'this call (the workspace, and input or output where not a WasmTensor)'
      : 'this call (input, workspace and output)';
    const arrives = !inputInWasm && this.overlap.input && inputLength > BAND_FLOATS;
    // Only into the caller's own array: a new one's page faults cost several times more while a
    // worker computes, and would swing the pool's choice between its ways (cpp/thread_pool.h).
    const leaves = Boolean(output) && !outputInWasm && this.overlap.output && outputLength > BAND_FLOATS;
    if (leaves) sizes.rowsFinished = 4 * rows;
    const block = fillBlock(module, this.context, what, sizes, inputInWasm ? {} : { input }, arrives ? 'input' : null);
    block.arriving = block.later;
    ensureHeadroom(module, this.context);
    block.addresses = {
      input: inputInWasm ? input : block.at('input'),
      packed: this.packed,
      output: outputInWasm ? output : block.at('output'),
      workspace: block.at('workspace'),
      rowsFinished: leaves ? block.at('rowsFinished') : 0,
    };
    return block;
  }

  /**
   * The gradients of a prepared run (arguments.prepareRun) for dy (a Float32Array to copy in, or
   * an address), `wanted` as arguments.checkBackward gives them ({ name, key, shape, length, output }).
   * With `compute` (the forward's, for y where the activation's gradient reads it) and `job`
   * (js/compute.js's jobBlocking or jobOnPage, given the operator's work), synchronously or as a
   * Promise: { [key]: {data, shape} } (key: dx, dDepthwiseFilter, ...), or the WasmTensor given as
   * that gradient's output.
   */
  backward({ params, input, outputShape }, dy, wanted, { compute, job }) {
    const { kH, kW, inC, multiplier, outC } = this.shape;
    const { batch, inH, inW } = params;
    const named = (arrays) => Object.fromEntries(wanted.map(({ key, shape, output }, i) => {
      if (output && output.tensor) return [key, output.tensor];
      return [key, { data: output ? output.array : arrays[i], shape }];
    }));
    if (batch === 0) {  // as in TensorFlow: zero filter gradients, and an empty dx
      return named(wanted.map(({ length, output }) => {
        if (!output) return new Float32Array(length);
        if (output.view) output.view.fill(0);
        else this.module.HEAPF32.fill(0, output.address / 4, output.address / 4 + length);
        return null;
      }));
    }

    if (!this.backwardPacked) {
      ensureHeadroom(this.module, this.context);
      const bytes = this.module.backwardPackedWeightsBytes(this.shape);
      this.backwardPacked = allocate(this.module, this.context, bytes, 'the packed weights of the backward pass');
      this.module.packBackwardWeights(this.shape, this.packed, this.backwardPacked);
    }
    // y, for the activation's mask: computed again from x by the forward operator (the same
    // values as the forward call's, bit for bit). Without an activation nothing reads it.
    const needsY = params.outputMin !== -Infinity || params.outputMax !== Infinity;
    const newShape = needsY && this.useOp('SeparableConv2d', params);
    const newBackward = this.useOp('SeparableConv2dBackward', params);
    const forwardOp = this.ops.SeparableConv2d.op;
    const op = this.ops.SeparableConv2dBackward.op;
    const outputLength = outputShape.reduce((a, b) => a * b, 1);
    const sizes = { workspace: op.workspaceBytes() };
    const arrays = {};
    if (typeof input !== 'number') [sizes.input, arrays.input] = [4 * batch * inH * inW * inC, input];
    if (typeof dy !== 'number') [sizes.dy, arrays.dy] = [4 * outputLength, dy];
    if (needsY) Object.assign(sizes, { y: 4 * outputLength, forwardWorkspace: forwardOp.workspaceBytes() });
    // A gradient whose output is a WasmTensor is computed in place.
    for (const { name, length, output } of wanted) if (!(output && output.tensor)) sizes[name] = 4 * length;
    let block = null;
    const cleanUp = (failed) => {
      if (block) this.module._free(block.base);
      if (failed && newShape) this.releaseOp('SeparableConv2d');
      if (failed && newBackward) this.releaseOp('SeparableConv2dBackward');
    };
    try {
      block = fillBlock(this.module, this.context, 'this backward call (inputs, workspace and gradients)', sizes, arrays);
      ensureHeadroom(this.module, this.context);
      const tensors = Object.fromEntries(wanted.filter(({ output }) => output && output.tensor).map(({ name, output }) => [name, output.address]));
      const at = (name) => tensors[name] || (name in sizes ? block.at(name) : 0);
      const x = typeof input === 'number' ? input : at('input');
      const dyAt = typeof dy === 'number' ? dy : at('dy');
      const y = needsY ? at('y') : 0;
      const forward = needsY
        ? compute(forwardOp, { input: x, packed: this.packed, output: y, workspace: at('forwardWorkspace') },
          { allocate: () => null, length: 0, copy() {} })
        : null;
      const results = wanted.map(({ name, length, output }) => (output && output.tensor
        ? this.result(0, 0, () => null)
        : this.result(at(name), length, () => (output ? output.view : name === 'x' ? this.newArray(length) : new Float32Array(length)))));
      const addresses = [x, y, dyAt, at('x'), at('depthwiseFilter'), at('pointwiseFilter'), at('bias'),
        this.backwardPacked, at('workspace')];
      const channels = inC * multiplier;
      const work = {
        op,
        start: () => op.start(...addresses),
        join: () => op.join(),
        runBlocks: (size, first, end) => op.runBlocks(...addresses, size, first, end),
        unit: op.sliceUnit(),
        maxBlock: op.maxBlock(),
        // Only the first block sums the bias's gradient: alone, it is one block.
        channels: wanted.length === 1 && wanted[0].name === 'bias' ? 1 : channels,
        // About twice the forward's multiply-adds, and the depthwise part again (see the operator).
        macsPerChannel: outputLength / outC * (2 * kH * kW + 2 * outC),
      };
      const backward = () => job(work, results);
      const finish = (filled) => {
        cleanUp(false);
        return named(filled);
      };
      const fail = (error) => {
        // After dispose() the module is gone: nothing is left to free.
        if (!(error instanceof SeparableConv2dError && error.code === 'DISPOSED')) cleanUp(true);
        throw error;
      };
      if (forward instanceof Promise) return forward.then(backward).then(finish, fail);
      const filled = backward();
      return filled instanceof Promise ? filled.then(finish, fail) : finish(filled);
    } catch (error) {
      cleanUp(true);
      throw error;
    }
  }

  dispose() {
    this.releaseOp('SeparableConv2d');
    this.releaseOp('SeparableConv2dBackward');
    if (this.packed) this.module._free(this.packed);
    if (this.backwardPacked) this.module._free(this.backwardPacked);
    this.packed = 0;
    this.backwardPacked = 0;
  }
}

module.exports = { HeapLayer, allocate, fillBlock };
