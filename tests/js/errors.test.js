'use strict';
// Every invalid argument must surface as a SeparableConv2dError with a stable
// `code` and a message that names the argument and shows what was given — via a
// thrown error (sync) and a rejected promise (async), never a wasm trap, a wrong
// answer or a silent reinterpretation (e.g. TensorFlow running a grouped
// convolution when the pointwise filter has C channels instead of C*M).

const {
  init, separableConv2d, separableConv2dSync, SeparableConv2dError, dispose, getMemoryInfo,
} = require('../../js/index.js');
const { mismatch } = require('./compare');

const f32 = (shape, fill = 0.5) => {
  const size = shape.reduce((a, b) => a * b, 1);
  return { data: new Float32Array(Math.max(size, 0)).fill(fill), shape };
};

// A valid baseline call (x 5x5 with C=2, 3x3 depthwise with M=2, pointwise 4 -> 3);
// each case below changes exactly one thing, so exactly one error applies.
const BASE = {
  x: f32([1, 5, 5, 2]),
  dw: f32([3, 3, 2, 2]),
  pw: f32([1, 1, 4, 3]),
  options: { strides: [1, 1, 1, 1], padding: 'SAME' },
};

/**
 * A case: { title, code, mentions: strings/regexps the message must contain,
 *           actual?: the offending value (the message must show it), and the
 *           overrides x / dw / pw / options (options are merged into BASE's unless
 *           `replaceOptions` is set, to model missing or non-object options) }.
 */
function build(c) {
  let options;
  if ('replaceOptions' in c) options = c.replaceOptions;
  else options = { ...BASE.options, ...c.options };
  return {
    x: 'x' in c ? c.x : BASE.x,
    dw: 'dw' in c ? c.dw : BASE.dw,
    pw: 'pw' in c ? c.pw : BASE.pw,
    options,
  };
}

// Non-tensor values the checks must reject without touching .data / .shape blindly.
const BAD_TENSOR_CASES = [
  { title: 'input is null', x: null, mentions: ['input'] },
  { title: 'input is undefined', x: undefined, mentions: ['input'] },
  { title: 'input is a bare Float32Array', x: new Float32Array(50), mentions: ['input'] },
  { title: 'input is a number', x: 7, mentions: ['input'] },
  { title: 'input has no data', x: { shape: [1, 5, 5, 2] }, mentions: ['input'] },
  { title: 'input has no shape', x: { data: new Float32Array(50) }, mentions: ['input'] },
  {
    title: 'input data shorter than its shape',
    x: { data: new Float32Array(49), shape: [1, 5, 5, 2] }, mentions: ['input', '49', '50'],
  },
  {
    title: 'input data longer than its shape',
    x: { data: new Float32Array(51), shape: [1, 5, 5, 2] }, mentions: ['input', '51', '50'],
  },
  { title: 'depthwiseFilter is null', dw: null, mentions: ['depthwiseFilter'] },
  {
    title: 'depthwiseFilter data length wrong',
    dw: { data: new Float32Array(35), shape: [3, 3, 2, 2] }, mentions: ['depthwiseFilter', '35', '36'],
  },
  { title: 'pointwiseFilter is a string', pw: 'weights', mentions: ['pointwiseFilter'] },
  {
    title: 'pointwiseFilter data length wrong',
    pw: { data: new Float32Array(13), shape: [1, 1, 4, 3] }, mentions: ['pointwiseFilter', '13', '12'],
  },
].map((c) => ({ ...c, code: 'BAD_TENSOR' }));

const BAD_DTYPE_CASES = [
  { title: 'input data is a plain array', x: { data: new Array(50).fill(1), shape: [1, 5, 5, 2] }, mentions: ['input'] },
  { title: 'input data is an Int32Array', x: { data: new Int32Array(50), shape: [1, 5, 5, 2] }, mentions: ['input', /Int32Array/] },
  { title: 'input data is a Uint8Array', x: { data: new Uint8Array(50), shape: [1, 5, 5, 2] }, mentions: ['input', /Uint8Array/] },
  { title: 'depthwiseFilter data is an Int16Array', dw: { data: new Int16Array(36), shape: [3, 3, 2, 2] }, mentions: ['depthwiseFilter'] },
  { title: 'pointwiseFilter data is a plain array', pw: { data: new Array(12).fill(1), shape: [1, 1, 4, 3] }, mentions: ['pointwiseFilter'] },
].map((c) => ({ ...c, code: 'BAD_DTYPE' }));

