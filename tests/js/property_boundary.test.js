'use strict';
// Property-based tests of the JavaScript boundary (fast-check): for valid calls, the result is
// the float64 reference's; for hostile ones (lying and foreign typed arrays, proxies and getters
// that throw, huge and sparse arrays, wrong types in every position), the call ends in a correct
// result or a SeparableConv2dError with a documented code and a short message. Either way the
// heap is back at its baseline and the next call is right. Seeded, so a failure replays; fast-check
// prints the shrunk counterexample. SEPCONV_PROPERTY_RUNS=N runs more cases.

const fc = require('fast-check');
const vm = require('vm');
const { SeparableConv2dError } = require('../../js/errors');
const { separableConv2dReference, geometry } = require('./reference');
const { mismatch } = require('./compare');
const { tensorsFor, apiOptions, referenceSpec, describeConfig } = require('./config');
const { isolatedApi, tensor, settledHeap } = require('./reliability_util');

const RUNS = Number(process.env.SEPCONV_PROPERTY_RUNS) || 1;
const SEED = 20261129;

// The codes README.md documents.
const CODES = new Set([
  'BAD_OPTIONS', 'BAD_TENSOR', 'BAD_DTYPE', 'BAD_SHAPE', 'BAD_STRIDES', 'BAD_DILATIONS', 'BAD_PADDING',
  'BAD_DATA_FORMAT', 'BAD_OUTPUT_SIZE', 'TOO_LARGE', 'DISPOSED', 'NOT_INITIALIZED', 'NOT_SUPPORTED', 'NOT_BUILT',
]);

/** A configuration in the shape tests/js/config.js reads, with a valid output size. */
const configArbitrary = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  dataFormat: fc.constantFrom('NHWC', 'NCHW'),
  N: fc.integer({ min: 0, max: 2 }),
  H: fc.integer({ min: 1, max: 9 }),
  W: fc.integer({ min: 1, max: 9 }),
  C: fc.integer({ min: 1, max: 4 }),
  M: fc.integer({ min: 1, max: 3 }),
  O: fc.integer({ min: 1, max: 5 }),
  KH: fc.integer({ min: 1, max: 3 }),
  KW: fc.integer({ min: 1, max: 3 }),
  strided: fc.boolean(),
  sh: fc.integer({ min: 1, max: 3 }),
  sw: fc.integer({ min: 1, max: 3 }),
  padding: fc.oneof(fc.constantFrom('SAME', 'VALID'), fc.tuple(
    fc.tuple(fc.nat(2), fc.nat(2)), fc.tuple(fc.nat(2), fc.nat(2)))),
}).map(({ strided, sh, sw, ...cfg }) => ({
  ...cfg,
  strides: strided ? [sh, sw] : [1, 1],
  dilations: strided ? [1, 1] : [sh, sw],
  stridesForm: 'pair',
  dilationsForm: 'pair',
})).filter((cfg) => {
  const { outH, outW } = geometry(cfg.H, cfg.W, cfg.KH, cfg.KW, cfg);
  return outH >= 1 && outW >= 1;
});

let api;
let baseline;
const realm = vm.createContext({});

beforeAll(async () => {
  ({ api } = isolatedApi());
  // One thread: the heap then changes only through the calls (a pool thread allocates a little
  // when it first runs, at its own time). The boundary is the same on every build.
  await api.init({ backend: 'simd' });
  api.separableConv2dSync(tensor([1, 2, 2, 1]), tensor([1, 1, 1, 1]), tensor([1, 1, 1, 1]), { strides: 1, padding: 'VALID' });
  baseline = await settledHeap(api.getMemoryInfo);
});

afterAll(() => api.dispose());

/** A small call whose answer is known, to check the module after each case. */
function expectModuleStillRight() {
  const y = api.separableConv2dSync(tensor([1, 2, 2, 1], (i) => i + 1), tensor([1, 1, 1, 1], 2), tensor([1, 1, 1, 1], 3), { strides: 1, padding: 'VALID' });
  expect(Array.from(y.data)).toEqual([6, 12, 18, 24]);
}

function expectContract(error) {
  if (!(error instanceof SeparableConv2dError)) {
    throw new Error(`not a SeparableConv2dError: ${error && error.constructor && error.constructor.name}: ${error && error.message}`);
  }
  expect(CODES.has(error.code)).toBe(true);
  expect(error.message.length).toBeLessThan(500);
}

test('valid calls give the float64 reference\'s result, on arrays of either kind and realm', () => {
  fc.assert(fc.property(configArbitrary, fc.constantFrom('Float32Array', 'Float64Array', 'foreign'), (cfg, kind) => {
    const t = tensorsFor(cfg);
    const wrap = ({ data, shape }) => {
      if (kind === 'Float64Array') return { data: Float64Array.from(data), shape };
      if (kind === 'foreign') return { data: vm.runInContext(`new Float32Array(${data.length})`, realm).fill(0).map((_, i) => data[i]), shape };
      return { data, shape };
    };
    const y = api.separableConv2dSync(wrap(t.x), wrap(t.depthwise), wrap(t.pointwise), apiOptions(cfg));
    const problem = mismatch(y, separableConv2dReference(t.x, t.depthwise, t.pointwise, referenceSpec(cfg)));
    if (problem) throw new Error(`${describeConfig(cfg)}: ${problem}`);
    expect(api.getMemoryInfo().heapBytesInUse).toBe(baseline);
  }), { seed: SEED, numRuns: 200 * RUNS });
});

