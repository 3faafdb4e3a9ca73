'use strict';
// Small cases whose expected outputs were worked out by hand (the arithmetic is
// in the comments), so they do not depend on any reference implementation. Each
// pins down one convention TensorFlow fixes: where SAME puts an odd pad, that the
// kernel is not flipped, the q*M+r channel order, the NCHW layout, and so on.

const { init, separableConv2d, separableConv2dSync, dispose } = require('../../js/index.js');
const { mismatch } = require('./compare');
const { drawConfig } = require('./random');
const { tensorsFor, apiOptions } = require('./config');

/** { data: Float32Array, shape } from a flat list of values. */
function tensor(shape, values) {
  return { data: Float32Array.from(values), shape };
}

/** 1, 2, 3, ... in row-major order: easy to reason about by hand. */
function iota(shape, start = 1) {
  const size = shape.reduce((a, b) => a * b, 1);
  return tensor(shape, Array.from({ length: size }, (_, i) => start + i));
}

const ones = (shape) => tensor(shape, new Array(shape.reduce((a, b) => a * b, 1)).fill(1));
const scalarFilter = (value) => tensor([1, 1, 1, 1], [value]);

/**
 * Hand-computed cases. All single-channel unless noted (dw [KH,KW,1,1], pw [[1]]),
 * so the output is just the 2-D correlation of the image with the kernel.
 */