const BAD_SHAPE_CASES = [
  { title: 'input rank 3', x: f32([5, 5, 2]), mentions: ['input'], actual: [5, 5, 2] },
  { title: 'input rank 5', x: f32([1, 1, 5, 5, 2]), mentions: ['input'], actual: [1, 1, 5, 5, 2] },
  { title: 'input shape not an array', x: { data: new Float32Array(50), shape: 50 }, mentions: ['input'] },
  { title: 'input negative height', x: { data: new Float32Array(50), shape: [1, -5, 5, 2] }, mentions: ['input'], actual: [1, -5, 5, 2] },
  { title: 'input negative batch', x: { data: new Float32Array(50), shape: [-1, 5, 5, 2] }, mentions: ['input'], actual: [-1, 5, 5, 2] },
  // 1 * 2.5 * 4 * 2 = 20 elements, so only the fractional dimension is wrong.
  { title: 'input fractional height', x: { data: new Float32Array(20), shape: [1, 2.5, 4, 2] }, mentions: ['input', '2.5'] },
  { title: 'input NaN width', x: { data: new Float32Array(50), shape: [1, 5, NaN, 2] }, mentions: ['input', 'NaN'] },
  { title: 'input string dimension', x: { data: new Float32Array(50), shape: [1, '5', 5, 2] }, mentions: ['input'] },
  { title: 'input zero height', x: f32([1, 0, 5, 2]), mentions: ['input'], actual: [1, 0, 5, 2] },
  { title: 'input zero width', x: f32([1, 5, 0, 2]), mentions: ['input'], actual: [1, 5, 0, 2] },
  { title: 'input zero channels', x: f32([1, 5, 5, 0]), dw: f32([3, 3, 0, 2]), pw: f32([1, 1, 0, 3]), mentions: ['input'] },
  { title: 'input channels != depthwise C', dw: f32([3, 3, 3, 2]), pw: f32([1, 1, 6, 3]), mentions: [/depthwiseFilter|input/], actual: [3, 3, 3, 2] },
  {
    // Under NHWC this input would have 5 channels and match; under NCHW it has 2.
    title: 'NCHW input channels (dim 1) != depthwise C',
    x: f32([1, 2, 5, 5]), dw: f32([3, 3, 5, 1]), pw: f32([1, 1, 5, 3]),
    options: { dataFormat: 'NCHW' }, mentions: [/depthwiseFilter|input/],
  },
  { title: 'depthwiseFilter rank 3', dw: f32([3, 3, 2]), mentions: ['depthwiseFilter'], actual: [3, 3, 2] },
  { title: 'depthwiseFilter zero height', dw: f32([0, 3, 2, 2]), mentions: ['depthwiseFilter'], actual: [0, 3, 2, 2] },
  { title: 'depthwiseFilter zero multiplier', dw: f32([3, 3, 2, 0]), pw: f32([1, 1, 0, 3]), mentions: ['depthwiseFilter'], actual: [3, 3, 2, 0] },
  { title: 'depthwiseFilter fractional width', dw: { data: new Float32Array(6), shape: [1, 1.5, 2, 2] }, mentions: ['depthwiseFilter', '1.5'] },
  { title: 'pointwiseFilter rank 2', pw: f32([4, 3]), mentions: ['pointwiseFilter'], actual: [4, 3] },
  { title: 'pointwiseFilter spatial 3x1', pw: f32([3, 1, 4, 3]), mentions: ['pointwiseFilter'], actual: [3, 1, 4, 3] },
  { title: 'pointwiseFilter spatial 1x2', pw: f32([1, 2, 4, 3]), mentions: ['pointwiseFilter'], actual: [1, 2, 4, 3] },
  {
    // TensorFlow's conv2d would silently run a grouped convolution here; we must refuse.
    title: 'pointwiseFilter third dim C (2) instead of C*M (4)',
    pw: f32([1, 1, 2, 3]), mentions: ['pointwiseFilter', '4'], actual: [1, 1, 2, 3],
  },
  { title: 'pointwiseFilter third dim larger than C*M', pw: f32([1, 1, 8, 3]), mentions: ['pointwiseFilter', '4'], actual: [1, 1, 8, 3] },
  { title: 'pointwiseFilter zero output channels', pw: f32([1, 1, 4, 0]), mentions: ['pointwiseFilter'], actual: [1, 1, 4, 0] },
].map((c) => ({ ...c, code: 'BAD_SHAPE' }));

