'use strict';
// The backward pass is bitwise reproducible: with the module's thread count, the same call gives
// the same bits every time, whichever form makes it (the filter gradients are summed per thread
// and reduced in a fixed order, never racing); and a prepared layer's backward call gives the
// one-shot call's bits, over random configurations.

const {
  init, separableConv2dBackward, separableConv2dBackwardSync, createSeparableConv2d, getBackendInfo, dispose,
} = require('../../js/index.js');
const { drawConfig } = require('./random');
const { isolatedApi } = require('./reliability_util');
const {
  backwardProblem, expectedGradients, gradientProblems, differingBits, describeProblem, withoutGradients, backwardOptions,
} = require('./backward_problem');

const FIRST_SEED = 1340000;
const CONFIGS = 60;
const REPEATS = 5;


beforeAll(() => init());
afterAll(() => dispose());

// The sweep's largest shapes, so the work is split over every thread; bias and relu.
const LARGE = [
  { dataFormat: 'NHWC', strides: [1, 1], dilations: [1, 1], padding: 'SAME' },
  { dataFormat: 'NCHW', strides: [2, 1], dilations: [1, 1], padding: [[1, 2], [0, 3]] },
  { dataFormat: 'NHWC', strides: [1, 1], dilations: [2, 3], padding: 'VALID' },
].map((geometry, i) => ({
  ...drawConfig(FIRST_SEED + 1000 + i), N: 3, H: 33, W: 33, C: 16, M: 4, O: 16, KH: 5, KW: 5,
  stridesForm: 'pair', dilationsForm: 'pair', paddingSpelling: undefined, ...geometry,
}));

test.each(LARGE.map((cfg) => [cfg.dataFormat, JSON.stringify(cfg.strides), JSON.stringify(cfg.dilations), cfg]))(
  `large %s call (strides %s, dilations %s): the same bits ${REPEATS} times over in every form`,
  async (_, __, ___, cfg) => {
    const problem = backwardProblem(cfg, { epilogue: { bias: Float32Array.from({ length: cfg.O }, (v, k) => (k % 3) - 1), activation: 'relu' } });
    const p = { ...problem, options: withoutGradients(problem.options) };  // all four gradients
    const first = separableConv2dBackwardSync(p.x, p.depthwise, p.pointwise, p.dy, p.options);
    expect(gradientProblems(first, expectedGradients(p))).toEqual([]);
    const layer = await createSeparableConv2d(p.depthwise, p.pointwise, p.options);
    const differ = [];
    for (let i = 0; i < REPEATS; i++) {
      const again = {
        sync: separableConv2dBackwardSync(p.x, p.depthwise, p.pointwise, p.dy, p.options),
        async: await separableConv2dBackward(p.x, p.depthwise, p.pointwise, p.dy, p.options),
        layer: await layer.backward(p.x, p.dy),
        layerSync: layer.backwardSync(p.x, p.dy),
      };
      for (const [form, got] of Object.entries(again)) {
        const keys = differingBits(got, first);
        if (keys.length) differ.push(`repeat ${i}, ${form}: ${keys.join(', ')}`);
      }
    }
    layer.dispose();
    console.log(`${describeProblem(p)}: ${REPEATS} x 4 calls on ${getBackendInfo().threads} threads`);
    expect(differ).toEqual([]);
  },
);

test('with one thread too: the same bits every time, and the gradients of the threaded module within the tolerance', async () => {
  const { api } = isolatedApi();
  await api.init({ threads: 1 });
  expect(api.getBackendInfo().threads).toBe(1);
  const differ = [];
  for (const cfg of LARGE) {
    const p = backwardProblem(cfg, { epilogue: { bias: undefined, activation: 'relu6' } });
    const first = api.separableConv2dBackwardSync(p.x, p.depthwise, p.pointwise, p.dy, p.options);
    for (let i = 0; i < 2; i++) {
      const keys = differingBits(await api.separableConv2dBackward(p.x, p.depthwise, p.pointwise, p.dy, p.options), first);
      if (keys.length) differ.push(`${describeProblem(p)}, repeat ${i}: ${keys.join(', ')}`);
    }
    const threaded = separableConv2dBackwardSync(p.x, p.depthwise, p.pointwise, p.dy, p.options);
    const problems = gradientProblems(first, threaded);
    if (problems.length) differ.push(`${describeProblem(p)}: 1 thread against ${getBackendInfo().threads}: ${problems.join('; ')}`);
  }
  api.dispose();
  expect(differ).toEqual([]);
});

test(`a layer's backward call gives the one-shot call's bits (${CONFIGS} configurations)`, async () => {
  const differ = [];
  for (let seed = FIRST_SEED; seed < FIRST_SEED + CONFIGS; seed++) {
    const p = backwardProblem(drawConfig(seed));
    const layer = await createSeparableConv2d(p.depthwise, p.pointwise, withoutGradients(p.options));
    const viaLayer = seed % 2 ? layer.backwardSync(p.x, p.dy, backwardOptions(p.options)) : await layer.backward(p.x, p.dy, backwardOptions(p.options));
    layer.dispose();
    const oneShot = seed % 2 ? await separableConv2dBackward(p.x, p.depthwise, p.pointwise, p.dy, p.options)
      : separableConv2dBackwardSync(p.x, p.depthwise, p.pointwise, p.dy, p.options);
    const keys = differingBits(viaLayer, oneShot);
    if (keys.length) differ.push(`${describeProblem(p)}: ${keys.join(', ')}`);
  }
  expect(differ).toEqual([]);
});
