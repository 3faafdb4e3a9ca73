'use strict';
// options.outputs of the backward pass: gradients written into the caller's Float32Arrays or
// WasmTensors (for a training loop that allocates nothing per step) are, bit for bit, those of
// the same call without outputs (which match the float64 gradients); the caller's array or
// tensor is what the call returns; a refused output (the input or dy WasmTensor, one tensor for
// two gradients, a wrong shape, dBias as a WasmTensor, a disposed tensor) is never written and
// leaves the heap as it was; a batch of 0 zeroes the outputs it is given.

const {
  init, separableConv2dBackward, separableConv2dBackwardSync, createSeparableConv2d, createWasmTensor,
  getMemoryInfo, dispose,
} = require('../../js/index.js');
const { drawConfig } = require('./random');
const { thrown, rejection, errorSummary, settledHeap } = require('./reliability_util');
const {
  backwardProblem, expectedGradients, gradientProblems, differingBits, describeProblem, withoutGradients, backwardOptions,
} = require('./backward_problem');
const { GRADIENTS } = require('../../js/arguments');

const FIRST_SEED = 1370000;
const CONFIGS = 24;

/** A result as {data, shape}, whether the call returned an array's tensor or a WasmTensor. */
const asArrays = (result) => Object.fromEntries(Object.entries(result).map(([key, t]) => [key, t.read ? { data: t.read(), shape: t.shape } : t]));

beforeAll(async () => {
  await init();
  await settledHeap(getMemoryInfo);
});
afterAll(() => dispose());

test(`outputs as Float32Arrays and WasmTensors: the gradients of the call without them, in the caller's memory (${CONFIGS} configurations)`, async () => {
  const failures = [];
  const before = getMemoryInfo().heapBytesInUse;
  for (let seed = FIRST_SEED; seed < FIRST_SEED + CONFIGS; seed++) {
    const p = backwardProblem(drawConfig(seed));
    const layer = await createSeparableConv2d(p.depthwise, p.pointwise, withoutGradients(p.options));
    const plain = layer.backwardSync(p.x, p.dy, backwardOptions(p.options));
    const wrong = gradientProblems(plain, expectedGradients(p));
    if (wrong.length) failures.push(`${describeProblem(p)}: without outputs: ${wrong.join('; ')}`);
    const keys = Object.keys(plain);
    const nanArrays = () => Object.fromEntries(keys.map((key) => [key, new Float32Array(plain[key].data.length).fill(NaN)]));
    // The 4-D gradients in WasmTensors, dBias (1-D) in an array.
    const tensorOutputs = async () => Object.fromEntries(await Promise.all(keys.map(async (key) => [key, key === 'dBias'
      ? new Float32Array(plain[key].data.length).fill(NaN)
      : await createWasmTensor(plain[key].shape, new Float32Array(plain[key].data.length).fill(NaN))])));
    const forms = {
      'layer.backwardSync, arrays': [nanArrays, (outputs) => layer.backwardSync(p.x, p.dy, { ...backwardOptions(p.options), outputs })],
      'layer.backward, arrays': [nanArrays, (outputs) => layer.backward(p.x, p.dy, { ...backwardOptions(p.options), outputs })],
      'layer.backwardSync, WasmTensors': [tensorOutputs, (outputs) => layer.backwardSync(p.x, p.dy, { ...backwardOptions(p.options), outputs })],
      'separableConv2dBackward, WasmTensors': [tensorOutputs, (outputs) => separableConv2dBackward(p.x, p.depthwise, p.pointwise, p.dy, { ...p.options, outputs })],
      'separableConv2dBackwardSync, arrays': [nanArrays, (outputs) => separableConv2dBackwardSync(p.x, p.depthwise, p.pointwise, p.dy, { ...p.options, outputs })],
    };
    for (const [form, [makeOutputs, call]] of Object.entries(forms)) {
      const outputs = await makeOutputs();
      const got = await call(outputs);
      const notTheirs = keys.filter((key) => (outputs[key].read ? got[key] !== outputs[key] : got[key].data !== outputs[key]));
      if (notTheirs.length) failures.push(`${describeProblem(p)}: ${form}: ${notTheirs.join(', ')} not the caller's output`);
      const differ = differingBits(asArrays(got), plain);
      if (differ.length) failures.push(`${describeProblem(p)}: ${form}: ${differ.join(', ')} differ from the call without outputs`);
      Object.values(outputs).forEach((output) => output.dispose && output.dispose());
    }
    layer.dispose();
  }
  expect(failures).toEqual([]);
  expect(getMemoryInfo().heapBytesInUse).toBe(before);
});

