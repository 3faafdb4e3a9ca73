'use strict';
// WasmTensors as the backward pass's inputs: x and/or dy in wasm memory give, bit for bit, the
// gradients of the same call on arrays (which match the float64 gradients), read in place and
// left unchanged; a forward layer's WasmTensor output feeds the next layer's backward call, as a
// training step would; a dy WasmTensor of the wrong shape, or a disposed one, is refused; every
// tensor's memory comes back.

const {
  init, separableConv2dBackward, separableConv2dBackwardSync, createSeparableConv2d, createWasmTensor,
  getMemoryInfo, dispose,
} = require('../../js/index.js');
const { drawConfig } = require('./random');
const { thrown, rejection, errorSummary, settledHeap } = require('./reliability_util');
const {
  backwardProblem, expectedGradients, gradientProblems, differingBits, describeProblem, withoutGradients, backwardOptions,
} = require('./backward_problem');

const FIRST_SEED = 1330000;
const CONFIGS = 32;

const unchanged = (t, data) => differingBits({ t: { data: t.read(), shape: t.shape } }, { t: { data, shape: t.shape } }).length === 0;

beforeAll(async () => {
  await init();
  await settledHeap(getMemoryInfo);
});
afterAll(() => dispose());

test(`x and/or dy as WasmTensors: the array call's gradients bit for bit (${CONFIGS} configurations, each form)`, async () => {
  const failures = [];
  for (let seed = FIRST_SEED; seed < FIRST_SEED + CONFIGS; seed++) {
    const p = backwardProblem(drawConfig(seed));
    const call = backwardOptions(p.options);
    const layer = await createSeparableConv2d(p.depthwise, p.pointwise, withoutGradients(p.options));
    const onArrays = layer.backwardSync(p.x, p.dy, call);
    const wrong = gradientProblems(onArrays, expectedGradients(p));
    if (wrong.length) failures.push(`${describeProblem(p)}: on arrays: ${wrong.join('; ')}`);
    const xt = await createWasmTensor(p.x.shape, p.x.data);
    const dyt = await createWasmTensor(p.dy.shape, p.dy.data);
    const forms = {
      'layer.backwardSync(xt, dy)': () => layer.backwardSync(xt, p.dy, call),
      'layer.backward(x, dyt)': () => layer.backward(p.x, dyt, call),
      'layer.backward(xt, dyt)': () => layer.backward(xt, dyt, call),
      'layer.backwardSync(xt, dyt)': () => layer.backwardSync(xt, dyt, call),
      'separableConv2dBackward(x, ..., dyt)': () => separableConv2dBackward(p.x, p.depthwise, p.pointwise, dyt, p.options),
      'separableConv2dBackwardSync(x, ..., dyt)': () => separableConv2dBackwardSync(p.x, p.depthwise, p.pointwise, dyt, p.options),
    };
    for (const [form, run] of Object.entries(forms)) {
      const differ = differingBits(await run(), onArrays);
      if (differ.length) failures.push(`${describeProblem(p)}: ${form}: ${differ.join(', ')} differ from the array call's`);
    }
    if (!unchanged(xt, p.x.data) || !unchanged(dyt, p.dy.data)) failures.push(`${describeProblem(p)}: a WasmTensor input changed`);
    [xt, dyt].forEach((t) => t.dispose());
    layer.dispose();
  }
  expect(failures).toEqual([]);
});

