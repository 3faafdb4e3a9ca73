'use strict';
// Bad input, the cases errors.test.js and layer.test.js leave out: detached buffers, dimensions
// that are infinite or past 2^31, shapes and data of odd types, typed-array views (offsets,
// shared and resizable buffers), a batch of 0 in the one-shot API, and non-finite data.
// Every rejected call must be a SeparableConv2dError with its code, leave the wasm heap exactly
// as it was, and be followed by a correct computation.

const {
  init, separableConv2d, separableConv2dSync, createSeparableConv2d, SeparableConv2dError,
  dispose, getMemoryInfo,
} = require('../../js/index.js');
const { separableConv2dReference, specFromOptions } = require('./reference');
const { mismatch } = require('./compare');
const { mulberry32, randomTensor } = require('./random');
const {
  tensor, thrown, rejection, errorSummary, nonFiniteMismatch, settledHeap,
} = require('./reliability_util');

// A valid call: x 1x5x5x2, 3x3 depthwise with M = 2, pointwise 4 -> 3; each case changes one thing.
const rng = mulberry32(0x5eed);
const X = randomTensor(rng, [1, 5, 5, 2]);
const DW = randomTensor(rng, [3, 3, 2, 2]);
const PW = randomTensor(rng, [1, 1, 4, 3]);
const OPTIONS = { strides: 1, padding: 'SAME' };
const EXPECTED = separableConv2dReference(X, DW, PW, { strides: [1, 1], padding: 'SAME' });

/** Detaches a typed array's buffer, as a transfer to another thread would. */
function detach(typed) {
  const { buffer } = typed;
  if (typeof buffer.transfer === 'function') buffer.transfer();
  else structuredClone(buffer, { transfer: [buffer] });
  if (buffer.byteLength !== 0 || typed.length !== 0) throw new Error('the buffer did not detach');
  return typed;
}

/** Detaches through a MessageChannel, the way a page hands a buffer to a worker. */
function detachByPostMessage(typed) {
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(typed.buffer, [typed.buffer]);
  port1.close();
  port2.close();
  if (typed.length !== 0) throw new Error('the buffer did not detach');
  return typed;
}

const copy = (t) => ({ data: t.data.slice(), shape: t.shape.slice() });

/** The valid call still gives the right answer, and the heap holds what it held before. */
function expectStillCorrect(heapBefore) {
  expect(mismatch(separableConv2dSync(X, DW, PW, OPTIONS), EXPECTED)).toBeNull();
  expect(getMemoryInfo().heapBytesInUse).toBe(heapBefore);
}

function expectCode(error, code, mentions = []) {
  expect(errorSummary(error)).toMatch(new RegExp(`^${code}: `));
  expect(error).toBeInstanceOf(SeparableConv2dError);
  for (const m of mentions) {
    if (m instanceof RegExp) expect(error.message).toMatch(m);
    else expect(error.message).toContain(m);
  }
}

beforeAll(async () => {
  await init();
  separableConv2dSync(X, DW, PW, OPTIONS); // first-call allocations
  await settledHeap(getMemoryInfo); // and the pool threads' own, so heap comparisons are exact
});
afterAll(() => dispose());

// ---------------------------------------------------------------------------------------------
// One-shot calls: each case builds fresh arguments (a detached buffer stays detached).

