'use strict';
// The numerical agreement criterion shared by every comparison:
//   max |actual - expected| <= 1e-5 * (1 + max |expected|)
// Relative to the output's scale because float32 accumulation error grows with
// the magnitude of the sums, absolute near zero so tiny outputs do not demand
// impossible relative precision.

const RELATIVE_TOLERANCE = 1e-5;

/**
 * Compares two { data, shape } results. Returns null when they agree, otherwise
 * a human-readable description of the first disagreement (shape or values).
 *
 * `options.scale` (optional) is a magnitude to measure the tolerance against
 * instead of max |expected| when it is larger. Used after a clamping activation
 * (relu6 caps every value at 6): the rounding error was made before the clamp,
 * at the pre-activation scale, and a 1-Lipschitz activation cannot enlarge it.
 * `options.relativeTolerance` (optional) replaces RELATIVE_TOLERANCE, for comparisons whose
 * expected error is of another size (gradients: longer sums).
 */
function mismatch(actual, expected, options = {}) {
  const aShape = Array.from(actual.shape);
  const eShape = Array.from(expected.shape);
  if (JSON.stringify(aShape) !== JSON.stringify(eShape)) {
    return `shape ${JSON.stringify(aShape)} != expected ${JSON.stringify(eShape)}`;
  }
  if (actual.data.length !== expected.data.length) {
    return `data length ${actual.data.length} != expected ${expected.data.length}`;
  }
  let maxExpected = 0;
  for (let i = 0; i < expected.data.length; i++) {
    maxExpected = Math.max(maxExpected, Math.abs(expected.data[i]));
  }
  if (options.scale !== undefined) maxExpected = Math.max(maxExpected, options.scale);
  const tolerance = (options.relativeTolerance ?? RELATIVE_TOLERANCE) * (1 + maxExpected);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < expected.data.length; i++) {
    // A NaN anywhere must fail, so it counts as an infinite error.
    const diff = Math.abs(actual.data[i] - expected.data[i]);
    const err = Number.isNaN(diff) ? Infinity : diff;
    if (err > worstErr) {
      worstErr = err;
      worst = i;
    }
  }
  if (worstErr <= tolerance) return null;
  return `max abs error ${worstErr} > tolerance ${tolerance} at flat index ${worst}` +
    ` (got ${actual.data[worst]}, expected ${expected.data[worst]})`;
}

/** What is wrong with a result's form: its shape against `wantShape`, its data's type. */
function resultFormProblems(got, wantShape) {
  const problems = [];
  if (JSON.stringify(Array.from(got.shape)) !== JSON.stringify(wantShape)) {
    problems.push(`output shape ${JSON.stringify(got.shape)} != ${JSON.stringify(wantShape)}`);
  }
  if (!(got.data instanceof Float32Array)) {
    problems.push(`output data is ${Object.prototype.toString.call(got.data)}, not a Float32Array`);
  }
  return problems;
}

module.exports = { RELATIVE_TOLERANCE, mismatch, resultFormProblems };