const BAD_STRIDES_CASES = [
  { title: 'length 3', options: { strides: [1, 2, 2] }, actual: [1, 2, 2] },
  { title: 'length 5', options: { strides: [1, 1, 1, 1, 1] }, actual: [1, 1, 1, 1, 1] },
  { title: 'empty array', options: { strides: [] }, actual: [] },
  { title: 'batch stride 2 (NHWC [2,1,1,1])', options: { strides: [2, 1, 1, 1] }, actual: [2, 1, 1, 1] },
  { title: 'channel stride 2 (NHWC [1,1,1,2])', options: { strides: [1, 1, 1, 2] }, actual: [1, 1, 1, 2] },
  {
    // [1,2,2,1] is fine for NHWC, but in NCHW order its last entry is the width and index 1 the channels.
    title: 'NHWC-style [1,2,2,1] under NCHW (channel stride 2)',
    x: f32([1, 2, 5, 5]), options: { strides: [1, 2, 2, 1], dataFormat: 'NCHW' }, actual: [1, 2, 2, 1],
  },
  { title: 'NCHW batch stride', x: f32([1, 2, 5, 5]), options: { strides: [2, 1, 1, 1], dataFormat: 'NCHW' }, actual: [2, 1, 1, 1] },
  { title: 'zero', options: { strides: 0 }, actual: 0 },
  { title: 'negative', options: { strides: -1 }, actual: -1 },
  { title: 'fractional', options: { strides: 1.5 }, actual: 1.5 },
  { title: 'NaN', options: { strides: NaN }, actual: NaN },
  { title: 'Infinity', options: { strides: Infinity }, actual: Infinity },
  { title: 'a string', options: { strides: '2' } },
  { title: 'zero in a pair', options: { strides: [0, 1] }, actual: [0, 1] },
  { title: 'negative in a pair', options: { strides: [1, -2] }, actual: [1, -2] },
  { title: 'fractional in a pair', options: { strides: [1, 1.5] }, actual: [1, 1.5] },
  { title: 'zero spatial stride in the 4-form', options: { strides: [1, 0, 1, 1] }, actual: [1, 0, 1, 1] },
  { title: 'zero spatial stride in the NCHW 4-form', x: f32([1, 2, 5, 5]), options: { strides: [1, 1, 0, 1], dataFormat: 'NCHW' }, actual: [1, 1, 0, 1] },
].map((c) => ({ ...c, code: 'BAD_STRIDES', mentions: ['strides'] }));

const BAD_DILATIONS_CASES = [
  { title: 'zero', options: { dilations: 0 }, actual: 0 },
  { title: 'negative', options: { dilations: -2 }, actual: -2 },
  { title: 'fractional', options: { dilations: 1.5 }, actual: 1.5 },
  { title: 'zero in a pair', options: { dilations: [2, 0] }, actual: [2, 0] },
  { title: 'fractional in a pair', options: { dilations: [1, 2.5] }, actual: [1, 2.5] },
  { title: 'length 3', options: { dilations: [1, 2, 3] }, actual: [1, 2, 3] },
  { title: 'length 1', options: { dilations: [2] }, actual: [2] },
  { title: 'a string', options: { dilations: '2' } },
  // TensorFlow forbids dilation > 1 together with stride > 1.
  { title: 'dilation 2 with stride 2', options: { strides: 2, dilations: 2 }, mentionsAlso: ['strides'] },
  { title: 'dilation [1,2] with stride [2,1]', options: { strides: [2, 1], dilations: [1, 2] }, mentionsAlso: ['strides'] },
  { title: 'dilation 3 with NHWC strides [1,1,2,1]', options: { strides: [1, 1, 2, 1], dilations: [3, 1] }, mentionsAlso: ['strides'] },
].map((c) => ({ ...c, code: 'BAD_DILATIONS', mentions: ['dilations', ...(c.mentionsAlso || [])] }));

