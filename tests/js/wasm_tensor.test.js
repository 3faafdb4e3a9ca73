'use strict';
// WasmTensors: layers read them in place and write their results into them. Checked against the
// float64 reference and, bit for bit, against the same layer on typed arrays; chains of layers;
// every combination of array and WasmTensor input and output; the errors; and memory: every
// tensor's bytes come back.

const {
  init, createSeparableConv2d, createWasmTensor, getMemoryInfo, dispose, SeparableConv2dError, WasmTensor,
} = require('../../js/index.js');
const { drawConfig, drawInputShapes } = require('./random');
const {
  tensorsFor, apiOptions, referenceSpec, withInputShape, inputFor, expectedOutputShape, describeConfig,
} = require('./config');
const { separableConv2dReference } = require('./reference');
const { mismatch } = require('./compare');

afterAll(() => dispose());

const sameBits = (a, b) => a.length === b.length &&
  Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

const filled = (length, f) => Float32Array.from({ length }, (_, i) => f(i));

/** A 3x3 layer from C to O channels, NHWC, SAME: small enough for error tests. */
async function smallLayer(C, O, extra = {}) {
  return createSeparableConv2d(
    { data: filled(9 * C, (i) => Math.sin(i)), shape: [3, 3, C, 1] },
    { data: filled(C * O, (i) => Math.cos(i)), shape: [1, 1, C, O] },
    { strides: 1, padding: 'SAME', ...extra },
  );
}

function expectError(fn, code, message) {
  let error;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(SeparableConv2dError);
  expect({ code: error.code, message: error.message }).toEqual({ code, message: expect.stringMatching(message) });
}

test('layers on WasmTensors match the float64 reference and, bit for bit, the same layer on arrays (40 layers, 2 shapes each)', async () => {
  const failures = [];
  for (let seed = 41000; seed < 41040; seed++) {
    const cfg = drawConfig(seed);
    const { depthwise, pointwise } = tensorsFor(cfg);
    const layer = await createSeparableConv2d(depthwise, pointwise, apiOptions(cfg));
    for (const [v, shape] of drawInputShapes(cfg, 2).entries()) {
      const variant = withInputShape(cfg, shape);
      const x = inputFor(variant, v);
      const xt = await createWasmTensor(x.shape, x.data);
      // Alternate: a new result tensor (sync or async), or one given as output.
      let yt;
      if (seed % 3 === 0) yt = layer.runSync(xt);
      else if (seed % 3 === 1) yt = await layer.run(xt);
      else {
        const given = await createWasmTensor(expectedOutputShape(variant));
        yt = layer.runSync(xt, { output: given });
        expect(yt).toBe(given);
      }
      expect(yt).toBeInstanceOf(WasmTensor);
      expect(yt.shape).toEqual(expectedOutputShape(variant));
      const got = { data: yt.read(), shape: yt.shape };
      const f64 = separableConv2dReference(x, depthwise, pointwise, referenceSpec(variant));
      const problem = mismatch(got, f64);
      if (problem) failures.push(`${describeConfig(variant)}: ${problem}`);
      if (!sameBits(got.data, layer.runSync(x).data)) failures.push(`${describeConfig(variant)}: differs from the array call`);
      xt.dispose();
      yt.dispose();
    }
    layer.dispose();
  }
  expect(failures).toEqual([]);
});

