'use strict';
// Inputs at the edges the other tests do not reach, each in a wasm module of its own (a module
// that trapped is not trusted again):
//   1. geometry near 2^31: strides, dilations and explicit pads of up to 2^31-1 are legal, and
//      must give the right answer or TOO_LARGE, never a wrong answer or a wasm trap;
//   2. the caller's objects changing after they were checked: option arrays edited after
//      createSeparableConv2d, a shape whose elements change between reads;
//   3. dispose() while the module is still loading;
//   4. a heap exhausted to its last byte.
// Tests marked "was:" reproduce defects this audit found, fixed since (docs/reliability.md).

const { separableConv2dReference } = require('./reference');
const { mismatch } = require('./compare');
const {
  isolatedApi, tensor, errorSummary, nonFiniteMismatch, settledHeap,
} = require('./reliability_util');

const MAX = 2 ** 31 - 1;

// A small call and its hand-computed answer, to check a module after something went wrong.
const SMALL = {
  x: tensor([1, 4, 4, 1], 1), dw: tensor([3, 3, 1, 1], 1), pw: tensor([1, 1, 1, 1], 2),
  options: { strides: 1, padding: 'SAME' },
  expected: { shape: [1, 4, 4, 1], data: [4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4].map((v) => 2 * v) },
};

/** The reference's spec for public options (strides/dilations as number, pair or 4-form). */
function specOf(options) {
  const nchw = options.dataFormat === 'NCHW';
  const pair = (v) => {
    if (v === undefined) return [1, 1];
    if (typeof v === 'number') return [v, v];
    if (v.length === 4) return nchw ? v.slice(2) : v.slice(1, 3);
    return v;
  };
  const padding = typeof options.padding === 'string' ? options.padding
    : (nchw ? options.padding.slice(2) : options.padding.slice(1, 3));
  return { strides: pair(options.strides), dilations: pair(options.dilations), padding, dataFormat: options.dataFormat || 'NHWC' };
}

// ---------------------------------------------------------------------------------------------
// 1. Geometry near 2^31.

// [title, x shape, [KH, KW], options, threads, known bug]. Input 3, 4, 5, ..., depthwise 5, 6,
// 7, ..., pointwise 0.5: every tap's contribution differs, and none equals what the warm-up call
// (all ones) leaves behind in wasm memory, so reading stale memory cannot pass for right.
const GEOMETRY = [
  ['stride 2^31-1 down 2^31-1 rows of bottom padding', [1, 1, 1, 1], [1, 1], { strides: [MAX, 1], padding: [[0, 0], [0, MAX], [0, 0], [0, 0]] }, 2],
  ['3x3 kernel dilated by 30000 over pads of 30000', [1, 3, 3, 1], [3, 3], { strides: 1, dilations: 30000, padding: [[0, 0], [30000, 30000], [30000, 30000], [0, 0]] }, 2],
  ['stride 1000 over pads of 1000', [1, 5, 5, 3], [3, 3], { strides: 1000, padding: [[0, 0], [1000, 1000], [999, 1001], [0, 0]] }, 2],
  ['a workspace of 2 GiB + 384 bytes, one thread (stride 2^25, 8 channels)', [1, 1, 1, 8], [1, 1], { strides: [1, 2 ** 25], padding: [[0, 0], [0, 0], [0, 2 ** 26], [0, 0]] }, 1],
  // Defects found here: the operator's padded extent (span, row index, ring size) overflowed
  // int32, and the workspace size wrapped at 2^32 in wasm32's size_t (also times the threads).
  ['stride 2^31-1 across 2^31-1 columns of right padding', [1, 1, 1, 1], [1, 1], { strides: [1, MAX], padding: [[0, 0], [0, 0], [0, MAX], [0, 0]] }, 2, 'wrong values'],
  ['stride 2^31-1 across 2^31-1 columns of right padding, NCHW', [1, 1, 1, 1], [1, 1], { strides: [1, 1, 1, MAX], dataFormat: 'NCHW', padding: [[0, 0], [0, 0], [0, 0], [0, MAX]] }, 2, 'wrong values'],
  ['stride 2^30 across 2^31-1 columns of right padding', [1, 1, 1, 1], [1, 1], { strides: [1, 2 ** 30], padding: [[0, 0], [0, 0], [0, MAX], [0, 0]] }, 2, 'wrong values'],
  ['1x2 kernel dilated by 2^31-1 after 2^31-1 columns of left padding', [1, 1, 1, 1], [1, 2], { strides: 1, dilations: [1, MAX], padding: [[0, 0], [0, 0], [MAX, 0], [0, 0]] }, 2, 'wrong values'],
  ['2x1 kernel dilated by 2^31-1 below 2^31-1 rows of top padding', [1, 1, 1, 1], [2, 1], { strides: 1, dilations: [MAX, 1], padding: [[0, 0], [MAX, 0], [0, 0], [0, 0]] }, 2, 'wrong values'],
  ['3x3 kernel dilated by 2^30 over pads of 2^30', [1, 1, 1, 1], [3, 3], { strides: 1, dilations: 2 ** 30, padding: [[0, 0], [2 ** 30, 2 ** 30], [2 ** 30, 2 ** 30], [0, 0]] }, 2, 'wrong values'],
  ['strides 2^30 over pads of 2^30 on every side', [1, 2, 2, 1], [2, 2], { strides: 2 ** 30, padding: [[0, 0], [2 ** 30, 2 ** 30], [2 ** 30, 2 ** 30], [0, 0]] }, 2, 'wrong values'],
  ['3 output columns, stride 2^31-1, pads 2^31-1 on both sides', [1, 1, 2, 1], [1, 1], { strides: [1, MAX], padding: [[0, 0], [0, 0], [MAX, MAX], [0, 0]] }, 2, 'wasm trap'],
  ['a workspace of 4 GiB + 16 bytes (stride 2^27, 1 channel)', [1, 1, 1, 1], [1, 1], { strides: [1, 2 ** 27], padding: [[0, 0], [0, 0], [0, 2 ** 28], [0, 0]] }, 2, 'wrapped to 16 bytes, then a wasm trap'],
  ['a workspace of 2 x (2 GiB + 384 bytes), two threads (stride 2^25, 8 channels)', [1, 1, 1, 8], [1, 1], { strides: [1, 2 ** 25], padding: [[0, 0], [0, 0], [0, 2 ** 26], [0, 0]] }, 2, 'wrapped to 768 bytes, then a wasm trap'],
].map(([title, xShape, k, options, threads, was]) => ({ title, xShape, k, options, threads, was }));

