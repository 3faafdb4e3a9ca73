'use strict';
// Checks the float64 gradient reference (reference_backward.js), the oracle of the backward
// pass, against two things it shares no code with: central finite differences of the float64
// forward reference, and TensorFlow.js's tf.grads on the configurations tfjs can differentiate.
// Small seeded configurations over every option the forward op accepts (NHWC/NCHW, unequal
// strides, dilations, SAME/VALID/explicit padding, multipliers, batch 0, bias, activations).

const { drawConfig, drawEpilogue, randomTensor, mulberry32 } = require('./random');
const { apiOptions, referenceSpec, describeConfig, describeEpilogue, inputShape, expectedOutputShape } = require('./config');
const { specFromOptions, forwardReference } = require('./reference');
const { separableConv2dBackwardReference, preActivation } = require('./reference_backward');
const { initTfjs, separableConv2dGradsTfjs } = require('./tfjs_grads_reference');
const { mismatch } = require('./compare');

const FIRST_SEED = 13000;
const SMALL = { N: [0, 2], H: [1, 7], W: [1, 7], C: [1, 3], M: [1, 3], O: [1, 3], K: [1, 3] };
const FD_CONFIGS = 200;
const TFJS_CONFIGS = 120;
// The step of the finite differences. y is affine in any one parameter between kinks of the
// activation, so central differences are exact but for rounding when no kink lies within ±H:
// hence a tolerance far below the 1e-4, and data redrawn until the pre-activation keeps
// a margin from the kinks larger than any step can move it (see kinkMarginFor).
const H = 1e-5;
const FD_TOLERANCE = 1e-6;
const TFJS_TOLERANCE = 1e-4; // float32 against float64: the tolerance
const GRADIENT_KEYS = [['x', 'dx'], ['depthwise', 'dDepthwiseFilter'], ['pointwise', 'dPointwiseFilter'], ['bias', 'dBias']];

/**
 * How far a step of H in one parameter can move any pre-activation value, at most: all data is
 * in [-1, 1], so |dz/dx| <= KH*KW*M, |dz/ddw| <= 1, |dz/dpw| <= KH*KW, |dz/dbias| = 1.
 */
function kinkMarginFor(cfg) {
  return 2 * H * cfg.KH * cfg.KW * cfg.M;
}

/**
 * Float64 tensors, dy and options for cfg, seeded from cfg.seed and redrawn (attempt 1, 2, ...)
 * until the pre-activation stays `margin` away from the activation's kinks.
 */
function problemFor(cfg, margin) {
  const { bias, activation } = drawEpilogue(cfg);
  const options = { ...apiOptions(cfg), bias: bias && Float64Array.from(bias), activation };
  for (let attempt = 0; attempt < 50; attempt++) {
    const rng = mulberry32((cfg.seed * 0x2545f491 + attempt * 0x9e3779b9) >>> 0);
    const f64 = (shape) => {
      const t = randomTensor(rng, shape);
      return { data: Float64Array.from(t.data), shape };
    };
    const t = {
      x: f64(inputShape(cfg)),
      depthwise: f64([cfg.KH, cfg.KW, cfg.C, cfg.M]),
      pointwise: f64([1, 1, cfg.C * cfg.M, cfg.O]),
      dy: f64(expectedOutputShape(cfg)),
    };
    if (preActivation(t.x, t.depthwise, t.pointwise, options).margin > margin) return { t, options, attempt };
  }
  throw new Error(`${describeConfig(cfg)}: no data keeps the pre-activation ${margin} from the kinks`);
}

function describeProblem(cfg, p) {
  return `${describeConfig(cfg)} ${describeEpilogue(p.options)} data attempt ${p.attempt}`;
}

/** d/dθ sum(dy * y) for every element θ of `which` ('x', 'depthwise', 'pointwise', 'bias'), by central differences. */
function finiteDifferences(p, which) {
  const { t, options } = p;
  const args = { x: t.x, depthwise: t.depthwise, pointwise: t.pointwise };
  const param = which === 'bias' ? { data: options.bias, shape: [options.bias.length] } : args[which];
  const y = () => forwardReference(args.x, args.depthwise, args.pointwise, options).data;
  const out = new Float64Array(param.data.length);
  for (let e = 0; e < out.length; e++) {
    const v = param.data[e];
    param.data[e] = v + H;
    const up = y();
    param.data[e] = v - H;
    const down = y();
    param.data[e] = v;
    // sum(dy * (y+ - y-)) rather than sum(dy*y+) - sum(dy*y-): no cancellation of two large sums.
    let acc = 0;
    for (let i = 0; i < up.length; i++) acc += t.dy.data[i] * (up[i] - down[i]);
    out[e] = acc / (2 * H);
  }
  return { data: out, shape: Array.from(param.shape) };
}

function backward(p, extra = {}) {
  return separableConv2dBackwardReference(p.t.x, p.t.depthwise, p.t.pointwise, p.t.dy, { ...p.options, ...extra });
}

const seeds = (first, count) => Array.from({ length: count }, (_, i) => first + i);

beforeAll(() => initTfjs());

test('specFromOptions reads every spelling of the public options as the configuration meant', () => {
  const wrong = [];
  for (const seed of seeds(FIRST_SEED, 300)) {
    const cfg = drawConfig(seed);
    const got = specFromOptions(apiOptions(cfg));
    if (JSON.stringify(got) !== JSON.stringify(referenceSpec(cfg))) wrong.push(`${describeConfig(cfg)}: ${JSON.stringify(got)}`);
  }
  expect(wrong).toEqual([]);
});

