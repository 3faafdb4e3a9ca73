'use strict';

const { typedArrayKind, realLength } = require('./typed_arrays');

/**
 * The one error type the library throws for anything a caller can fix. `code` is stable and
 * machine-readable (see index.d.ts); the message names the argument, what was expected and what
 * was given.
 */
class SeparableConv2dError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'SeparableConv2dError';
    this.code = code;
  }
}

// Messages stay short whatever the value: long arrays and strings are summarized.
const MAX_ITEMS = 8;
const MAX_CHARS = 60;

/** A short, readable rendering of any value for error messages; calls none of its methods. */
function describe(value) {
  try {
    return render(value);
  } catch (_) {
    return 'an unreadable value';  // a Proxy whose traps throw
  }
}

function render(value) {
  if (Array.isArray(value)) {
    const { length } = value;
    const items = [];
    for (let i = 0; i < Math.min(length, MAX_ITEMS); i += 1) items.push(i in value ? render(value[i]) : '<empty>');
    return length > MAX_ITEMS ? `[${items.join(',')},…] (${length} items)` : `[${items.join(',')}]`;
  }
  const kind = typedArrayKind(value);
  if (kind !== undefined) return `${kind}(${realLength(value)})`;
  if (typeof value === 'string') {
    return value.length > MAX_CHARS ? `'${value.slice(0, MAX_CHARS)}…' (${value.length} characters)` : `'${value}'`;
  }
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  return className(value) || 'object';
}

/** The name of an object's class (WasmTensor, Map), if it has one besides Object. */
function className(object) {
  const prototype = Object.getPrototypeOf(object);
  const constructor = prototype && Object.getOwnPropertyDescriptor(prototype, 'constructor');
  const name = constructor && typeof constructor.value === 'function' ? constructor.value.name : '';
  return name && name !== 'Object' ? name : '';
}

module.exports = { SeparableConv2dError, describe };