const CASES = [
  {
    name: '1x1 identity passes the input through (2 channels)',
    x: iota([1, 2, 3, 2]),
    dw: ones([1, 1, 2, 1]),
    pw: tensor([1, 1, 2, 2], [1, 0, 0, 1]),
    options: { strides: [1, 1, 1, 1], padding: 'VALID' },
    expected: iota([1, 2, 3, 2]),
  },
  {
    // A 4x4 image of ones: a 3x3 box sum sees 4 pixels at a corner, 6 on an edge, 9 inside.
    name: '3x3 box blur under SAME: corner 4, edge 6, centre 9',
    x: ones([1, 4, 4, 1]),
    dw: ones([3, 3, 1, 1]),
    pw: scalarFilter(1),
    options: { strides: 1, padding: 'SAME' },
    expected: tensor([1, 4, 4, 1], [
      4, 6, 6, 4,
      6, 9, 9, 6,
      6, 9, 9, 6,
      4, 6, 6, 4]),
  },
  {
    // H=W=4, k=2, s=1: out 4, total pad (4-1)*1+2-4 = 1 -> 0 before, 1 after.
    // Kernel [[1,2],[3,4]] (not flipped): y[i][j] = x[i][j] + 2x[i][j+1] + 3x[i+1][j] + 4x[i+1][j+1],
    // x = 1..16 row-major, zeros past the bottom/right edge. y[0][0] = 1+4+15+24 = 44
    // (if the pad went before it would be 4*1 = 4); y[3][3] = 16.
    name: 'SAME with an odd total pad puts the extra row/column after (4x4, k=2, s=1)',
    x: iota([1, 4, 4, 1]),
    dw: tensor([2, 2, 1, 1], [1, 2, 3, 4]),
    pw: scalarFilter(1),
    options: { strides: [1, 1], padding: 'SAME' },
    expected: tensor([1, 4, 4, 1], [
      44, 54, 64, 28,
      84, 94, 104, 44,
      124, 134, 144, 60,
      41, 44, 47, 16]),
  },
  {
    // H=W=5, k=2, s=2: out ceil(5/2) = 3, total pad (3-1)*2+2-5 = 1 -> 0 before, 1 after.
    // y[i][j] = sum of the 2x2 block at (2i, 2j) of x = 1..25; the last row/column sees padding.
    name: 'SAME with an odd total pad and stride 2 (5x5, k=2, s=2)',
    x: iota([1, 5, 5, 1]),
    dw: ones([2, 2, 1, 1]),
    pw: scalarFilter(1),
    options: { strides: [1, 2, 2, 1], padding: 'SAME' },
    expected: tensor([1, 3, 3, 1], [
      16, 24, 15,
      56, 64, 35,
      43, 47, 25]),
  },
  {
    // k=1, s=3 on 7x7 with x[i][j] = 7i + j: samples rows/cols 0, 3, 6; times dw 2 * pw 3 = 6.
    name: 'stride larger than the kernel (k=1, s=3, VALID)',
    x: iota([1, 7, 7, 1], 0),
    dw: scalarFilter(2),
    pw: scalarFilter(3),
    options: { strides: 3, padding: 'VALID' },
    expected: tensor([1, 3, 3, 1], [0, 3, 6, 21, 24, 27, 42, 45, 48].map((v) => 6 * v)),
  },
  {
    // SAME, k=1, s=3, 5x5: out ceil(5/3) = 2, total pad max((2-1)*3+1-5, 0) = 0 -> rows/cols 0, 3.
    name: 'stride larger than the kernel (k=1, s=3, SAME, 5x5)',
    x: iota([1, 5, 5, 1], 0),
    dw: scalarFilter(1),
    pw: scalarFilter(1),
    options: { strides: [3, 3], padding: 'SAME' },
    expected: tensor([1, 2, 2, 1], [0, 3, 15, 18]),
  },
  {
    // 2x2 image [[1,2],[3,4]], 5x5 kernel w[a][b] = 5a+b, SAME: total pad 1+5-2 = 4 -> 2 before.
    // y[i][j] = sum_{r,c} x[r][c] * w[r-i+2][c-j+2]:
    //   y00 = 1*w22 + 2*w23 + 3*w32 + 4*w33 = 12+26+51+72 = 161
    //   y01 = 1*w21 + 2*w22 + 3*w31 + 4*w32 = 11+24+48+68 = 151
    //   y10 = 1*w12 + 2*w13 + 3*w22 + 4*w23 =  7+16+36+52 = 111
    //   y11 = 1*w11 + 2*w12 + 3*w21 + 4*w22 =  6+14+33+48 = 101
    name: 'kernel larger than the input under SAME (2x2 image, 5x5 kernel)',
    x: iota([1, 2, 2, 1]),
    dw: iota([5, 5, 1, 1], 0),
    pw: scalarFilter(1),
    options: { strides: 1, padding: 'same' },
    expected: tensor([1, 2, 2, 1], [161, 151, 111, 101]),
  },
  {
    // 1x1 image, 3x3 kernel 1..9, SAME: pad 1 each side, only the kernel centre (5) sees the pixel.
    name: 'kernel larger than a 1x1 input under SAME uses the kernel centre',
    x: tensor([1, 1, 1, 1], [5]),
    dw: iota([3, 3, 1, 1]),
    pw: scalarFilter(1),
    options: { strides: 1, padding: 'SAME' },
    expected: tensor([1, 1, 1, 1], [25]),
  },
  {
    // One pixel, channels [1, 10], M=2: dw[q][r] = [[1,2],[3,4]] gives depthwise channels
    // q*M+r = [1*1, 1*2, 10*3, 10*4] = [1, 2, 30, 40] (r*C+q order would give [1, 30, 2, 40]).
    // pw[qr][k]: column 0 = [1, 10, 100, 1000], column 1 = [1, 1, 1, 1]
    //   -> [1 + 20 + 3000 + 40000, 1 + 2 + 30 + 40] = [43021, 73].
    name: 'channel multiplier order is q*M+r and pointwise is [1,1,C*M,O]',
    x: tensor([1, 1, 1, 2], [1, 10]),
    dw: tensor([1, 1, 2, 2], [1, 2, 3, 4]),
    pw: tensor([1, 1, 4, 2], [1, 1, 10, 1, 100, 1, 1000, 1]),
    options: { strides: 1, padding: 'VALID' },
    expected: tensor([1, 1, 1, 2], [43021, 73]),
  },
  {
    // The same numbers as above, but with an identity pointwise: the intermediate is exposed.
    name: 'channel multiplier order with an identity pointwise',
    x: tensor([1, 1, 1, 2], [1, 10]),
    dw: tensor([1, 1, 2, 2], [1, 2, 3, 4]),
    pw: tensor([1, 1, 4, 4], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]),
    options: { strides: 1, padding: 'VALID' },
    expected: tensor([1, 1, 1, 4], [1, 2, 30, 40]),
  },
  {
    // 3x3 image 1..9, 2x2 ones, explicit pads top 1, bottom 0, left 0, right 1:
    // out floor((3+1+0-2)/1)+1 = 3 each way; row 0 sees the zero row on top.
    name: 'explicit padding (top 1, right 1), NHWC order',
    x: iota([1, 3, 3, 1]),
    dw: ones([2, 2, 1, 1]),
    pw: scalarFilter(1),
    options: { strides: 1, padding: [[0, 0], [1, 0], [0, 1], [0, 0]] },
    expected: tensor([1, 3, 3, 1], [3, 5, 3, 12, 16, 9, 24, 28, 15]),
  },
  {
    // Same problem in NCHW: pads and strides are given in NCHW order, filters keep their layout.
    name: 'explicit padding (top 1, right 1), NCHW order',
    x: iota([1, 1, 3, 3]),
    dw: ones([2, 2, 1, 1]),
    pw: scalarFilter(1),
    options: { strides: [1, 1, 1, 1], padding: [[0, 0], [0, 0], [1, 0], [0, 1]], dataFormat: 'NCHW' },
    expected: tensor([1, 1, 3, 3], [3, 5, 3, 12, 16, 9, 24, 28, 15]),
  },
  {
    // Row [1,2,3,4,5], kernel [1,10] with dilation 2: y[j] = x[j] + 10*x[j+2]. VALID: 3 outputs.
    name: 'dilation 2 along the width, VALID',
    x: iota([1, 1, 5, 1]),
    dw: tensor([1, 2, 1, 1], [1, 10]),
    pw: scalarFilter(1),
    options: { strides: 1, padding: 'VALID', dilations: [1, 2] },
    expected: tensor([1, 1, 3, 1], [31, 42, 53]),
  },
  {
    // Same with SAME: effective kernel 3, total pad 2 -> 1 before: y[j] = x[j-1] + 10*x[j+1].
    name: 'dilation 2 along the width, SAME',
    x: iota([1, 1, 5, 1]),
    dw: tensor([1, 2, 1, 1], [1, 10]),
    pw: scalarFilter(1),
    options: { strides: 1, padding: 'SAME', dilations: [1, 2] },
    expected: tensor([1, 1, 5, 1], [20, 31, 42, 53, 4]),
  },
  {
    // Two images in a batch: the second is the first plus 100, so each 2x2 VALID sum grows by 400.
    name: 'batch elements are independent',
    x: tensor([2, 2, 2, 1], [1, 2, 3, 4, 101, 102, 103, 104]),
    dw: ones([2, 2, 1, 1]),
    pw: scalarFilter(1),
    options: { strides: 1, padding: 'VALID' },
    expected: tensor([2, 1, 1, 1], [10, 410]),
  },
];

