'use strict';

// Tensors that live in the wasm module's memory. A layer that runs on one reads it in place and
// writes its result into another, so a chain of layers copies nothing between JavaScript and
// wasm: the copies in and out (and allocating each result array) are serial work that no thread
// count speeds up.

const { SeparableConv2dError, describe } = require('./errors');
const { typedArrayKind, isFloatArray, realLength, plainFloat32 } = require('./typed_arrays');
const { copyFloats } = require('./copy_floats');

// A tensor nobody disposed frees its wasm memory when it is garbage-collected.
const unreleased = new FinalizationRegistry((release) => release());

// Every WasmTensor made: `instanceof` would run a caller's Proxy traps, a WeakSet runs nothing.
const made = new WeakSet();

/** Whether value is a WasmTensor, without touching it. */
const isWasmTensor = (value) => made.has(value);

/** A float32 tensor in wasm memory; made by createWasmTensor(shape, data?). */
class WasmTensor {
  /**
   * @param owner the loaded backend ({module, disposed, allocate, free}) whose memory holds the tensor
   * @param dims a checked shape (arguments.checkWasmTensorShape, or a layer's output shape)
   */
  constructor(owner, dims) {
    this._owner = owner;
    this._shape = Object.freeze(dims);
    this._size = dims.reduce((a, b) => a * b, 1);
    // 4 bytes at least, so that even an empty tensor has an address of its own.
    this._address = owner.allocate(Math.max(this._size, 1) * 4, `a WasmTensor of shape ${describe(dims)}`);
    const address = this._address;
    unreleased.register(this, () => owner.free(address), this);
    made.add(this);
  }

  /** [N,H,W,C] or [N,C,H,W]: the layout is the layer's dataFormat. */
  get shape() {
    return Array.from(this._shape);
  }

  get size() {
    return this._size;
  }

  /** The address in wasm memory, after checking that the tensor can still be used. */
  addressFor(what) {
    if (this._address === 0) throw new SeparableConv2dError('DISPOSED', `${what}: this WasmTensor was disposed`);
    if (this._owner.disposed) {
      throw new SeparableConv2dError('DISPOSED', `${what}: this WasmTensor belongs to a module closed by dispose()`);
    }
    return this._address;
  }

  /** Copies `data` (a Float32Array or Float64Array of `size` values) into the tensor; returns it. */
  write(data) {
    const address = this.addressFor('write');
    if (!isFloatArray(data)) {
      throw new SeparableConv2dError('BAD_DTYPE', `write: data must be a Float32Array or Float64Array; got ${describe(data)}`);
    }
    // The storage's length, not a `length` property: it is what would be copied.
    const length = realLength(data);
    if (length !== this._size) {
      throw new SeparableConv2dError('BAD_TENSOR',
        `write: data has ${length} elements but shape ${describe(this._shape)} needs ${this._size}`);
    }
    copyFloats(this._owner.module.HEAPF32, address / 4, plainFloat32(data));
    return this;
  }

  /** Copies the tensor out: into `output` (a Float32Array of `size`), else a new Float32Array. */
  read(output) {
    const address = this.addressFor('read');
    if (output !== undefined && (typedArrayKind(output) !== 'Float32Array' || realLength(output) !== this._size)) {
      throw new SeparableConv2dError('BAD_TENSOR',
        `read: output must be a Float32Array of ${this._size} elements; got ${describe(output)}`);
    }
    const result = output || new Float32Array(this._size);
    copyFloats(plainFloat32(result), 0, this._owner.module.HEAPF32.subarray(address / 4, address / 4 + this._size));
    return result;
  }

  /**
   * A Float32Array over the tensor's wasm memory, to read or fill it with no copy. Valid until
   * the next call into sepconv-wasm, which may grow the memory and so detach it: take a new one.
   */
  view() {
    const address = this.addressFor('view');
    return new Float32Array(this._owner.module.HEAPF32.buffer, address, this._size);
  }

  /** Frees the tensor's wasm memory (also done when it is garbage-collected). Safe to call twice. */
  dispose() {
    if (this._address === 0) return;
    unreleased.unregister(this);
    this._owner.free(this._address);
    this._address = 0;
  }
}

module.exports = { WasmTensor, isWasmTensor };
