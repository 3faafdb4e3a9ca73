'use strict';
// A polluted prototype (issue 12): pages load scripts that add enumerable properties to
// Object.prototype and Array.prototype, which for-in loops then visit. Emscripten's and Embind's
// glue had such loops: polluted before init() on threaded-simd, the process died while the module
// started; polluted afterwards, every call threw a raw TypeError. On every build, polluted before
// and after init(), the same calls must give bit for bit the results of an unpolluted module,
// and bad calls the same SeparableConv2dErrors.

const {
  init, separableConv2d, separableConv2dSync, createSeparableConv2d, createWasmTensor, getBackendInfo,
  getMemoryInfo, dispose, SeparableConv2dError,
} = require('../../js/index.js');
const { VARIANT_NAMES } = require('../../js/backends.js');
const { drawConfig, drawEpilogue } = require('./random');
const { tensorsFor, apiOptions } = require('./config');
const { tensor, rejection, thrown, errorSummary } = require('./reliability_util');

const CONFIGS = Array.from({ length: 6 }, (_, i) => drawConfig(41000 + i));

// Values that fail loudly if glue code takes them for its own entries: a function that throws
// when called, and an object that looks like a pthread record. Then names of options that
// Emscripten reads from its Module object, where an inherited one hung or broke the load, and
// init()'s own.
const OPTION_NAMES = [
  'instantiateWasm', 'onRuntimeInitialized', 'mainScriptUrlOrBlob', 'setStatus', 'monitorRunDependencies',
  'wasmMemory', 'INITIAL_MEMORY', 'locateFile', 'onAbort', 'preRun', 'worker', 'threads', 'backend', 'wasmPaths',
];
const POLLUTION = [
  [Object.prototype, 'pollutedFunction', function polluted() { throw new Error('a polluted property was called'); }],
  [Object.prototype, 'pollutedObject', { worker: {}, write: 1, read: 1 }],
  [Array.prototype, 'pollutedArrayEntry', 7],
  ...OPTION_NAMES.map((key) => [Object.prototype, key, 42]),
];

function pollute() {
  // Plain assignment, as such scripts do: the properties are enumerable.
  for (const [proto, key, value] of POLLUTION) proto[key] = value;
}

function cleanUpPollution() {
  for (const [proto, key] of POLLUTION) delete proto[key];
}

afterEach(() => {
  cleanUpPollution();
  dispose();
});

/** A function's outcome as something to compare: the error's kind and code, or its result. */
const errorOf = (error) => ({ isSeparableConv2dError: error instanceof SeparableConv2dError, summary: errorSummary(error) });

/** Every kind of call on CONFIGS, and calls that must fail; bits of every result, and the errors. */
async function exercise() {
  const results = [];
  const bits = (array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('hex');
  for (const cfg of CONFIGS) {
    const t = tensorsFor(cfg);
    const options = apiOptions(cfg);
    results.push(bits((await separableConv2d(t.x, t.depthwise, t.pointwise, options)).data));
    results.push(bits(separableConv2dSync(t.x, t.depthwise, t.pointwise, options).data));
    const layer = await createSeparableConv2d(t.depthwise, t.pointwise, { ...options, ...drawEpilogue(cfg) });
    results.push(bits((await layer.run(t.x)).data));
    const xt = await createWasmTensor(t.x.shape, t.x.data);
    const yt = layer.runSync(xt);
    results.push(bits(yt.read()));
    [xt, yt, layer].forEach((disposable) => disposable.dispose());
  }
  const x = tensor([1, 4, 4, 2]);
  const dw = tensor([3, 3, 2, 1]);
  const pw = tensor([1, 1, 2, 3]);
  const layer = await createSeparableConv2d(dw, pw, { strides: 1, padding: 'SAME' });
  const errors = [
    await rejection(separableConv2d(x, dw, tensor([1, 1, 3, 3]), { strides: 1, padding: 'SAME' })),
    thrown(() => separableConv2dSync(x, dw, pw, { padding: 'SAME' })),
    thrown(() => separableConv2dSync(x, dw, pw, { strides: 1, padding: [[0, 0], [0, 2 ** 31 - 1], [0, 2 ** 31 - 1], [0, 0]] })),
    thrown(() => layer.runSync(tensor([1, 4, 4, 3]))),
    thrown(() => { layer.dispose(); layer.runSync(x); }),
  ].map(errorOf);
  return { results, errors, heapBytesInUse: getMemoryInfo().heapBytesInUse > 0 };
}

/** exercise() on a freshly loaded build, polluted from `when` on, and the backend info. */
async function run(variant, when) {
  const options = { backend: variant, ...(variant === 'threaded-simd' ? { threads: 2 } : {}) };
  if (when === 'before init') pollute();
  await init(options);
  if (when === 'after init') pollute();
  try {
    const outcome = await exercise();
    // dispose() and a new load, still polluted: the pool's workers stop and start again.
    dispose();
    await init(options);
    outcome.again = (await separableConv2d(tensor([1, 3, 3, 1], (i) => i), tensor([2, 2, 1, 1], 1), tensor([1, 1, 1, 2], 2),
      { strides: 1, padding: 'VALID' })).data;
    return { ...outcome, info: getBackendInfo() };
  } finally {
    cleanUpPollution();
    dispose();
  }
}

describe.each(VARIANT_NAMES)('%s', (variant) => {
  let clean;
  beforeAll(async () => {
    clean = await run(variant, 'never');
    expect(clean.errors.map((e) => e.summary)).toEqual([
      expect.stringMatching(/^BAD_SHAPE: /),
      expect.stringMatching(/^BAD_OPTIONS: /),
      expect.stringMatching(/^TOO_LARGE: /),
      expect.stringMatching(/^BAD_SHAPE: /),
      expect.stringMatching(/^DISPOSED: /),
    ]);
    expect(clean.errors.every((e) => e.isSeparableConv2dError)).toBe(true);
  });

  test.each(['before init', 'after init'])('polluted %s: the same results, bit for bit, and the same errors', async (when) => {
    const polluted = await run(variant, when);
    expect(polluted.info).toEqual(clean.info);
    expect(polluted.results).toEqual(clean.results);
    expect(polluted.errors).toEqual(clean.errors);
    expect(polluted.heapBytesInUse).toBe(true);
    expect(polluted.again).toEqual(clean.again);
  });
});