const ONE_SHOT_CASES = [
  // Detached buffers: a typed array whose ArrayBuffer went to another thread has length 0.
  { title: 'input detached (structuredClone transfer)', code: 'BAD_TENSOR', mentions: ['input', 'detached'],
    args: () => [{ data: detach(copy(X).data), shape: X.shape }, DW, PW, OPTIONS] },
  { title: 'input detached (MessageChannel postMessage transfer)', code: 'BAD_TENSOR', mentions: ['input', 'detached'],
    args: () => [{ data: detachByPostMessage(copy(X).data), shape: X.shape }, DW, PW, OPTIONS] },
  { title: 'input a view into a detached buffer', code: 'BAD_TENSOR', mentions: ['input'],
    args: () => {
      const whole = new Float32Array(100);
      const view = whole.subarray(10, 60);
      detach(whole);
      return [{ data: view, shape: X.shape }, DW, PW, OPTIONS];
    } },
  { title: 'depthwiseFilter detached', code: 'BAD_TENSOR', mentions: ['depthwiseFilter', 'detached'],
    args: () => [X, { data: detach(copy(DW).data), shape: DW.shape }, PW, OPTIONS] },
  { title: 'pointwiseFilter detached', code: 'BAD_TENSOR', mentions: ['pointwiseFilter', 'detached'],
    args: () => [X, DW, { data: detach(copy(PW).data), shape: PW.shape }, OPTIONS] },
  { title: 'bias detached (length 0 for O = 3)', code: 'BAD_SHAPE', mentions: ['bias', '3'],
    args: () => [X, DW, PW, { ...OPTIONS, bias: detach(new Float32Array(3)) }] },
  { title: 'Float64Array input detached', code: 'BAD_TENSOR', mentions: ['input'],
    args: () => [{ data: detach(Float64Array.from(X.data)), shape: X.shape }, DW, PW, OPTIONS] },

  // Dimensions that are not integers in range.
  ...[
    ['Infinity', Infinity], ['-Infinity', -Infinity], ['2^31', 2 ** 31], ['2^31 + 1', 2 ** 31 + 1],
    ['2^32 + 5 (5 modulo 2^32)', 2 ** 32 + 5], ['2^53', 2 ** 53], ['1e300', 1e300], ['-2^31', -(2 ** 31)],
    ['null', null], ['true', true], ['a BigInt 5n', 5n], ['undefined (a hole)', undefined], ['a Number object', Object(5)],
  ].map(([name, d]) => ({
    title: `input height ${name}`, code: 'BAD_SHAPE', mentions: ['input'],
    args: () => [{ data: X.data, shape: [1, d, 5, 2] }, DW, PW, OPTIONS],
  })),
  { title: 'input batch Infinity', code: 'BAD_SHAPE', mentions: ['input'],
    args: () => [{ data: X.data, shape: [Infinity, 5, 5, 2] }, DW, PW, OPTIONS] },
  { title: 'input channels 2^31 with a depthwise of C = 2^31', code: 'BAD_SHAPE', mentions: ['input'],
    args: () => [{ data: X.data, shape: [1, 5, 5, 2 ** 31] }, { data: DW.data, shape: [3, 3, 2 ** 31, 2] }, PW, OPTIONS] },
  { title: 'depthwiseFilter height Infinity', code: 'BAD_SHAPE', mentions: ['depthwiseFilter'],
    args: () => [X, { data: DW.data, shape: [Infinity, 3, 2, 2] }, PW, OPTIONS] },
  { title: 'depthwiseFilter multiplier 2^31', code: 'BAD_SHAPE', mentions: ['depthwiseFilter'],
    args: () => [X, { data: DW.data, shape: [3, 3, 2, 2 ** 31] }, PW, OPTIONS] },
  { title: 'pointwiseFilter O = 2^31', code: 'BAD_SHAPE', mentions: ['pointwiseFilter'],
    args: () => [X, DW, { data: PW.data, shape: [1, 1, 4, 2 ** 31] }, OPTIONS] },
  { title: 'pointwiseFilter O = NaN', code: 'BAD_SHAPE', mentions: ['pointwiseFilter'],
    args: () => [X, DW, { data: PW.data, shape: [1, 1, 4, NaN] }, OPTIONS] },
  { title: 'pointwiseFilter O = 1.5', code: 'BAD_SHAPE', mentions: ['pointwiseFilter'],
    args: () => [X, DW, { data: PW.data, shape: [1, 1, 4, 1.5] }, OPTIONS] },

  // Shapes that are not arrays.
  { title: 'input shape an Int32Array', code: 'BAD_SHAPE', mentions: ['input'],
    args: () => [{ data: X.data, shape: Int32Array.from(X.shape) }, DW, PW, OPTIONS] },
  { title: 'input shape an array-like object', code: 'BAD_SHAPE', mentions: ['input'],
    args: () => [{ data: X.data, shape: { length: 4, 0: 1, 1: 5, 2: 5, 3: 2 } }, DW, PW, OPTIONS] },
  { title: 'input shape a string', code: 'BAD_SHAPE', mentions: ['input'],
    args: () => [{ data: X.data, shape: '1,5,5,2' }, DW, PW, OPTIONS] },

  // Data that is not float32 or float64.
  ...[
    ['a DataView', () => new DataView(new ArrayBuffer(200))],
    ['an ArrayBuffer', () => new ArrayBuffer(200)],
    ['a Uint8ClampedArray', () => new Uint8ClampedArray(50)],
    ['a BigInt64Array', () => new BigInt64Array(50)],
    ['a Float32Array-like object', () => ({ length: 50, BYTES_PER_ELEMENT: 4, buffer: new ArrayBuffer(200) })],
    ['a string', () => 'x'.repeat(50)],
    ['null', () => null],
  ].map(([name, make]) => ({
    title: `input data ${name}`, code: 'BAD_DTYPE', mentions: ['input'],
    args: () => [{ data: make(), shape: X.shape }, DW, PW, OPTIONS],
  })),

  // A batch of 0 still has its geometry and channels checked.
  { title: 'batch 0 with an output height of 0', code: 'BAD_OUTPUT_SIZE', mentions: [/height/],
    args: () => [{ data: new Float32Array(0), shape: [0, 2, 5, 2] }, DW, PW, { strides: 1, padding: 'VALID' }] },
  { title: 'batch 0 with a channel mismatch', code: 'BAD_SHAPE', mentions: [/depthwiseFilter|input/],
    args: () => [{ data: new Float32Array(0), shape: [0, 5, 5, 3] }, DW, PW, OPTIONS] },
].map((c) => ({ ...c, label: `${c.code}: ${c.title}` }));

