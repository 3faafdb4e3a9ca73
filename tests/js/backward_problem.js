'use strict';
// One randomized backward call from a configuration (random.js drawConfig): the forward call's
// options and epilogue (random.drawEpilogue), float32 x, filters and dy, a subset of the
// gradients, and what the call must give: the float64 gradients (reference_backward.js) within
// the tolerance 1e-4 * (1 + max |expected|).
//
// relu and relu6 pass the gradient where the output is past a kink; where the pre-activation is
// within float32 rounding of a kink, the library and the reference may take different sides
// (a whole dy element more or less in every sum). Such data is redrawn: see KINK_MARGIN.

const { mulberry32, pick, randomTensor, drawEpilogue } = require('./random');
const { apiOptions, inputShape, expectedOutputShape, describeConfig, describeEpilogue } = require('./config');
const { ALL_GRADIENTS, separableConv2dBackwardReference, preActivation } = require('./reference_backward');
const { mismatch } = require('./compare');

const BACKWARD_TOLERANCE = 1e-4;
// The pre-activation stays this far from a kink, times (1 + max |z|). The library's float32 z
// is within 5e-7 of that of the float64 one over the forward sweep's ranges (measured on 300
// configurations): twenty times that.
const KINK_MARGIN = 1e-5;
const MAX_ATTEMPTS = 50;

/** The gradients to ask for: undefined (all) about half the time, else a random subset. */
function drawGradients(rng, hasBias) {
  if (rng() < 0.4) return undefined;
  const names = ALL_GRADIENTS.filter((name) => name !== 'bias' || hasBias);
  for (;;) {
    const some = names.filter(() => rng() < 0.5);
    if (some.length > 0) return rng() < 0.5 ? some.reverse() : some;  // either order: the result's is fixed
  }
}

/** How far the float64 pre-activation keeps from the activation's kinks, relative to its scale. */
function kinkClearance(x, depthwise, pointwise, options) {
  const { z, margin } = preActivation(x, depthwise, pointwise, options);
  const scale = z.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return margin / (1 + scale);
}

/**
 * The backward call for cfg, a pure function of cfg.seed (and cfg's shape: see config.js):
 *   { cfg, x, depthwise, pointwise, dy: {data: Float32Array, shape},
 *     options: the API's options for cfg with bias, activation and gradients (some omitted),
 *     attempt: how many draws of the data came too close to a kink }.
 * `filters` ({depthwise, pointwise}, e.g. another problem's) keeps those filters: for a layer's
 * several input shapes; only x and dy are drawn then. `epilogue` ({bias, activation}) replaces
 * the drawn one.
 */
function backwardProblem(cfg, { filters, epilogue = drawEpilogue(cfg) } = {}) {
  const { bias, activation } = epilogue;
  const options = { ...apiOptions(cfg), bias, activation };
  if (bias === undefined) delete options.bias;
  if (activation === undefined) delete options.activation;
  const wanted = drawGradients(mulberry32((cfg.seed ^ 0x7f4a7c15) >>> 0), bias !== undefined);
  if (wanted) options.gradients = wanted;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const rng = mulberry32((cfg.seed * 0x2c1b3c6d + attempt * 0x297a2d39 + cfg.N * 7 + cfg.H * 131 + cfg.W) >>> 0);
    const x = randomTensor(rng, inputShape(cfg));
    const dy = randomTensor(rng, expectedOutputShape(cfg));
    const { depthwise, pointwise } = filters || {
      depthwise: randomTensor(rng, [cfg.KH, cfg.KW, cfg.C, cfg.M]),
      pointwise: randomTensor(rng, [1, 1, cfg.C * cfg.M, cfg.O]),
    };
    const p = { cfg, x, depthwise, pointwise, dy, options, attempt };
    if (!activation || activation === 'linear') return p;
    if (kinkClearance(p.x, p.depthwise, p.pointwise, referenceOptions(p)) > KINK_MARGIN) return p;
  }
  throw new Error(`${describeConfig(cfg)}: no data in ${MAX_ATTEMPTS} draws keeps the pre-activation clear of the kinks`);
}

/** p's options as the reference takes them: the bias rounded to float32, as the library rounds it. */
function referenceOptions(p) {
  const { bias } = p.options;
  return bias === undefined ? p.options : { ...p.options, bias: Float64Array.from(Float32Array.from(bias)) };
}

/** The float64 gradients p's call must give. */
function expectedGradients(p) {
  return separableConv2dBackwardReference(p.x, p.depthwise, p.pointwise, p.dy, referenceOptions(p));
}

/**
 * What is wrong with a backward call's result `got` against `want` (expectedGradients, or
 * another reference of the same form): extra or missing gradients, shapes, a data type other
 * than Float32Array, values outside the tolerance. Returns a list of strings, empty if none.
 */
function gradientProblems(got, want) {
  const problems = [];
  // The same gradients; the order of the keys is not part of the contract.
  const keys = Object.keys(got || {}).sort();
  if (JSON.stringify(keys) !== JSON.stringify(Object.keys(want).sort())) {
    problems.push(`gradients ${JSON.stringify(keys)}, expected ${JSON.stringify(Object.keys(want).sort())}`);
  }
  for (const key of Object.keys(want)) {
    if (!got || !got[key]) continue;
    if (!(got[key].data instanceof Float32Array)) problems.push(`${key}.data is a ${Object.prototype.toString.call(got[key].data)}`);
    const m = mismatch(got[key], want[key], { relativeTolerance: BACKWARD_TOLERANCE });
    if (m) problems.push(`${key}: ${m}`);
  }
  return problems;
}

/** The keys of two backward results whose gradients differ in any bit (or exist in one only). */
function differingBits(a, b) {
  const bytes = (t) => t && Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.filter((key) => !a[key] || !b[key] || JSON.stringify(a[key].shape) !== JSON.stringify(b[key].shape) ||
    !bytes(a[key]).equals(bytes(b[key])));
}

/** p's options split for a layer: those it is made with, and those of its backward call (or undefined). */
const withoutGradients = ({ gradients, ...forward }) => forward;
const backwardOptions = ({ gradients }) => (gradients === undefined ? undefined : { gradients });

/** A replayable description of p for failure messages. */
function describeProblem(p) {
  return `${describeConfig(p.cfg)} ${describeEpilogue(p.options)} gradients=${JSON.stringify(p.options.gradients)}` +
    ` dy=${JSON.stringify(p.dy.shape)} data attempt ${p.attempt} (replay: backwardProblem(drawConfig(${p.cfg.seed})) in tests/js/backward_problem.js)`;
}

module.exports = {
  BACKWARD_TOLERANCE, backwardProblem, referenceOptions, expectedGradients, gradientProblems, differingBits, describeProblem,
  withoutGradients, backwardOptions,
};