const BAD_PADDING_CASES = [
  { title: 'unknown string', options: { padding: 'FULL' }, actual: 'FULL' },
  { title: 'misspelt SAME', options: { padding: 'SAMEE' }, actual: 'SAMEE' },
  { title: 'empty string', options: { padding: '' } },
  { title: 'EXPLICIT as a string', options: { padding: 'EXPLICIT' }, actual: 'EXPLICIT' },
  { title: 'a number', options: { padding: 1 }, actual: 1 },
  { title: 'an object', options: { padding: { top: 1 } } },
  { title: 'explicit with 3 pairs', options: { padding: [[0, 0], [1, 1], [1, 1]] }, actual: [[0, 0], [1, 1], [1, 1]] },
  { title: 'explicit with 5 pairs', options: { padding: [[0, 0], [1, 1], [1, 1], [0, 0], [0, 0]] } },
  { title: 'explicit pair of length 1', options: { padding: [[0, 0], [1], [1, 1], [0, 0]] }, actual: [[0, 0], [1], [1, 1], [0, 0]] },
  { title: 'explicit pair of length 3', options: { padding: [[0, 0], [1, 1, 1], [1, 1], [0, 0]] } },
  { title: 'explicit flat list', options: { padding: [0, 0, 1, 1, 1, 1, 0, 0] } },
  { title: 'explicit negative pad', options: { padding: [[0, 0], [-1, 0], [0, 0], [0, 0]] }, actual: [[0, 0], [-1, 0], [0, 0], [0, 0]] },
  { title: 'explicit fractional pad', options: { padding: [[0, 0], [0, 0], [0.5, 0], [0, 0]] }, actual: [[0, 0], [0, 0], [0.5, 0], [0, 0]] },
  { title: 'explicit NaN pad', options: { padding: [[0, 0], [NaN, 0], [0, 0], [0, 0]] } },
  { title: 'explicit string pad', options: { padding: [[0, 0], ['1', 0], [0, 0], [0, 0]] } },
  { title: 'explicit nonzero batch pad', options: { padding: [[1, 0], [0, 0], [0, 0], [0, 0]] }, actual: [[1, 0], [0, 0], [0, 0], [0, 0]] },
  { title: 'explicit nonzero channel pad (NHWC last)', options: { padding: [[0, 0], [0, 0], [0, 0], [0, 1]] }, actual: [[0, 0], [0, 0], [0, 0], [0, 1]] },
  {
    // Index 1 is the channel axis in NCHW, so NHWC-style pads are invalid there.
    title: 'NHWC-style explicit pads under NCHW (channel pad)',
    x: f32([1, 2, 5, 5]), options: { dataFormat: 'NCHW', padding: [[0, 0], [1, 1], [1, 1], [0, 0]] },
    actual: [[0, 0], [1, 1], [1, 1], [0, 0]],
  },
].map((c) => ({ ...c, code: 'BAD_PADDING', mentions: ['padding'] }));

const BAD_DATA_FORMAT_CASES = [
  { title: "'NWHC'", options: { dataFormat: 'NWHC' }, actual: 'NWHC' },
  { title: "'CHWN'", options: { dataFormat: 'CHWN' }, actual: 'CHWN' },
  { title: "'NDHWC'", options: { dataFormat: 'NDHWC' }, actual: 'NDHWC' },
  { title: 'empty string', options: { dataFormat: '' } },
  { title: 'a number', options: { dataFormat: 4 }, actual: 4 },
  { title: 'null', options: { dataFormat: null }, actual: null },
].map((c) => ({ ...c, code: 'BAD_DATA_FORMAT', mentions: ['dataFormat'] }));

const BAD_OUTPUT_SIZE_CASES = [
  {
    // VALID, 2x2 input, 3x3 kernel: height ceil((2-3+1)/1) = 0.
    title: 'VALID with a kernel larger than the input',
    x: f32([1, 2, 2, 2]), options: { padding: 'VALID' }, mentions: [/height|width/i],
  },
  {
    // Height: input 4, kernel 3 with dilation 2 -> effective 5, VALID -> 0. Width 9 is fine.
    title: 'VALID with a dilated kernel larger than the input height (message states sizes)',
    x: f32([1, 4, 9, 2]), options: { padding: 'VALID', strides: 1, dilations: [2, 1] },
    mentions: [/height/i, /\b0\b/, /\b4\b/, /\b5\b/, /\b1\b/],
  },
  {
    // Width: input 3, kernel 5 (effective 5), stride 2, VALID: ceil((3-5+1)/2) = 0. Height 9 is fine.
    title: 'VALID with a kernel wider than the input (message states sizes)',
    x: f32([1, 9, 3, 2]), dw: f32([1, 5, 2, 2]), options: { padding: 'VALID', strides: [1, 2, 2, 1] },
    mentions: [/width/i, /\b0\b/, /\b3\b/, /\b5\b/, /\b2\b/],
  },
  {
    // Explicit pads 1+1 on height 2 with a 5x5 kernel: floor((2+2-5)/1)+1 = 0.
    title: 'explicit pads too small for the kernel',
    x: f32([1, 2, 9, 2]), dw: f32([5, 5, 2, 2]), options: { padding: [[0, 0], [1, 1], [2, 2], [0, 0]] },
    mentions: [/height/i],
  },
  {
    // Same in NCHW order: floor((2+2-5)/2)+1 = 0 with stride 2.
    title: 'explicit pads too small for the kernel, NCHW, stride 2',
    x: f32([1, 2, 2, 9]), dw: f32([5, 5, 2, 2]),
    options: { dataFormat: 'NCHW', strides: [1, 1, 2, 2], padding: [[0, 0], [0, 0], [1, 1], [2, 2]] },
    mentions: [/height/i],
  },
].map((c) => ({ ...c, code: 'BAD_OUTPUT_SIZE' }));

