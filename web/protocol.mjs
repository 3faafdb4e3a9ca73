// What crosses postMessage between the browser entry (web/worker_client.mjs) and its
// computation worker (web/worker.mjs): arguments reduced to cloneable data, and errors, whose
// class and `code` structured cloning would lose.

import { SeparableConv2dError } from '../js/errors.js';

const isTypedArray = (value) => ArrayBuffer.isView(value) && !(value instanceof DataView);

/**
 * A typed array on a detached buffer cannot be cloned (DataCloneError); an empty one of the same
 * type fails the worker's checks exactly as the detached one would (length 0).
 */
function cloneableData(data) {
  return isTypedArray(data) && data.byteLength === 0 ? new data.constructor(0) : data;
}

/** {data, shape} with nothing else (a class instance's other fields may not clone). */
export function tensorArg(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || isTypedArray(value)) return value;
  const out = {};
  if ('data' in value) out.data = cloneableData(value.data);
  if ('shape' in value) out.shape = value.shape;
  return out;
}

// The op's options as api.js reads them; others are ignored there, so they need not be sent.
const OPTION_KEYS = ['strides', 'padding', 'dataFormat', 'dilations', 'name', 'bias', 'activation'];

export function optionsArg(options) {
  if (options === null || typeof options !== 'object') return options;
  const out = {};
  for (const key of OPTION_KEYS) if (key in options) out[key] = options[key];
  if ('bias' in out) out.bias = cloneableData(out.bias);
  return out;
}

/** `{ transfer: true }` in an options object. */
export const wantsTransfer = (options) => options !== null && typeof options === 'object' && options.transfer === true;

/**
 * The buffers under the given typed arrays, to transfer instead of copy: each once, and never a
 * SharedArrayBuffer (shared, not transferable) or an already detached one.
 */
export function transferList(arrays) {
  const buffers = new Set();
  for (const array of arrays) {
    if (!isTypedArray(array)) continue;
    const { buffer } = array;
    if (typeof SharedArrayBuffer === 'function' && buffer instanceof SharedArrayBuffer) continue;
    if (buffer.byteLength === 0) continue;
    buffers.add(buffer);
  }
  return [...buffers];
}

export function encodeError(error) {
  if (error instanceof Error) {
    return { name: error.name, code: error.code, message: error.message, stack: error.stack };
  }
  return { name: 'Error', message: String(error) };
}

/** Rebuilds a worker's error: a SeparableConv2dError with its code, or an Error with its name. */
export function decodeError(encoded) {
  let error;
  if (encoded.name === 'SeparableConv2dError') {
    error = new SeparableConv2dError(encoded.code, encoded.message);
  } else {
    error = new Error(encoded.message);
    error.name = encoded.name;
    if (encoded.code !== undefined) error.code = encoded.code;
  }
  if (encoded.stack) error.workerStack = encoded.stack;
  return error;
}