describe('bad one-shot arguments: a clean error, the heap unchanged, then a correct result', () => {
  test.each(ONE_SHOT_CASES)('separableConv2dSync $label', (c) => {
    const before = getMemoryInfo().heapBytesInUse;
    expectCode(thrown(() => separableConv2dSync(...c.args())), c.code, c.mentions);
    expectStillCorrect(before);
  });

  test.each(ONE_SHOT_CASES)('separableConv2d $label', async (c) => {
    const before = getMemoryInfo().heapBytesInUse;
    let promise;
    expect(() => { promise = separableConv2d(...c.args()); }).not.toThrow();
    expectCode(await rejection(promise), c.code, c.mentions);
    expectStillCorrect(before);
  });

  test.each(ONE_SHOT_CASES.filter((c) => !/^(Float64Array )?input /.test(c.title)))('createSeparableConv2d $label', async (c) => {
    const before = getMemoryInfo().heapBytesInUse;
    const [, dw, pw, options] = c.args();
    // Input-independent checks fail at creation; the rest (batch-0 geometry) pass it.
    const outcome = await createSeparableConv2d(dw, pw, options).then((layer) => layer, (error) => error);
    if (outcome instanceof Error) expectCode(outcome, c.code, c.mentions);
    else outcome.dispose();
    expectStillCorrect(before);
  });
});