describe('refused outputs: never written, the heap as it was', () => {
  // NHWC, 1x6x7x2, 3x3 depthwise, M = 2, pointwise 4 -> 3, bias, VALID: dy 1x4x5x3.
  const p = backwardProblem({ ...drawConfig(FIRST_SEED + 100), dataFormat: 'NHWC', N: 1, H: 6, W: 7, C: 2, M: 2, O: 3, KH: 3, KW: 3, strides: [1, 1], stridesForm: 'pair', dilations: [1, 1], dilationsForm: 'pair', padding: 'VALID', paddingSpelling: 'VALID' }, { epilogue: { bias: Float32Array.of(0.5, -1, 2) } });
  const SEVEN = 7;
  const filled = (shape) => createWasmTensor(shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(SEVEN));
  const untouched = (tensor) => tensor.read().every((v) => v === SEVEN);

  test.each([
    ['the input WasmTensor as dx', /^BAD_OPTIONS: outputs\.dx is also the input, dy or another gradient's output/, (t) => ({ x: t.x, outputs: { dx: t.x } })],
    ['the dy WasmTensor as dPointwiseFilter', /^BAD_OPTIONS: outputs\.dPointwiseFilter is also the input, dy/, (t) => ({ dy: t.dy, outputs: { dPointwiseFilter: t.dy } })],
    ['one WasmTensor for dx and dDepthwiseFilter', /^BAD_OPTIONS: outputs\.dDepthwiseFilter is also/, (t) => ({ outputs: { dx: t.dx, dDepthwiseFilter: t.dx } })],
    ['a WasmTensor of the wrong shape', /^BAD_TENSOR: outputs\.dDepthwiseFilter must be a WasmTensor of shape \[3,3,2,2\]; got one of shape \[1,1,4,3\]$/, (t) => ({ outputs: { dDepthwiseFilter: t.dPointwiseFilter } })],
    ['dBias as a WasmTensor', /^BAD_TENSOR: outputs\.dBias must be a Float32Array of 3 elements for shape \[3\]; got WasmTensor/, (t) => ({ outputs: { dBias: t.dPointwiseFilter } })],
    ['a disposed WasmTensor', /^DISPOSED: outputs\.dx: this WasmTensor was disposed$/, (t) => ({ outputs: { dx: t.disposed } })],
  ])('%s', async (_, message, argumentsOf) => {
    const layer = await createSeparableConv2d(p.depthwise, p.pointwise, withoutGradients(p.options));
    layer.backwardSync(p.x, p.dy);  // the layer's operators for this shape exist
    const t = {
      x: await filled(p.x.shape), dy: await filled(p.dy.shape), dx: await filled(p.x.shape),
      dPointwiseFilter: await filled([1, 1, 4, 3]), disposed: await filled(p.x.shape),
    };
    t.disposed.dispose();
    const before = getMemoryInfo().heapBytesInUse;
    const { x = p.x, dy = p.dy, outputs } = argumentsOf(t);
    expect(errorSummary(thrown(() => layer.backwardSync(x, dy, { outputs })))).toMatch(message);
    expect(errorSummary(await rejection(layer.backward(x, dy, { outputs })))).toMatch(message);
    if (x === p.x) {  // the one-shot call takes x as {data, shape} only
      expect(errorSummary(await rejection(separableConv2dBackward(x, p.depthwise, p.pointwise, dy, { ...withoutGradients(p.options), outputs })))).toMatch(message);
    }
    expect(getMemoryInfo().heapBytesInUse).toBe(before);
    for (const key of ['x', 'dy', 'dx', 'dPointwiseFilter']) expect([key, untouched(t[key])]).toEqual([key, true]);
    for (const key of ['x', 'dy', 'dx', 'dPointwiseFilter']) t[key].dispose();
    layer.dispose();
  });
});

test('a batch of 0 zeroes the outputs it is given (empty dx, zero filter and bias gradients)', async () => {
  const p = backwardProblem({ ...drawConfig(FIRST_SEED + 200), dataFormat: 'NHWC', N: 1, H: 5, W: 5, C: 3, M: 1, O: 2, KH: 3, KW: 3, strides: [1, 1], stridesForm: 'pair', dilations: [1, 1], dilationsForm: 'pair', padding: 'SAME', paddingSpelling: 'SAME' }, { epilogue: { bias: Float32Array.of(1, 2) } });
  const layer = await createSeparableConv2d(p.depthwise, p.pointwise, withoutGradients(p.options));
  const dDepthwiseFilter = await createWasmTensor([3, 3, 3, 1], new Float32Array(27).fill(5));
  const outputs = { dDepthwiseFilter, dPointwiseFilter: new Float32Array(6).fill(5), dBias: new Float32Array(2).fill(5), dx: new Float32Array(0) };
  const empty = (shape) => ({ data: new Float32Array(0), shape });
  const got = await layer.backward(empty([0, 5, 5, 3]), empty([0, 5, 5, 2]), { outputs });
  expect(got.dDepthwiseFilter).toBe(dDepthwiseFilter);
  expect(got.dPointwiseFilter.data).toBe(outputs.dPointwiseFilter);
  expect([...dDepthwiseFilter.read(), ...outputs.dPointwiseFilter, ...outputs.dBias].every((v) => v === 0)).toBe(true);
  expect(got.dx.data).toBe(outputs.dx);
  expect(Object.keys(got).sort()).toEqual(Object.values(GRADIENTS).sort());
  dDepthwiseFilter.dispose();
  layer.dispose();
});
