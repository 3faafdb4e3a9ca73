'use strict';
// Problems too large for the wasm module's 2 GiB: code TOO_LARGE, decided before the large block
// is allocated (the wasm memory does not grow for it), never an abort, nothing left allocated,
// and a correct computation afterwards. Then memory that runs out part-way: layers are created
// until one no longer fits, calls are made while the heap is full, everything is disposed and
// the heap must be back to where it was.

const {
  init, separableConv2d, separableConv2dSync, createSeparableConv2d, dispose, getMemoryInfo,
} = require('../../js/index.js');
const { mismatch } = require('./compare');
const {
  tensor, thrown, rejection, errorSummary,
} = require('./reliability_util');

const GiB2 = 2 ** 31;

// A small valid call and its hand-computed answer: 3x3 box sums of a 4x4 image of ones.
const SMALL = {
  x: tensor([1, 4, 4, 1], 1), dw: tensor([3, 3, 1, 1], 1), pw: tensor([1, 1, 1, 1], 2),
  options: { strides: 1, padding: 'SAME' },
  expected: { shape: [1, 4, 4, 1], data: [4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4].map((v) => 2 * v) },
};

function expectSmallCorrect() {
  expect(mismatch(separableConv2dSync(SMALL.x, SMALL.dw, SMALL.pw, SMALL.options), SMALL.expected)).toBeNull();
}

function expectTooLarge(error, mentions = []) {
  expect(errorSummary(error)).toMatch(/^TOO_LARGE: /);
  for (const m of mentions) expect(error.message).toMatch(m);
}

// One thread, so the workspace case below has one known size (per thread, times the threads).
beforeAll(async () => {
  await init({ threads: 1 });
  expectSmallCorrect(); // first-call allocations happen now, not inside a comparison
});
afterAll(() => dispose());

describe('a problem too large for wasm memory gives TOO_LARGE before allocating it', () => {
  // [title, x, dw, pw, options, what the message names]
  const one = (v) => tensor([1, 1, 1, 1], v);
  const CASES = [
    // 40001 x 40001 x 2 floats = 12.8 GB of output from a 1x1 input: explicit padding makes it.
    ['output 12.8 GB (explicit pads 20000, NHWC)', one(3), one(2), tensor([1, 1, 1, 2], 1),
      { strides: 1, padding: [[0, 0], [20000, 20000], [20000, 20000], [0, 0]] }, /\d{11} bytes/],
    ['output 12.8 GB (explicit pads 20000, NCHW)', one(3), one(2), tensor([1, 1, 1, 2], 1),
      { strides: 1, padding: [[0, 0], [0, 0], [20000, 20000], [20000, 20000]], dataFormat: 'NCHW' }, /\d{11} bytes/],
    // 16385 x 16385 x 2 floats x 4 bytes = 2^31 + 262152: just past the limit.
    ['output just over 2 GiB (16385 x 16385 x 2)', one(3), one(2), tensor([1, 1, 1, 2], 1),
      { strides: 1, padding: [[0, 0], [8192, 8192], [8192, 8192], [0, 0]] }, /limit/],
  ];

  test.each(CASES)('%s', async (title, x, dw, pw, options, mentions) => {
    const before = getMemoryInfo();
    expectTooLarge(thrown(() => separableConv2dSync(x, dw, pw, options)), [mentions]);
    expectTooLarge(await rejection(separableConv2d(x, dw, pw, options)), [mentions]);
    const layer = await createSeparableConv2d(dw, pw, options);
    expectTooLarge(thrown(() => layer.runSync(x)), [mentions]);
    expectTooLarge(await rejection(layer.run(x)), [mentions]);
    layer.dispose();
    // Nothing grew, nothing stayed allocated, and the module still computes.
    expect(getMemoryInfo()).toEqual(before);
    expectSmallCorrect();
  });

  test('an input of more than 2 GiB (536,903,680 floats)', async () => {
    // Zero-filled and never written, so the operating system does not commit its pages.
    const x = { data: new Float32Array(16385 * 32768), shape: [1, 16385, 32768, 1] };
    const before = getMemoryInfo();
    const error = thrown(() => separableConv2dSync(x, tensor([1, 1, 1, 1], 1), tensor([1, 1, 1, 1], 1), { strides: 1, padding: 'VALID' }));
    expectTooLarge(error, [/\d{10} bytes/]);
    expect(getMemoryInfo()).toEqual(before);
    expectSmallCorrect();
  });

  test('a workspace of more than 2 GiB for a 3-pixel output (stride 2^25 across 2^26 pixels of padding)', async () => {
    // Width 1, stride 2^25, 2^26 zeros of right padding: output width 3, but the operator's
    // packed-row workspace spans the whole padded row: (2^26 + 1) pixels x 8 channels x 4 bytes.
    // TOO_LARGE, or (for an operator that packs less) the right answer; never anything else.
    const x = tensor([1, 1, 1, 8], (i) => i + 1);
    const dw = tensor([1, 1, 8, 1], 1);
    const pw = tensor([1, 1, 8, 1], 1);
    const options = { strides: [1, 2 ** 25], padding: [[0, 0], [0, 0], [0, 2 ** 26], [0, 0]] };
    const before = getMemoryInfo();
    const outcome = (() => {
      try {
        return separableConv2dSync(x, dw, pw, options);
      } catch (error) {
        return error;
      }
    })();
    if (outcome instanceof Error) expectTooLarge(outcome, [/workspace|bytes/]);
    else expect(mismatch(outcome, { shape: [1, 1, 3, 1], data: [36, 0, 0] })).toBeNull();
    expect(getMemoryInfo().heapBytesInUse).toBe(before.heapBytesInUse);
    expectSmallCorrect();
  });
});