describe('bad layer inputs: a clean error, nothing kept, the layer still correct', () => {
  const cases = [
    { title: 'input detached', code: 'BAD_TENSOR', x: () => ({ data: detach(copy(X).data), shape: X.shape }) },
    { title: 'input detached by postMessage', code: 'BAD_TENSOR', x: () => ({ data: detachByPostMessage(copy(X).data), shape: X.shape }) },
    { title: 'input height Infinity', code: 'BAD_SHAPE', x: () => ({ data: X.data, shape: [1, Infinity, 5, 2] }) },
    { title: 'input width 2^31', code: 'BAD_SHAPE', x: () => ({ data: X.data, shape: [1, 5, 2 ** 31, 2] }) },
    { title: 'input data a DataView', code: 'BAD_DTYPE', x: () => ({ data: new DataView(new ArrayBuffer(200)), shape: X.shape }) },
    { title: 'output buffer detached', code: 'BAD_TENSOR', x: () => X, runOptions: () => ({ output: detach(new Float32Array(75)) }) },
  ];
  test.each(cases)('$code: $title', async (c) => {
    const layer = await createSeparableConv2d(DW, PW, OPTIONS);
    expect(mismatch(layer.runSync(X), EXPECTED)).toBeNull();
    const before = getMemoryInfo().heapBytesInUse;
    const runOptions = c.runOptions ? c.runOptions() : undefined;
    expectCode(thrown(() => layer.runSync(c.x(), runOptions)), c.code);
    expectCode(await rejection(layer.run(c.x(), c.runOptions ? c.runOptions() : undefined)), c.code);
    expect(getMemoryInfo().heapBytesInUse).toBe(before);
    expect(mismatch(await layer.run(X), EXPECTED)).toBeNull();
    layer.dispose();
  });
});

test('a buffer detached right after the async call is made: a clean error or the right answer, never a crash', async () => {
  const before = getMemoryInfo().heapBytesInUse;
  for (const when of ['sync', 'microtask']) {
    const x = copy(X);
    const promise = separableConv2d(x, DW, PW, OPTIONS);
    if (when === 'sync') detach(x.data);
    else await Promise.resolve().then(() => detach(x.data));
    const outcome = await promise.then((y) => y, (error) => error);
    if (outcome instanceof Error) expectCode(outcome, 'BAD_TENSOR', ['detached']);
    else expect(mismatch(outcome, EXPECTED)).toBeNull();
  }
  expectStillCorrect(before);
});

// ---------------------------------------------------------------------------------------------
// Valid spellings of data that must compute correctly.

