'use strict';

// What a caller's typed array really is, whatever its own properties say. A Float32Array whose
// `length` is an own property, or a subclass whose `byteLength` getter lies, must not decide how
// many bytes are copied into wasm memory; and arrays from another realm (a vm context, an iframe,
// jsdom) are as good as ours. So everything here goes through the built-in %TypedArray% accessors,
// which read the array's internal slots and work on arrays of any realm.

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
const intrinsic = (key) => Object.getOwnPropertyDescriptor(TypedArrayPrototype, key).get;
const TAG = intrinsic(Symbol.toStringTag);  // the array's kind, or undefined for anything else
const LENGTH = intrinsic('length');
const BUFFER = intrinsic('buffer');
const BYTE_OFFSET = intrinsic('byteOffset');

/** 'Float32Array', 'Float64Array', another typed array's name, or undefined for a non-typed-array. */
function typedArrayKind(value) {
  return value !== null && typeof value === 'object' ? Reflect.apply(TAG, value, []) : undefined;
}

const isFloatArray = (value) => {
  const kind = typedArrayKind(value);
  return kind === 'Float32Array' || kind === 'Float64Array';
};

/** The number of elements in the array's storage (0 once its buffer is detached). */
const realLength = (array) => Reflect.apply(LENGTH, array, []);

/**
 * A plain Float32Array of this realm over the same memory as a float typed array, or a float32
 * copy of a Float64Array: what the library reads and writes from then on.
 */
function plainFloat32(array) {
  const length = realLength(array);
  if (length === 0) return new Float32Array(0);  // also a detached buffer, which views refuse
  const buffer = Reflect.apply(BUFFER, array, []);
  const offset = Reflect.apply(BYTE_OFFSET, array, []);
  if (typedArrayKind(array) === 'Float32Array') return new Float32Array(buffer, offset, length);
  return Float32Array.from(new Float64Array(buffer, offset, length));
}

/** The buffer under a typed array, read from its internal slot. */
const bufferOf = (array) => Reflect.apply(BUFFER, array, []);

module.exports = { typedArrayKind, isFloatArray, realLength, plainFloat32, bufferOf };