/** NHWC <-> NCHW transposes, written out so the NCHW test does not trust the library's. */
function nhwcToNchw({ data, shape: [n, h, w, c] }) {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) {
    out[((b * c + k) * h + y) * w + x] = data[((b * h + y) * w + x) * c + k];
  }
  return { data: out, shape: [n, c, h, w] };
}

function expectMatches(got, expected) {
  expect(Array.from(got.shape)).toEqual(expected.shape);
  expect(got.data).toBeInstanceOf(Float32Array);
  expect(mismatch(got, expected)).toBeNull();
}

beforeAll(() => init());
afterAll(() => dispose());

describe('hand-computed cases', () => {
  test.each(CASES)('$name (async)', async ({ x, dw, pw, options, expected }) => {
    expectMatches(await separableConv2d(x, dw, pw, options), expected);
  });

  test.each(CASES)('$name (sync)', ({ x, dw, pw, options, expected }) => {
    expectMatches(separableConv2dSync(x, dw, pw, options), expected);
  });

  test.each(CASES.filter((c) => (c.options.dataFormat || 'NHWC') === 'NHWC'))(
    '$name, run as NCHW, gives the transposed result', async ({ x, dw, pw, options, expected }) => {
      // Strides and explicit pads move to NCHW positions; filters do not change layout.
      const nchwOptions = { ...options, dataFormat: 'NCHW' };
      if (Array.isArray(options.strides) && options.strides.length === 4) {
        nchwOptions.strides = [1, 1, options.strides[1], options.strides[2]];
      }
      if (Array.isArray(options.padding)) {
        nchwOptions.padding = [[0, 0], [0, 0], options.padding[1], options.padding[2]];
      }
      expectMatches(await separableConv2d(nhwcToNchw(x), dw, pw, nchwOptions), nhwcToNchw(expected));
    });
});

describe('NCHW', () => {
  test('a random strided, padded, multi-channel problem in NCHW is the transpose of NHWC', async () => {
    const cfg = {
      ...drawConfig(99),
      dataFormat: 'NHWC', N: 2, H: 9, W: 7, C: 3, M: 2, O: 5, KH: 3, KW: 2,
      strides: [2, 1], dilations: [1, 1], stridesForm: 'four', dilationsForm: 'omitted',
      padding: [[1, 2], [0, 1]],
    };
    const t = tensorsFor(cfg);
    const nhwc = await separableConv2d(t.x, t.depthwise, t.pointwise, apiOptions(cfg));
    const nchwCfg = { ...cfg, dataFormat: 'NCHW' };
    const nchw = await separableConv2d(nhwcToNchw(t.x), t.depthwise, t.pointwise, apiOptions(nchwCfg));
    expect(nchw.shape).toEqual([2, 5, 5, 7]); // H: floor((9+3-3)/2)+1 = 5; W: floor((7+1-2)/1)+1 = 7
    expect(mismatch(nchw, nhwcToNchw(nhwc))).toBeNull();
  });
});