test('memory running out part-way: TOO_LARGE at the layer that does not fit, calls while full, all back after dispose', async () => {
  const before = getMemoryInfo();
  const layers = [];
  const failures = {};
  // Big layers first (64 MB of pointwise weights each), then ever smaller ones into what is left.
  for (const cm of [4096, 1024, 256, 64]) {
    const dw = tensor([1, 1, cm, 1], 0.001);
    const pw = tensor([1, 1, cm, cm], 0.001);
    for (;;) {
      try {
        layers.push({ cm, layer: await createSeparableConv2d(dw, pw, { strides: 1, padding: 'VALID' }) });
      } catch (error) {
        expectTooLarge(error, [/could not allocate|needs|memory is full/]);
        failures[cm] = layers.length;
        break;
      }
    }
  }
  const full = getMemoryInfo();
  expect(full.wasmMemoryBytes).toBeLessThanOrEqual(GiB2);
  expect(full.heapBytesInUse).toBeGreaterThan(GiB2 * 0.95);
  expect(layers.filter((l) => l.cm === 4096).length).toBeGreaterThan(20);

  // With the heap full, calls needing memory fail cleanly; none aborts the module.
  const big = layers[0].layer;
  const outcomes = [];
  const attempt = async (what, fn) => {
    try {
      await fn();
      outcomes.push(`${what}: ok`);
    } catch (error) {
      expectTooLarge(error);
      outcomes.push(`${what}: TOO_LARGE`);
    }
  };
  await attempt('a 4096-channel layer on 8x8 pixels (4 MB)', () => big.runSync(tensor([1, 8, 8, 4096], 0.5)));
  await attempt('the same, async', () => big.run(tensor([1, 8, 8, 4096], 0.5)));
  await attempt('a small one-shot call', () => separableConv2d(SMALL.x, SMALL.dw, SMALL.pw, SMALL.options));
  await attempt('a new 1024-channel layer', () => createSeparableConv2d(tensor([1, 1, 1024, 1]), tensor([1, 1, 1024, 1024]), { strides: 1, padding: 'SAME' }));
  expect(outcomes.filter((o) => o.endsWith('TOO_LARGE')).length).toBeGreaterThanOrEqual(3);

  // A layer made before the heap filled still computes correctly once there is room again.
  for (const { layer } of layers.slice(1)) layer.dispose();
  const y = big.runSync(tensor([1, 2, 2, 4096], 1));
  expect(y.shape).toEqual([1, 2, 2, 4096]);
  // Every output is sum over 4096 channels of 1 * 0.001 * 0.001 = 0.004096.
  expect(y.data.every((v) => Math.abs(v - 0.004096) < 1e-6)).toBe(true);
  big.dispose();

  const after = getMemoryInfo();
  expect(after.heapBytesInUse).toBe(before.heapBytesInUse);
  expectSmallCorrect();
  const mb = (b) => (b / 2 ** 20).toFixed(1);
  console.log(`memory filled with ${layers.length} layers (TOO_LARGE after ${JSON.stringify(failures)}): ` +
    `wasm memory ${mb(full.wasmMemoryBytes)} MB, in use ${mb(full.heapBytesInUse)} MB; while full: ${outcomes.join('; ')}; ` +
    `after dispose: ${after.heapBytesInUse} bytes in use (before: ${before.heapBytesInUse})`);
});