describe('typed-array forms that are valid', () => {
  test('Float64Array input and filters are converted to float32: the same bits as Float32Array data', async () => {
    // Values float32 cannot hold exactly, including ones past its range (which become Infinity).
    const x64 = Float64Array.from(X.data, (v, i) => v + 1e-9 * i);
    x64[7] = 1e300;
    const dw64 = Float64Array.from(DW.data, (v) => v / 3);
    const pw64 = Float64Array.from(PW.data, (v) => v * Math.PI);
    const as32 = (a) => Float32Array.from(a);
    const via32 = separableConv2dSync({ data: as32(x64), shape: X.shape }, { data: as32(dw64), shape: DW.shape },
      { data: as32(pw64), shape: PW.shape }, OPTIONS);
    const via64 = await separableConv2d({ data: x64, shape: X.shape }, { data: dw64, shape: DW.shape },
      { data: pw64, shape: PW.shape }, OPTIONS);
    expect(via64.data).toBeInstanceOf(Float32Array);
    expect(Buffer.from(via64.data.buffer).equals(Buffer.from(via32.data.buffer))).toBe(true);
    expect(via64.data.some((v) => !Number.isFinite(v))).toBe(true); // the 1e300 reached the output as Infinity
  });

  test('views with a byte offset, on a SharedArrayBuffer and on a resizable ArrayBuffer', async () => {
    const n = X.data.length;
    const big = new Float32Array(n + 7);
    big.set(X.data, 3);
    const shared = new Float32Array(new SharedArrayBuffer(4 * n));
    shared.set(X.data);
    const resizable = new ArrayBuffer(4 * n, { maxByteLength: 8 * n });
    const tracking = new Float32Array(resizable); // length-tracking
    tracking.set(X.data);
    for (const data of [big.subarray(3, 3 + n), shared, tracking]) {
      expect(mismatch(separableConv2dSync({ data, shape: X.shape }, DW, PW, OPTIONS), EXPECTED)).toBeNull();
      expect(mismatch(await separableConv2d({ data, shape: X.shape }, DW, PW, OPTIONS), EXPECTED)).toBeNull();
    }
    // Shrinking the resizable buffer shortens the array: now a length error, not a read past its end.
    resizable.resize(4 * (n - 2));
    expectCode(thrown(() => separableConv2dSync({ data: tracking, shape: X.shape }, DW, PW, OPTIONS)), 'BAD_TENSOR');
    resizable.resize(4 * n);
    tracking.set(X.data);
    expect(mismatch(separableConv2dSync({ data: tracking, shape: X.shape }, DW, PW, OPTIONS), EXPECTED)).toBeNull();
  });

  test('detached data with a batch of 0 needs no elements: an empty result', () => {
    const y = separableConv2dSync({ data: detach(new Float32Array(4)), shape: [0, 5, 5, 2] }, DW, PW, OPTIONS);
    expect(y.shape).toEqual([0, 5, 5, 3]);
    expect(y.data).toBeInstanceOf(Float32Array);
    expect(y.data.length).toBe(0);
  });

  test.each([
    ['NHWC', [0, 6, 7, 2], [0, 3, 4, 3], { strides: 2, padding: 'SAME' }],
    ['NCHW', [0, 2, 6, 7], [0, 3, 4, 5], { strides: [1, 1, 1, 1], padding: 'VALID', dataFormat: 'NCHW' }],
    ['NHWC explicit pads, dilation 2', [0, 4, 4, 2], [0, 2, 4, 3], { strides: 1, dilations: 2, padding: [[0, 0], [1, 1], [2, 2], [0, 0]] }],
  ])('one-shot calls with a batch of 0 (%s) return an empty result of the right shape', async (_, shape, outShape, options) => {
    const before = getMemoryInfo().heapBytesInUse;
    for (const y of [separableConv2dSync({ data: new Float32Array(0), shape }, DW, PW, options),
      await separableConv2d({ data: new Float64Array(0), shape }, DW, PW, options)]) {
      expect(y.shape).toEqual(outShape);
      expect(y.data).toBeInstanceOf(Float32Array);
      expect(y.data.length).toBe(0);
    }
    expectStillCorrect(before);
  });
});

// ---------------------------------------------------------------------------------------------
// NaN and infinities in the data propagate as in TensorFlow: a non-finite input pixel reaches
// exactly the outputs whose windows read it.