/**
 * Runs one geometry case twice, each time in a fresh module: first as the module's first call,
 * then after a warm-up call (which leaves data behind in wasm memory and makes the first-call
 * allocations, so the heap can be compared). Returns the problems; none means the right answer
 * or TOO_LARGE both times, nothing left allocated, and a correct call afterwards.
 */
async function geometryProblems(c) {
  const C = c.options.dataFormat === 'NCHW' ? c.xShape[1] : c.xShape[3];
  const x = tensor(c.xShape, (i) => i + 3);
  const dw = tensor([c.k[0], c.k[1], C, 1], (i) => i + 5);
  const pw = tensor([1, 1, C, 1], 0.5);
  const want = separableConv2dReference(x, dw, pw, specOf(c.options));
  const problems = [];
  for (const when of ['first call', 'after a warm-up']) {
    const { api } = isolatedApi();
    await api.init({ threads: c.threads });
    try {
      let before;
      if (when !== 'first call') {
        api.separableConv2dSync(SMALL.x, SMALL.dw, SMALL.pw, SMALL.options);
        before = await settledHeap(api.getMemoryInfo);
      }
      try {
        const m = nonFiniteMismatch(api.separableConv2dSync(x, dw, pw, c.options), want);
        if (m) problems.push(`${when}: wrong result: ${m}`);
      } catch (error) {
        if (!/^TOO_LARGE: /.test(errorSummary(error))) problems.push(`${when}: threw ${errorSummary(error)}`);
      }
      const after = api.getMemoryInfo().heapBytesInUse;
      if (when !== 'first call' && after !== before) problems.push(`${when}: ${after - before} bytes left allocated`);
      const m = mismatch(api.separableConv2dSync(SMALL.x, SMALL.dw, SMALL.pw, SMALL.options), SMALL.expected);
      if (m) problems.push(`${when}: the next call computed wrongly: ${m}`);
    } finally {
      api.dispose();
    }
  }
  return problems;
}