test("a forward layer's WasmTensor output as the next layer's backward input, as in a training step", async () => {
  // Layer 1: 3 -> 8 channels, relu6; layer 2: 8 -> 5, stride 2, relu. dy of layer 2's output;
  // the gradient of layer 2 with respect to its input is the dy of layer 1.
  const p1 = backwardProblem({ ...drawConfig(FIRST_SEED + 100), dataFormat: 'NHWC', N: 2, H: 9, W: 11, C: 3, M: 2, O: 8, KH: 3, KW: 3 });
  const before = getMemoryInfo().heapBytesInUse;
  const layer1 = await createSeparableConv2d(p1.depthwise, p1.pointwise, { strides: 1, padding: 'SAME', activation: 'relu6' });
  const dw2 = { data: Float32Array.from({ length: 9 * 8 }, (_, i) => Math.sin(i)), shape: [3, 3, 8, 1] };
  const pw2 = { data: Float32Array.from({ length: 8 * 5 }, (_, i) => Math.cos(i)), shape: [1, 1, 8, 5] };
  const options2 = { strides: 2, padding: 'SAME', activation: 'relu', bias: Float32Array.of(0.1, -0.2, 0.3, 0, 0.5) };
  const layer2 = await createSeparableConv2d(dw2, pw2, options2);

  const xt = await createWasmTensor(p1.x.shape, p1.x.data);
  const ht = layer1.runSync(xt);  // layer 1's output, in wasm memory
  const h = { data: ht.read(), shape: ht.shape };
  const dy2 = { data: Float32Array.from({ length: 2 * 5 * 6 * 5 }, (_, i) => Math.sin(i * 0.37)), shape: [2, 5, 6, 5] };
  const viaTensor = await layer2.backward(ht, dy2);
  const viaArray = layer2.backwardSync(h, dy2);
  expect(differingBits(viaTensor, viaArray)).toEqual([]);
  expect(gradientProblems(viaArray, expectedGradients({
    x: h, depthwise: dw2, pointwise: pw2, dy: dy2, options: options2,
  }))).toEqual([]);
  // Back through layer 1 with layer 2's dx as its dy, the tensors in wasm memory.
  const dht = await createWasmTensor(h.shape, viaTensor.dx.data);
  const g1 = layer1.backwardSync(xt, dht);
  expect(differingBits(g1, await layer1.backward(p1.x, viaArray.dx))).toEqual([]);
  [xt, ht, dht].forEach((t) => t.dispose());
  layer1.dispose();
  layer2.dispose();
  expect(getMemoryInfo().heapBytesInUse).toBe(before);
});

describe('refused WasmTensors', () => {
  const p = backwardProblem({ ...drawConfig(FIRST_SEED + 200), dataFormat: 'NCHW', N: 1, H: 6, W: 7, C: 2, M: 1, O: 3, KH: 3, KW: 3, strides: [1, 1], stridesForm: 'pair', dilations: [1, 1], dilationsForm: 'pair', padding: 'VALID', paddingSpelling: 'VALID' });

  test('dy of the wrong shape (in NHWC order for an NCHW layer): BAD_SHAPE naming the shape, left untouched', async () => {
    const layer = await createSeparableConv2d(p.depthwise, p.pointwise, { ...withoutGradients(p.options), name: 'wt' });
    layer.backwardSync(p.x, p.dy);
    const before = getMemoryInfo().heapBytesInUse;
    const wrong = await createWasmTensor([1, 4, 5, 3], new Float32Array(60).fill(7));
    const message = /^BAD_SHAPE: wt: dy must have the forward output's shape \[1,3,4,5\]; got \[1,4,5,3\]$/;
    expect(errorSummary(thrown(() => layer.backwardSync(p.x, wrong)))).toMatch(message);
    expect(errorSummary(await rejection(layer.backward(p.x, wrong)))).toMatch(message);
    expect(errorSummary(await rejection(separableConv2dBackward(p.x, p.depthwise, p.pointwise, wrong, { ...p.options, name: 'wt' })))).toMatch(message);
    expect(wrong.read().every((v) => v === 7)).toBe(true);
    wrong.dispose();
    expect(getMemoryInfo().heapBytesInUse).toBe(before);
    layer.dispose();
  });

  test('a disposed WasmTensor as x or dy: DISPOSED naming which', async () => {
    const layer = await createSeparableConv2d(p.depthwise, p.pointwise, withoutGradients(p.options));
    const xt = await createWasmTensor(p.x.shape, p.x.data);
    const dyt = await createWasmTensor(p.dy.shape, p.dy.data);
    xt.dispose();
    dyt.dispose();
    expect(errorSummary(thrown(() => layer.backwardSync(xt, p.dy)))).toMatch(/^DISPOSED: input: this WasmTensor was disposed$/);
    expect(errorSummary(await rejection(layer.backward(p.x, dyt)))).toMatch(/^DISPOSED: dy: this WasmTensor was disposed$/);
    layer.dispose();
  });
});