describe('NaN and +-Infinity in the input reach exactly the outputs whose windows cover them', () => {
  // [name, x shape (in its format), KH, KW, M, O, options]
  const CONFIGS = [
    ['NHWC 3x3 SAME', [1, 9, 8, 3], 3, 3, 2, 5, { strides: 1, padding: 'SAME' }],
    ['NCHW 3x3 SAME', [2, 3, 9, 8], 3, 3, 1, 4, { strides: 1, padding: 'SAME', dataFormat: 'NCHW' }],
    ['NHWC 5x5 stride 2 VALID', [1, 13, 12, 2], 5, 5, 3, 7, { strides: 2, padding: 'VALID' }],
    ['NHWC 3x3 dilation 2, explicit pads', [2, 11, 10, 4], 3, 3, 1, 9, { strides: 1, dilations: 2, padding: [[0, 0], [2, 1], [0, 3], [0, 0]] }],
    ['NCHW 2x4 strides [3, 2] SAME', [1, 5, 14, 15], 2, 4, 2, 3, { strides: [3, 2], padding: 'SAME', dataFormat: 'NCHW' }],
    ['NHWC 1x1', [1, 6, 6, 8], 1, 1, 1, 16, { strides: 1, padding: 'VALID' }],
    ['NHWC 7x7 SAME, wide (several threads)', [2, 40, 40, 16], 7, 7, 1, 32, { strides: 1, padding: 'SAME' }],
  ];

  /** Which outputs' windows read input pixel (y, x): the [i, j] pairs, from the geometry alone. */
  function covering(y, x, inH, inW, KH, KW, options) {
    const spec = specFromOptions(options);
    const { geometry } = require('./reference');
    const g = geometry(inH, inW, KH, KW, spec);
    const [sh, sw] = spec.strides;
    const [dh, dw] = spec.dilations;
    const hits = [];
    for (let i = 0; i < g.outH; i++) {
      for (let j = 0; j < g.outW; j++) {
        let reads = false;
        for (let di = 0; di < KH && !reads; di++) {
          for (let dj = 0; dj < KW && !reads; dj++) {
            reads = sh * i + dh * di - g.padTop === y && sw * j + dw * dj - g.padLeft === x;
          }
        }
        if (reads) hits.push([i, j]);
      }
    }
    return { hits, g };
  }

  test.each(CONFIGS)('%s', async (name, xShape, KH, KW, M, O, options) => {
    const nchw = options.dataFormat === 'NCHW';
    const [N, C, H, W] = nchw ? xShape : [xShape[0], xShape[3], xShape[1], xShape[2]];
    const r = mulberry32(KH * 1000 + KW * 100 + O);
    const x = randomTensor(r, xShape);
    // Weights away from 0, so inf * w is never inf * 0 (which would be NaN in any order).
    const away = (t) => ({ ...t, data: t.data.map((v) => (v >= 0 ? v + 0.25 : v - 0.25)) });
    const dw = away(randomTensor(r, [KH, KW, C, M]));
    const pw = away(randomTensor(r, [1, 1, C * M, O]));
    const index = (b, y, xx, c) => (nchw ? ((b * C + c) * H + y) * W + xx : ((b * H + y) * W + xx) * C + c);
    const spec = specFromOptions(options);

    // 1. One NaN pixel: NaN at exactly the outputs (every channel) whose window reads it.
    const [ny, nx] = [Math.floor(H / 2), W - 2];
    const xn = copy(x);
    xn.data[index(N - 1, ny, nx, C - 1)] = NaN;
    const { hits, g } = covering(ny, nx, H, W, KH, KW, options);
    expect(hits.length).toBeGreaterThan(0); // the premise: some output reads it
    const layer = await createSeparableConv2d(dw, pw, options);
    for (const got of [separableConv2dSync(xn, dw, pw, options), layer.runSync(xn)]) {
      const nanAt = new Set();
      const outIndex = (b, i, j, k) => (nchw ? ((b * O + k) * g.outH + i) * g.outW + j : ((b * g.outH + i) * g.outW + j) * O + k);
      for (const [i, j] of hits) for (let k = 0; k < O; k++) nanAt.add(outIndex(N - 1, i, j, k));
      const wrong = [];
      got.data.forEach((v, idx) => {
        if (Number.isNaN(v) !== nanAt.has(idx) && wrong.length < 5) wrong.push(`${idx}: ${v}`);
      });
      expect(wrong).toEqual([]);
      expect(nonFiniteMismatch(got, separableConv2dReference(xn, dw, pw, spec))).toBeNull();
    }

    // 2. NaN, +Infinity and -Infinity at several pixels (two may share a window: inf - inf = NaN).
    const xs = copy(x);
    const pick = () => Math.floor(r() * xs.data.length);
    xs.data[pick()] = Infinity;
    xs.data[pick()] = -Infinity;
    xs.data[pick()] = NaN;
    xs.data[pick()] = Infinity;
    const want = separableConv2dReference(xs, dw, pw, spec);
    expect(want.data.some((v) => !Number.isFinite(v))).toBe(true);
    expect(want.data.some((v) => Number.isFinite(v))).toBe(true);
    expect(nonFiniteMismatch(await separableConv2d(xs, dw, pw, options), want)).toBeNull();
    expect(nonFiniteMismatch(await layer.run(xs), want)).toBeNull();
    layer.dispose();
  });
});
