'use strict';
// Helpers shared by the reliability tests (reliability_inputs, too_large, load,
// reliability_findings): an API instance with its own wasm module, heap accounting, and a
// comparison with the float64 reference that also checks where NaN and infinities land.

const { createApi } = require('../../js/api');
const { loadModule, defaultThreads } = require('../../js/load_module_node');
const { SeparableConv2dError } = require('../../js/errors');
const { RELATIVE_TOLERANCE } = require('./compare');

/**
 * A fresh API object with its own wasm module (not the one js/index.js shares), for tests that
 * may leave a module broken, or need its internals: `loaded` collects every module it loads
 * ({module, variant, ...} as the loader returns them).
 */
function isolatedApi() {
  const loaded = [];
  const api = createApi((...args) => loadModule(...args).then((m) => {
    loaded.push(m);
    return m;
  }), defaultThreads);
  return { api, loaded };
}

const product = (shape) => shape.reduce((a, b) => a * b, 1);

/** {data: Float32Array, shape} filled with `fill`, or by fill(i) when it is a function. */
function tensor(shape, fill = 0.5) {
  const data = new Float32Array(product(shape));
  for (let i = 0; i < data.length; i++) data[i] = typeof fill === 'function' ? fill(i) : fill;
  return { data, shape };
}

/** What fn throws (or a marker when it does not). */
function thrown(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return { notThrown: true };
}

/** What a promise rejects with (or a marker when it resolves). */
function rejection(promise) {
  return promise.then(() => ({ notThrown: true }), (error) => error);
}

/** A one-line account of an error for assertions: `${code}: ${message}` or its class name. */
function errorSummary(error) {
  if (error && error.notThrown) return 'no error';
  if (error instanceof SeparableConv2dError) return `${error.code}: ${error.message}`;
  return `${error && error.constructor ? error.constructor.name : typeof error} (not a SeparableConv2dError): ${error && error.message}`;
}

/**
 * Waits until the module's heap use has been still for `quietMs`, and returns it. A pool thread
 * allocates a few bytes of its own when it starts, a few milliseconds after init() resolved and
 * in parallel with the caller, so an exact before/after comparison must start after that.
 */
async function settledHeap(getMemoryInfo, quietMs = 100, timeoutMs = 5000) {
  const start = Date.now();
  let last = getMemoryInfo().heapBytesInUse;
  let since = start;
  while (Date.now() - since < quietMs && Date.now() - start < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = getMemoryInfo().heapBytesInUse;
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
  return last;
}

/**
 * Compares a result with a float64 reference element by element: NaN exactly where the reference
 * has NaN, +-Infinity exactly where it has them, finite values within the suite's tolerance
 * (compare.js) measured against the finite reference values' scale. Returns null or the first
 * problems (at most 5) as strings.
 */
function nonFiniteMismatch(got, want) {
  if (JSON.stringify(got.shape) !== JSON.stringify(Array.from(want.shape))) {
    return `shape ${JSON.stringify(got.shape)} != ${JSON.stringify(Array.from(want.shape))}`;
  }
  let scale = 0;
  for (const v of want.data) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  const tolerance = RELATIVE_TOLERANCE * (1 + scale);
  const problems = [];
  for (let i = 0; i < want.data.length && problems.length < 5; i++) {
    const w = want.data[i];
    const g = got.data[i];
    const ok = Number.isNaN(w) ? Number.isNaN(g)
      : !Number.isFinite(w) ? g === w
        : Number.isFinite(g) && Math.abs(g - w) <= tolerance;
    if (!ok) problems.push(`flat index ${i}: got ${g}, expected ${w}`);
  }
  return problems.length ? problems.join('; ') : null;
}

module.exports = {
  isolatedApi, product, tensor, thrown, rejection, errorSummary, nonFiniteMismatch, settledHeap,
};