test(`the gradients match central finite differences of the forward reference: ${FD_CONFIGS} configs`, () => {
  const failures = [];
  const seen = { NCHW: 0, batch0: 0, dilated: 0, strided: 0, explicit: 0, relu: 0, relu6: 0, bias: 0 };
  for (const seed of seeds(FIRST_SEED, FD_CONFIGS)) {
    const cfg = drawConfig(seed, SMALL);
    const p = problemFor(cfg, kinkMarginFor(cfg));
    const got = backward(p);
    for (const [which, key] of GRADIENT_KEYS) {
      if (which === 'bias' && p.options.bias === undefined) {
        if (key in got) failures.push(`${describeProblem(cfg, p)}: dBias without a bias`);
        continue;
      }
      const problem = mismatch(got[key], finiteDifferences(p, which), { relativeTolerance: FD_TOLERANCE });
      if (problem) failures.push(`${describeProblem(cfg, p)}\n    ${key}: ${problem}`);
    }
    seen.NCHW += cfg.dataFormat === 'NCHW';
    seen.batch0 += cfg.N === 0;
    seen.dilated += cfg.dilations.some((d) => d > 1);
    seen.strided += cfg.strides[0] !== cfg.strides[1];
    seen.explicit += typeof cfg.padding !== 'string';
    seen.relu += p.options.activation === 'relu';
    seen.relu6 += p.options.activation === 'relu6';
    seen.bias += p.options.bias !== undefined;
  }
  expect(failures).toEqual([]);
  // The premise: the sweep reached every kind of configuration it claims to check.
  for (const [kind, count] of Object.entries(seen)) expect([kind, count > 0]).toEqual([kind, true]);
});

test(`the gradients match TensorFlow.js tf.grads: ${TFJS_CONFIGS} configs without dilation`, () => {
  const failures = [];
  let checked = 0;
  for (const seed of seeds(FIRST_SEED + 1000, TFJS_CONFIGS)) {
    const cfg = drawConfig(seed, { ...SMALL, N: [1, 2], H: [1, 12], W: [1, 12], C: [1, 6], O: [1, 6] });
    if (cfg.dilations.some((d) => d > 1)) continue; // tfjs refuses these: see the next test
    // float32 rounds the pre-activation by ~1e-6: keep it well away from where the mask flips.
    const p = problemFor(cfg, 1e-4);
    const want = backward(p);
    const got = separableConv2dGradsTfjs(p.t.x, p.t.depthwise, p.t.pointwise, p.t.dy, p.options);
    for (const key of Object.keys(want)) {
      const problem = mismatch(got[key], want[key], { relativeTolerance: TFJS_TOLERANCE });
      if (problem) failures.push(`${describeProblem(cfg, p)}\n    ${key}: ${problem}`);
    }
    checked++;
  }
  expect(failures).toEqual([]);
  expect(checked).toBeGreaterThan(TFJS_CONFIGS / 3);
});

test('tfjs cannot differentiate dilated configurations, which only the finite differences check', () => {
  const cfg = { ...drawConfig(FIRST_SEED, SMALL), N: 1, H: 7, W: 7, KH: 3, KW: 3, strides: [1, 1], dilations: [2, 1], dilationsForm: 'pair' };
  const p = problemFor(cfg, 0);
  expect(() => separableConv2dGradsTfjs(p.t.x, p.t.depthwise, p.t.pointwise, p.t.dy, p.options))
    .toThrow(/dilation rates greater than 1 are not yet supported/);
});

test('a batch of 0 gives an empty dx and zero filter and bias gradients', () => {
  for (const dataFormat of ['NHWC', 'NCHW']) {
    const cfg = { ...drawConfig(FIRST_SEED, SMALL), dataFormat, N: 0, H: 5, W: 4, C: 2, M: 2, O: 3, KH: 3, KW: 2 };
    const p = problemFor(cfg, 0);
    const options = { ...p.options, bias: Float64Array.of(0.5, -1, 2) };
    const got = separableConv2dBackwardReference(p.t.x, p.t.depthwise, p.t.pointwise, p.t.dy, options);
    expect(got.dx).toEqual({ data: new Float64Array(0), shape: inputShape(cfg) });
    expect(got.dDepthwiseFilter).toEqual({ data: new Float64Array(24), shape: [3, 2, 2, 2] });
    expect(got.dPointwiseFilter).toEqual({ data: new Float64Array(12), shape: [1, 1, 4, 3] });
    expect(got.dBias).toEqual({ data: new Float64Array(3), shape: [3] });
  }
});

test('options.gradients picks a subset with the same values; bad names and dy shapes throw', () => {
  const cfg = { ...drawConfig(FIRST_SEED + 7, SMALL), N: 2 };
  const p = problemFor(cfg, 0);
  const options = { ...p.options, bias: new Float64Array(cfg.O).fill(0.25) };
  const all = separableConv2dBackwardReference(p.t.x, p.t.depthwise, p.t.pointwise, p.t.dy, options);
  expect(Object.keys(all)).toEqual(['dx', 'dDepthwiseFilter', 'dPointwiseFilter', 'dBias']);
  const some = backward({ ...p, options }, { gradients: ['pointwiseFilter', 'x'] });
  expect(some).toEqual({ dPointwiseFilter: all.dPointwiseFilter, dx: all.dx });
  const noBias = { ...p.options, bias: undefined };
  expect(() => backward({ ...p, options: noBias }, { gradients: ['bias'] })).toThrow(/gradient bias/);
  expect(() => backward(p, { gradients: ['weights'] })).toThrow(/gradient weights/);
  const wrongDy = { data: p.t.dy.data, shape: [...p.t.dy.shape.slice(0, 3), p.t.dy.shape[3] + 1] };
  expect(() => separableConv2dBackwardReference(p.t.x, p.t.depthwise, p.t.pointwise, wrongDy, p.options))
    .toThrow(`dy must have shape ${JSON.stringify(expectedOutputShape(cfg))}`);
});