describe('geometry near 2^31: the right answer or TOO_LARGE, never a wrong answer or a trap', () => {
  test.each(GEOMETRY.map((c) => ({ ...c, label: c.was ? `${c.title} (was: ${c.was})` : c.title })))('$label', async (c) => {
    expect(await geometryProblems(c)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. The caller's objects changing after the checks.

describe("the caller's objects, changed after they were checked", () => {
  const x = tensor([1, 6, 6, 2], (i) => (i % 7) - 3);
  const dw = tensor([3, 3, 2, 1], (i) => (i % 5) - 2);
  const pw = tensor([1, 1, 2, 3], (i) => i - 1);

  test('replacing the options object\'s properties after createSeparableConv2d changes nothing', async () => {
    const { api } = isolatedApi();
    const options = { strides: 1, padding: 'SAME', dilations: 1, activation: 'relu', bias: Float32Array.from([1, 2, 3]) };
    const layer = await api.createSeparableConv2d(dw, pw, options);
    const first = layer.runSync(x);
    Object.assign(options, { strides: 2, padding: 'VALID', dilations: 2, activation: 'linear' });
    options.bias.fill(100);
    expect(layer.runSync(x)).toEqual(first);
    api.dispose();
  });

  test('editing the strides, dilations or padding arrays after createSeparableConv2d changes nothing', async () => {
    // Was: arguments.js kept the caller's [sh, sw], [dh, dw] and [before, after] arrays and read
    // them again at every run: an edit changed the layer, unchecked (a stride of 0.5 read wrong
    // pixels; stride and dilation above 1 together got through).
    const { api } = isolatedApi();
    const strides = [1, 1];
    const dilations = [1, 1];
    const padding = [[0, 0], [1, 1], [1, 1], [0, 0]];
    const layer = await api.createSeparableConv2d(dw, pw, { strides, dilations, padding });
    const first = layer.runSync(x);
    const outcomes = [];
    for (const edit of [() => { strides[0] = 2; }, () => { strides[1] = 0.5; }, () => { dilations[0] = 2; strides[0] = 2; },
      () => { padding[1][0] = -3; }, () => { padding[2][1] = 0.5; }]) {
      edit();
      try {
        const y = layer.runSync(x);
        outcomes.push(JSON.stringify(y) === JSON.stringify(first) ? 'same' : `changed: shape ${JSON.stringify(y.shape)}`);
      } catch (error) {
        outcomes.push(`threw ${errorSummary(error)}`);
      }
      [strides[0], strides[1], dilations[0], padding[1][0], padding[2][1]] = [1, 1, 1, 1, 1];
    }
    api.dispose();
    expect(outcomes).toEqual(['same', 'same', 'same', 'same', 'same']);
  });

  test('a shape whose elements change between reads cannot get past the checks', async () => {
    // Was: the shape was read to check it, again to check data.length, and again to compute:
    // the third read said 400 rows for 16 floats of data, and the operator read 384 rows of
    // whatever lay behind them in wasm memory.
    const { api } = isolatedApi();
    await api.init();
    let reads = 0;
    const shape = [1, 4, 4, 1];
    Object.defineProperty(shape, 1, { get: () => (reads++ < 2 ? 4 : 400), enumerable: true });
    let outcome;
    try {
      const y = api.separableConv2dSync({ data: new Float32Array(16).fill(1), shape }, SMALL.dw, SMALL.pw, SMALL.options);
      outcome = mismatch(y, SMALL.expected) || 'correct'; // the checked shape, [1, 4, 4, 1]
    } catch (error) {
      outcome = error instanceof api.SeparableConv2dError ? 'a clean error' : `threw ${errorSummary(error)}`;
    }
    api.dispose();
    expect(['correct', 'a clean error']).toContain(outcome);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. dispose() while loading.

/** Pool workers a loaded module still has (0 once terminated). */
const liveWorkers = ({ module }) => (module.PThread ? module.PThread.unusedWorkers.length + module.PThread.runningWorkers.length : 0);

test('dispose() after loading terminates the module\'s threads', async () => {
  const { api, loaded } = isolatedApi();
  await api.init({ threads: 2 });
  expect(liveWorkers(loaded[0])).toBeGreaterThan(0);
  api.dispose();
  expect(liveWorkers(loaded[0])).toBe(0);
  expect(api.getBackendInfo()).toBeNull();
});

test('dispose() while the module is loading: the load does not revive it, and no module is left running', async () => {
  // Was (api.js): the pending load's .then() set `backend` after dispose() cleared it, so the
  // module came back (getBackendInfo() non-null) without `loading`; the next init() loaded a
  // second module, and the first one's pool workers were never terminated.
  const { api, loaded } = isolatedApi();
  const pending = api.separableConv2d(SMALL.x, SMALL.dw, SMALL.pw, SMALL.options);
  api.dispose();
  await pending.catch(() => undefined); // resolving or rejecting are both fine
  const revived = api.getBackendInfo();
  await api.init({ threads: 2 });
  expect(mismatch(await api.separableConv2d(SMALL.x, SMALL.dw, SMALL.pw, SMALL.options), SMALL.expected)).toBeNull();
  api.dispose();
  expect({ revived, workersLeft: loaded.map(liveWorkers) }).toEqual({ revived: null, workersLeft: loaded.map(() => 0) });
});

// ---------------------------------------------------------------------------------------------
// 4. A heap exhausted to its last byte (too_large.test.js covers memory that runs out by layers).

test('a layer\'s first run on a full heap gives TOO_LARGE, not an abort', async () => {
  // Was: HeapLayer.run constructed the operator through Embind (C++ operator new) before it
  // allocated the call's block; with -fno-exceptions a failed operator new aborted the module.
  const { api, loaded } = isolatedApi();
  await api.init({ threads: 2 });
  const { module } = loaded[0];
  const layer = await api.createSeparableConv2d(SMALL.dw, SMALL.pw, SMALL.options);
  const blocks = [];
  for (let size = 2 ** 30; size >= 8; size = Math.floor(size / 2)) {
    for (let p = module._malloc(size); p !== 0; p = module._malloc(size)) blocks.push(p);
  }
  let outcome;
  try {
    layer.runSync(SMALL.x); // an abort would also print "Aborted()" to stderr
    outcome = 'computed';
  } catch (error) {
    outcome = errorSummary(error).replace(/:.*/s, '');
  }
  for (const p of blocks) module._free(p);
  api.dispose();
  expect(outcome).toBe('TOO_LARGE');
});