const BAD_OPTIONS_CASES = [
  { title: 'options missing', replaceOptions: undefined, mentions: [/options|strides|padding/] },
  { title: 'options null', replaceOptions: null, mentions: [/options/] },
  { title: 'options empty', replaceOptions: {}, mentions: [/strides|padding/] },
  { title: 'strides missing', replaceOptions: { padding: 'SAME' }, mentions: ['strides'] },
  { title: 'padding missing', replaceOptions: { strides: 1 }, mentions: ['padding'] },
].map((c) => ({ ...c, code: 'BAD_OPTIONS' }));

const ALL_CASES = [
  ...BAD_TENSOR_CASES, ...BAD_DTYPE_CASES, ...BAD_SHAPE_CASES, ...BAD_STRIDES_CASES,
  ...BAD_DILATIONS_CASES, ...BAD_PADDING_CASES, ...BAD_DATA_FORMAT_CASES,
  ...BAD_OUTPUT_SIZE_CASES, ...BAD_OPTIONS_CASES,
].map((c) => ({ ...c, label: `${c.code}: ${c.title}` }));

/** How the message is expected to show an offending value, ignoring whitespace. */
function rendered(value) {
  if (typeof value === 'number' || typeof value === 'string' || value === null) return String(value);
  return JSON.stringify(value);
}

function expectDescriptiveError(error, c, name) {
  expect(error).toBeInstanceOf(SeparableConv2dError);
  expect(error).toBeInstanceOf(Error);
  expect(error.name).toBe('SeparableConv2dError');
  expect({ code: error.code, message: error.message }).toEqual({ code: c.code, message: expect.any(String) });
  for (const m of c.mentions) {
    if (m instanceof RegExp) expect(error.message).toMatch(m);
    else expect(error.message).toContain(m);
  }
  if ('actual' in c) expect(error.message.replace(/\s+/g, '')).toContain(rendered(c.actual));
  if (name) expect(error.message).toContain(name);
}

function syncError(args) {
  try {
    separableConv2dSync(args.x, args.dw, args.pw, args.options);
  } catch (error) {
    return error;
  }
  throw new Error('separableConv2dSync did not throw');
}

async function asyncError(args) {
  let promise;
  // The async API must report argument errors by rejecting, not by throwing synchronously.
  expect(() => { promise = separableConv2d(args.x, args.dw, args.pw, args.options); }).not.toThrow();
  expect(promise).toBeInstanceOf(Promise);
  return promise.then(
    () => { throw new Error('separableConv2d resolved'); },
    (error) => error,
  );
}

beforeAll(() => init());
afterAll(() => dispose());

test('the baseline call used by every case is valid', async () => {
  const y = await separableConv2d(BASE.x, BASE.dw, BASE.pw, BASE.options);
  expect(y.shape).toEqual([1, 5, 5, 3]);
});

describe('invalid arguments (async rejects)', () => {
  test.each(ALL_CASES)('$label', async (c) => {
    expectDescriptiveError(await asyncError(build(c)), c);
  });
});

describe('invalid arguments (sync throws)', () => {
  test.each(ALL_CASES)('$label', (c) => {
    expectDescriptiveError(syncError(build(c)), c);
  });
});