test('a chain of layers on WasmTensors equals the chain on arrays; array and WasmTensor inputs and outputs mix', async () => {
  const first = await smallLayer(3, 8, { bias: filled(8, (i) => i / 10 - 0.4), activation: 'relu6' });
  const second = await smallLayer(8, 5, { strides: 2 });
  const x = { data: filled(2 * 9 * 11 * 3, (i) => Math.sin(i * 0.7) * 3), shape: [2, 9, 11, 3] };
  const viaArrays = second.runSync(first.runSync(x));

  const xt = await createWasmTensor(x.shape, x.data);
  const middle = first.runSync(xt);
  const yt = second.runSync(middle);
  expect(yt.shape).toEqual(viaArrays.shape);
  expect(sameBits(yt.read(), viaArrays.data)).toBe(true);

  // An array in, a WasmTensor out; a WasmTensor in, an array out.
  const middle2 = await createWasmTensor(middle.shape);
  expect(first.runSync(x, { output: middle2 })).toBe(middle2);
  const output = new Float32Array(yt.size).fill(NaN);
  const y = second.runSync(middle2, { output });
  expect(y.data).toBe(output);
  expect(y.shape).toEqual(viaArrays.shape);
  expect(sameBits(output, viaArrays.data)).toBe(true);

  // read() into a given array, view() without a copy.
  const into = new Float32Array(yt.size);
  expect(yt.read(into)).toBe(into);
  expect(sameBits(into, viaArrays.data)).toBe(true);
  expect(sameBits(yt.view(), viaArrays.data)).toBe(true);

  // Filling the input through view() is the same as write().
  const zt = await createWasmTensor(x.shape);
  expect(Array.from(zt.read()).every((v) => v === 0)).toBe(true);
  zt.view().set(x.data);
  expect(sameBits(first.runSync(zt).read(), middle.read())).toBe(true);

  for (const t of [xt, middle, yt, middle2, zt]) t.dispose();
  first.dispose();
  second.dispose();
});

test('a batch of 0 gives an empty WasmTensor of the right shape', async () => {
  const layer = await smallLayer(2, 3);
  const xt = await createWasmTensor([0, 5, 5, 2]);
  const yt = layer.runSync(xt);
  expect({ shape: yt.shape, size: yt.size, read: yt.read().length }).toEqual({ shape: [0, 5, 5, 3], size: 0, read: 0 });
  xt.dispose();
  yt.dispose();
  layer.dispose();
});

