'use strict';

// Small numeric helpers: robust averages for timings and the engines' agreement measure.

const median = (values) => quantile(values, 0.5);

/** Linear-interpolated quantile q in [0, 1] (0.5 is the median). */
function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** Geometric mean: the right average for speed-up ratios (a 2x and a 0.5x cancel out). */
function geomean(values) {
  const finite = values.filter((v) => Number.isFinite(v) && v > 0);
  if (finite.length === 0) return NaN;
  return Math.exp(finite.reduce((sum, v) => sum + Math.log(v), 0) / finite.length);
}

/**
 * Largest relative difference of `actual` from `expected`. Each element's error is taken
 * relative to max(|expected_i|, rms(expected)): plain element-wise relative error explodes on
 * outputs that happen to be near zero, where float rounding in a different summation order
 * is legitimately large compared with the value itself.
 */
function maxRelativeError(actual, expected) {
  if (actual.length !== expected.length) return Infinity;
  let sumSq = 0;
  for (let i = 0; i < expected.length; i++) sumSq += expected[i] * expected[i];
  const floor = Math.sqrt(sumSq / Math.max(expected.length, 1)) || Number.MIN_VALUE;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), floor);
    if (Number.isNaN(err)) return Infinity;  // a NaN in either output is a failure
    if (err > worst) worst = err;
  }
  return worst;
}

module.exports = { median, quantile, geomean, maxRelativeError };