// Values no caller should pass, for any position. fast-check generates a recipe (a name and a
// number) and the test makes the value: fast-check itself would trip over a hostile Proxy.
const sparse = (length) => Object.assign([], { length });
const throwing = (what) => () => { throw new Error(`a hostile ${what}`); };
// Values that are valid somewhere (a string for a name, [1, 1, 1, 1] for strides) leave the call's
// meaning as it was, so that a call that succeeds must give the unchanged call's result.
const HOSTILE = {
  constant: (n) => [null, undefined, 0, -0, NaN, Infinity, -1, 2 ** 31, 1.5, '', 'x'.repeat(10000), true, 1n, Symbol('s'), () => 'a function'][n % 15],
  array: (n) => [sparse(2 ** 32 - 1), sparse(2 ** 24), [[[[]]]], [1, 2, 3], [1, 1, 1, 1], ['1', '1', '1', '1'], [[0, 0], [0, 0]]][n % 7],
  lyingLength: (n) => Object.defineProperty(new Float32Array(2), 'length', { value: n }),
  lyingSubclass: (n) => new (class extends Float32Array { get length() { return n; } get byteLength() { return 4 * n; } })(2),
  foreign: (n) => vm.runInContext(`new ${['Int32Array', 'Uint8Array', 'Float32Array', 'Float64Array', 'BigInt64Array'][n % 5]}(${n % 7})`, realm),
  detached: (n) => {
    const data = new Float32Array(n % 5);
    structuredClone(data.buffer, { transfer: [data.buffer] });
    return data;
  },
  proxy: () => new Proxy({}, {
    get: throwing('getter'), has: throwing('has'), getPrototypeOf: throwing('getPrototypeOf'), ownKeys: throwing('ownKeys'),
  }),
  getters: () => ({ get data() { return throwing('data getter')(); }, get shape() { return throwing('shape getter')(); } }),
  arrayProxy: () => new Proxy([1, 1, 1, 1], { get: (target, key) => (key === 'length' ? 4 : throwing('array')()) }),
};
const hostileRecipe = fc.record({ kind: fc.constantFrom(...Object.keys(HOSTILE)), n: fc.nat(64) });
const makeHostile = ({ kind, n }) => HOSTILE[kind](n);

// Where a hostile value goes: a whole argument, or one field of it.
const POSITIONS = [
  'x', 'x.data', 'x.shape', 'depthwise', 'depthwise.data', 'depthwise.shape', 'pointwise', 'pointwise.data',
  'pointwise.shape', 'options', 'options.strides', 'options.padding', 'options.dilations', 'options.dataFormat',
  'options.name', 'options.bias', 'options.activation',
];

test('hostile values in any position: a right result or a SeparableConv2dError, and nothing changed', () => {
  const cfg = { seed: 7, dataFormat: 'NHWC', N: 1, H: 4, W: 4, C: 2, M: 1, O: 3, KH: 2, KW: 2, strides: [1, 1], dilations: [1, 1], stridesForm: 'pair', dilationsForm: 'pair', padding: 'VALID' };
  fc.assert(fc.property(fc.constantFrom(...POSITIONS), hostileRecipe, (position, recipe) => {
    const value = makeHostile(recipe);
    const t = tensorsFor(cfg);
    const args = { x: { ...t.x }, depthwise: { ...t.depthwise }, pointwise: { ...t.pointwise }, options: apiOptions(cfg) };
    const [arg, field] = position.split('.');
    if (field) args[arg][field] = value;
    else args[arg] = value;
    let result;
    try {
      result = api.separableConv2dSync(args.x, args.depthwise, args.pointwise, args.options);
    } catch (error) {
      expectContract(error);
    }
    if (result) expect(mismatch(result, separableConv2dReference(t.x, t.depthwise, t.pointwise, referenceSpec(cfg)))).toBeNull();
    expect(api.getMemoryInfo().heapBytesInUse).toBe(baseline);
    expectModuleStillRight();
  }), { seed: SEED, numRuns: 300 * RUNS });
});

test('hostile values for a prepared layer\'s run: input and run options', async () => {
  const cfg = { seed: 9, dataFormat: 'NHWC', N: 1, H: 4, W: 4, C: 2, M: 1, O: 3, KH: 2, KW: 2, strides: [1, 1], dilations: [1, 1], stridesForm: 'pair', dilationsForm: 'pair', padding: 'VALID' };
  const t = tensorsFor(cfg);
  const layer = await api.createSeparableConv2d(t.depthwise, t.pointwise, apiOptions(cfg));
  layer.runSync(t.x);  // the layer keeps an operator for its last input shape
  const withLayer = await settledHeap(api.getMemoryInfo);
  try {
    fc.assert(fc.property(fc.constantFrom('x', 'x.data', 'x.shape', 'runOptions', 'runOptions.output'), hostileRecipe, (position, recipe) => {
      const value = makeHostile(recipe);
      const args = { x: { ...t.x }, runOptions: {} };
      const [arg, field] = position.split('.');
      if (field) args[arg][field] = value;
      else args[arg] = value;
      let result;
      try {
        result = layer.runSync(args.x, args.runOptions);
      } catch (error) {
        expectContract(error);
      }
      if (result) expect(mismatch({ data: Float32Array.from(result.data), shape: result.shape }, separableConv2dReference(t.x, t.depthwise, t.pointwise, referenceSpec(cfg)))).toBeNull();
      expect(api.getMemoryInfo().heapBytesInUse).toBe(withLayer);
    }), { seed: SEED, numRuns: 150 * RUNS });
  } finally {
    layer.dispose();
  }
});