describe('errors', () => {
  let layer;
  beforeAll(async () => {
    layer = await smallLayer(2, 2, { name: 'wt' });
  });
  afterAll(() => layer.dispose());

  test.each([
    ['rank 3', [1, 4, 4]],
    ['a zero height', [1, 0, 4, 2]],
    ['a negative batch', [-1, 4, 4, 2]],
    ['a fraction', [1, 4.5, 4, 2]],
    ['not an array', 'big'],
  ])('createWasmTensor refuses %s', async (_, shape) => {
    await expect(createWasmTensor(shape)).rejects.toMatchObject({ code: 'BAD_SHAPE', message: expect.stringMatching(/createWasmTensor: shape must be 4 integers/) });
  });

  test('createWasmTensor refuses data of the wrong size or type, and keeps no memory', async () => {
    const before = getMemoryInfo().heapBytesInUse;
    await expect(createWasmTensor([1, 2, 2, 2], new Float32Array(7))).rejects.toMatchObject({ code: 'BAD_TENSOR', message: expect.stringMatching(/write: data has 7 elements but shape \[1,2,2,2\] needs 8/) });
    await expect(createWasmTensor([1, 2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])).rejects.toMatchObject({ code: 'BAD_DTYPE' });
    await expect(createWasmTensor([1, 65536, 65536, 2])).rejects.toMatchObject({ code: 'TOO_LARGE' });
    expect(getMemoryInfo().heapBytesInUse).toBe(before);
  });

  test('a wrong output WasmTensor is refused and left untouched', async () => {
    const xt = await createWasmTensor([1, 4, 4, 2], filled(32, (i) => i));
    const wrong = await createWasmTensor([1, 4, 2, 4], filled(32, () => 7));
    expectError(() => layer.runSync(xt, { output: wrong }), 'BAD_TENSOR',
      /^wt: output must be a WasmTensor of shape \[1,4,4,2\]; got one of shape \[1,4,2,4\]$/);
    expect(Array.from(wrong.read()).every((v) => v === 7)).toBe(true);
    const square = await createWasmTensor([1, 4, 4, 2], filled(32, (i) => i));
    expectError(() => layer.runSync(square, { output: square }), 'BAD_OPTIONS', /^wt: output must not be the input WasmTensor/);
    expect(sameBits(square.read(), filled(32, (i) => i))).toBe(true);
    const threeChannels = await createWasmTensor([1, 4, 4, 3]);
    expectError(() => layer.runSync(threeChannels), 'BAD_SHAPE', /C = 3 \(the input's channels\)/);
    for (const t of [xt, wrong, square, threeChannels]) t.dispose();
  });

  test('a disposed WasmTensor cannot be used; dispose() twice is harmless', async () => {
    const xt = await createWasmTensor([1, 4, 4, 2]);
    const out = await createWasmTensor([1, 4, 4, 2]);
    out.dispose();
    expectError(() => layer.runSync(xt, { output: out }), 'DISPOSED', /^wt: output: this WasmTensor was disposed$/);
    xt.dispose();
    xt.dispose();
    expectError(() => layer.runSync(xt), 'DISPOSED', /^wt: input: this WasmTensor was disposed$/);
    expectError(() => xt.read(), 'DISPOSED', /^read: this WasmTensor was disposed$/);
    expectError(() => xt.write(new Float32Array(32)), 'DISPOSED', /^write: /);
    expectError(() => xt.view(), 'DISPOSED', /^view: /);
  });

  test('read and write check their arrays', async () => {
    const t = await createWasmTensor([1, 2, 2, 1]);
    expectError(() => t.read(new Float32Array(5)), 'BAD_TENSOR', /^read: output must be a Float32Array of 4 elements; got Float32Array\(5\)$/);
    expectError(() => t.read(new Float64Array(4)), 'BAD_TENSOR', /^read: output must be a Float32Array of 4 elements/);
    expectError(() => t.write(new Int32Array(4)), 'BAD_DTYPE', /^write: data must be a Float32Array or Float64Array; got Int32Array\(4\)$/);
    expect(Array.from(t.write(new Float64Array([1, 2, 3, 4])).read())).toEqual([1, 2, 3, 4]);
    t.dispose();
  });
});

// Before the test that reloads the module: a new module's worker threads allocate a little as
// they start, which would show here as a leak.
test('every WasmTensor\'s memory comes back: 400 tensors through two layers (one split over the threads), disposed', async () => {
  const small = await smallLayer(4, 6);
  const large = await smallLayer(16, 16);  // 32x32x16 -> 16: above the threshold for using the pool
  const x = { data: filled(12 * 12 * 4, (i) => Math.cos(i)), shape: [1, 12, 12, 4] };
  const xl = { data: filled(32 * 32 * 16, (i) => Math.sin(i)), shape: [1, 32, 32, 16] };
  const expected = small.runSync(x).data;
  const expectedLarge = large.runSync(xl).data;
  const warm = [await createWasmTensor(x.shape, x.data), await createWasmTensor(xl.shape, xl.data)];
  small.runSync(warm[0]).dispose();  // the operators for these shapes now exist
  large.runSync(warm[1]).dispose();
  warm.forEach((t) => t.dispose());
  const before = getMemoryInfo().heapBytesInUse;
  for (let i = 0; i < 100; i++) {
    const xt = await createWasmTensor(x.shape, x.data);
    const yt = i % 2 ? small.runSync(xt) : small.runSync(xt, { output: await createWasmTensor([1, 12, 12, 6]) });
    if (i % 10 === 0) expect(sameBits(yt.read(), expected)).toBe(true);
    const xlt = await createWasmTensor(xl.shape, xl.data);
    const ylt = large.runSync(xlt);
    if (i % 10 === 0) expect(sameBits(ylt.read(), expectedLarge)).toBe(true);
    [xt, yt, xlt, ylt].forEach((t) => t.dispose());
  }
  expect(getMemoryInfo().heapBytesInUse).toBe(before);
  small.dispose();
  large.dispose();
});

test('tensors of a module closed by dispose() are refused by the next module', async () => {
  const layer = await smallLayer(1, 1);
  const old = await createWasmTensor([1, 3, 3, 1]);
  dispose();
  expectError(() => old.read(), 'DISPOSED', /belongs to a module closed by dispose\(\)/);
  await init();
  const fresh = await smallLayer(1, 1);
  expectError(() => fresh.runSync(old), 'DISPOSED', /^input: this WasmTensor belongs to a module closed by dispose\(\)$/);
  old.dispose();  // harmless: the module it lived in is gone
  layer.dispose();
  fresh.dispose();
});