describe('non-finite values propagate as in TensorFlow', () => {
  test('a NaN pixel makes every output whose window covers it NaN, and only those', async () => {
    // 3x4 image of ones with NaN at (1,1); 2x2 ones kernel, VALID -> 2x3 outputs.
    // Windows at (0,0),(0,1),(1,0),(1,1) cover (1,1); (0,2) and (1,2) do not and sum to 4.
    const x = ones([1, 3, 4, 1]);
    x.data[1 * 4 + 1] = NaN;
    const y = await separableConv2d(x, ones([2, 2, 1, 1]), scalarFilter(1), { strides: 1, padding: 'VALID' });
    expect(Array.from(y.data)).toEqual([NaN, NaN, 4, NaN, NaN, 4]);
  });

  test('Infinity in the input gives Infinity where it is summed with finite values', async () => {
    const x = tensor([1, 1, 3, 1], [1, Infinity, 2]);
    const y = await separableConv2d(x, tensor([1, 2, 1, 1], [1, 1]), scalarFilter(1), { strides: 1, padding: 'VALID' });
    expect(Array.from(y.data)).toEqual([Infinity, Infinity]);
  });
});

describe('empty batch', () => {
  test.each([
    ['NHWC', [0, 5, 5, 3], [0, 3, 3, 4]],
    ['NCHW', [0, 3, 5, 5], [0, 4, 3, 3]],
  ])('N = 0 in %s gives an empty result of shape %j -> %j', async (dataFormat, xShape, yShape) => {
    const x = { data: new Float32Array(0), shape: xShape };
    const dw = ones([3, 3, 3, 2]);
    const pw = ones([1, 1, 6, 4]);
    const options = { strides: 2, padding: 'SAME', dataFormat }; // 5 -> ceil(5/2) = 3
    for (const y of [await separableConv2d(x, dw, pw, options), separableConv2dSync(x, dw, pw, options)]) {
      expect(Array.from(y.shape)).toEqual(yShape);
      expect(y.data).toBeInstanceOf(Float32Array);
      expect(y.data.length).toBe(0);
    }
  });
});

describe('input and output buffers', () => {
  const boxCase = CASES[1];

  test('Float64Array data is accepted for the input and both filters', async () => {
    const f64 = (t) => ({ data: Float64Array.from(t.data), shape: t.shape });
    const y = await separableConv2d(f64(boxCase.x), f64(boxCase.dw), f64(boxCase.pw), boxCase.options);
    expectMatches(y, boxCase.expected);
    expectMatches(separableConv2dSync(f64(boxCase.x), boxCase.dw, f64(boxCase.pw), boxCase.options), boxCase.expected);
  });

  test('the call does not modify its inputs', async () => {
    const x = iota([1, 4, 4, 1]);
    const dw = tensor([2, 2, 1, 1], [1, 2, 3, 4]);
    const pw = scalarFilter(1);
    const before = [x, dw, pw].map((t) => ({ data: Float32Array.from(t.data), shape: [...t.shape] }));
    await separableConv2d(x, dw, pw, { strides: 1, padding: 'SAME' });
    expect([x, dw, pw]).toEqual(before);
  });

  test('the result is its own array, not a view of wasm memory', async () => {
    const { x, dw, pw, options, expected } = boxCase;
    const first = await separableConv2d(x, dw, pw, options);
    // Threaded wasm memory is a SharedArrayBuffer; a view into it would be overwritten later.
    expect(first.data.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    const firstCopy = Float32Array.from(first.data);

    // Mutating a result must not leak into later calls...
    first.data.fill(-999);
    expectMatches(await separableConv2d(x, dw, pw, options), expected);

    // ...and later calls (same and different shapes, sync and async) must not change an earlier result.
    const second = await separableConv2d(x, dw, pw, options);
    await separableConv2d(ones([1, 4, 4, 1]), ones([3, 3, 1, 1]), scalarFilter(7), options);
    separableConv2dSync(iota([2, 6, 6, 1]), ones([3, 3, 1, 1]), scalarFilter(-1), options);
    expect(second.data).toEqual(firstCopy);
  });
});
