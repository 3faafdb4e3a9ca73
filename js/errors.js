'use strict';

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

/** A short, readable rendering of any value for error messages. */
function describe(value) {
  if (Array.isArray(value)) return `[${value.map(describe).join(',')}]`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.length})`;
  if (typeof value === 'string') return `'${value}'`;
  if (value === null || typeof value !== 'object') return String(value);
  return value.constructor && value.constructor !== Object ? value.constructor.name : 'object';
}

module.exports = { SeparableConv2dError, describe };