describe('the name option appears in error messages', () => {
  // The first case of each code, given a name.
  const oneOfEach = ALL_CASES.filter((c, i) => !('replaceOptions' in c) &&
    ALL_CASES.findIndex((d) => d.code === c.code && !('replaceOptions' in d)) === i);
  test.each(oneOfEach)('$code', async (c) => {
    const args = build({ ...c, options: { ...c.options, name: 'block1' } });
    expectDescriptiveError(await asyncError(args), c, 'block1');
    expectDescriptiveError(syncError(args), c, 'block1');
  });

  test('BAD_OPTIONS (strides missing)', async () => {
    const c = { code: 'BAD_OPTIONS', mentions: ['strides'] };
    const args = build({ replaceOptions: { padding: 'SAME', name: 'block1' } });
    expectDescriptiveError(await asyncError(args), c, 'block1');
    expectDescriptiveError(syncError(args), c, 'block1');
  });
});

describe('valid spellings are not rejected', () => {
  // Guards against over-strict validation: every accepted form from the contract.
  test.each([
    ['strides as a number', { strides: 1 }],
    ['strides as [sh, sw]', { strides: [1, 2] }],
    ['NHWC strides [1,sh,sw,1]', { strides: [1, 2, 1, 1] }],
    ['lower-case padding', { padding: 'valid' }],
    ['mixed-case padding', { padding: 'Same' }],
    ['explicit zero pads', { padding: [[0, 0], [0, 0], [0, 0], [0, 0]] }],
    ['dilations as a number', { dilations: 2 }],
    ['dilations [1, 1] with strides 2', { strides: 2, dilations: [1, 1] }],
    ['explicit dataFormat NHWC', { dataFormat: 'NHWC' }],
  ])('%s', async (_, options) => {
    const y = await separableConv2d(BASE.x, BASE.dw, BASE.pw, { ...BASE.options, ...options });
    expect(y.data).toBeInstanceOf(Float32Array);
  });

  test('NCHW strides [1,1,sh,sw] and NCHW explicit pads', async () => {
    const y = await separableConv2d(f32([1, 2, 5, 5]), BASE.dw, BASE.pw, {
      dataFormat: 'NCHW', strides: [1, 1, 2, 1], padding: [[0, 0], [0, 0], [1, 1], [0, 0]],
    });
    // Height floor((5+2-3)/2)+1 = 3, width floor((5-3)/1)+1 = 3.
    expect(y.shape).toEqual([1, 3, 3, 3]);
  });
});

test('separableConv2dSync before init() throws a SeparableConv2dError instead of crashing', () => {
  jest.isolateModules(() => {
    const fresh = require('../../js/index.js');
    expect(() => fresh.separableConv2dSync(BASE.x, BASE.dw, BASE.pw, BASE.options))
      .toThrow(fresh.SeparableConv2dError);
  });
});

test('the module still computes correct results after all the errors', async () => {
  // 3x3 box sum of a 4x4 image of ones under SAME: corner 4, edge 6, centre 9 (times pw 2).
  const x = f32([1, 4, 4, 1], 1);
  const dw = f32([3, 3, 1, 1], 1);
  const pw = f32([1, 1, 1, 1], 2);
  const expected = {
    shape: [1, 4, 4, 1],
    data: [4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4].map((v) => 2 * v),
  };
  expect(mismatch(await separableConv2d(x, dw, pw, { strides: 1, padding: 'SAME' }), expected)).toBeNull();
  expect(mismatch(separableConv2dSync(x, dw, pw, { strides: 1, padding: 'SAME' }), expected)).toBeNull();
});

test('every invalid call leaves the wasm heap exactly as it was and is followed by a correct result', async () => {
  // 3x3 box sum of a 4x4 image of ones under SAME, as above.
  const x = f32([1, 4, 4, 1], 1);
  const dw = f32([3, 3, 1, 1], 1);
  const pw = f32([1, 1, 1, 1], 2);
  const expected = { shape: [1, 4, 4, 1], data: [4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4].map((v) => 2 * v) };
  const before = getMemoryInfo().heapBytesInUse;
  const problems = [];
  for (const c of ALL_CASES) {
    const args = build(c);
    const sync = syncError(args);
    const async = await asyncError(args);
    for (const [how, error] of [['sync', sync], ['async', async]]) {
      if (!(error instanceof SeparableConv2dError) || error.code !== c.code) problems.push(`${c.label} (${how}): ${error && error.message}`);
    }
    const heap = getMemoryInfo().heapBytesInUse;
    if (heap !== before) problems.push(`${c.label}: ${heap - before} bytes more in use afterwards`);
    const m = mismatch(separableConv2dSync(x, dw, pw, { strides: 1, padding: 'SAME' }), expected);
    if (m) problems.push(`${c.label}: the next call computed wrongly: ${m}`);
  }
  expect(problems).toEqual([]);
});
