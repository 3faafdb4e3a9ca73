'use strict';
// Seeded randomness for the differential tests: a tiny PRNG, random tensors and
// random separable_conv2d configurations. Everything is a pure function of the
// seed so that a failing configuration can be replayed from its printed seed.

const { geometry } = require('./reference');

/** mulberry32: a 32-bit seeded PRNG returning floats in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [lo, hi] inclusive. */
function randInt(rng, lo, hi) {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

function pick(rng, items) {
  return items[Math.floor(rng() * items.length)];
}

/** { data: Float32Array, shape } with values uniform in [-1, 1). */
function randomTensor(rng, shape) {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = rng() * 2 - 1;
  return { data, shape };
}

/** Inclusive ranges of the dimensions drawConfig draws (the brief's sweep). */
const DEFAULT_RANGES = {
  N: [1, 3], H: [1, 33], W: [1, 33], C: [1, 16], M: [1, 4], O: [1, 16], K: [1, 5],
};

/**
 * One random configuration in the ranges the brief asks for. Strides and
 * dilations are never both > 1 (TensorFlow rejects that combination). Configs
 * whose output would be empty are re-drawn, so every returned config is valid.
 *
 * Returns a plain, JSON-printable object:
 *   { seed, dataFormat, N, H, W, C, M, O, KH, KW,
 *     strides: [sh, sw], dilations: [dh, dw],
 *     padding: 'SAME' | 'VALID' | [[top, bottom], [left, right]],
 *     stridesForm: 'number' | 'pair' | 'four',   // how the API receives strides
 *     dilationsForm: 'number' | 'pair' | 'omitted',
 *     paddingSpelling: e.g. 'SAME' | 'same' | 'Valid' (strings are case-insensitive),
 *     ranges?: present when drawn with non-default ranges, so it can be replayed }
 * `ranges` (same keys as DEFAULT_RANGES) lets a caller widen the sweep.
 */
function drawConfig(seed, ranges = DEFAULT_RANGES) {
  const rng = mulberry32(seed);
  const draw = (key) => randInt(rng, ranges[key][0], ranges[key][1]);
  for (;;) {
    const cfg = {
      seed,
      dataFormat: pick(rng, ['NHWC', 'NCHW']),
      N: draw('N'),
      H: draw('H'),
      W: draw('W'),
      C: draw('C'),
      M: draw('M'),
      O: draw('O'),
      KH: draw('K'),
      KW: draw('K'),
    };
    // Half strided, half dilated; either may still draw all ones.
    const strided = rng() < 0.5;
    cfg.stridesForm = pick(rng, ['number', 'pair', 'four']);
    if (strided) {
      const sh = randInt(rng, 1, 3);
      cfg.strides = cfg.stridesForm === 'number' ? [sh, sh] : [sh, randInt(rng, 1, 3)];
      cfg.dilations = [1, 1];
    } else {
      cfg.strides = [1, 1];
      cfg.dilations = [randInt(rng, 1, 3), randInt(rng, 1, 3)];
    }
    const [dh, dw] = cfg.dilations;
    cfg.dilationsForm = dh === dw ? pick(rng, ['number', 'pair', dh === 1 ? 'omitted' : 'pair']) : 'pair';

    const kind = pick(rng, ['SAME', 'VALID', 'EXPLICIT']);
    if (kind === 'EXPLICIT') {
      cfg.padding = [
        [randInt(rng, 0, 3), randInt(rng, 0, 3)],
        [randInt(rng, 0, 3), randInt(rng, 0, 3)],
      ];
    } else {
      cfg.padding = kind;
      cfg.paddingSpelling = pick(rng, [kind, kind, kind.toLowerCase(), kind[0] + kind.slice(1).toLowerCase()]);
    }

    if (ranges !== DEFAULT_RANGES) cfg.ranges = ranges;
    const { outH, outW } = geometry(cfg.H, cfg.W, cfg.KH, cfg.KW, cfg);
    if (outH >= 1 && outW >= 1) return cfg;
    // Otherwise keep drawing from the same stream: still a pure function of seed.
  }
}

/**
 * A prepared layer's optional epilogue for cfg, seeded from cfg.seed on its own
 * stream (so drawConfig's shapes and tensorsFor's data are unchanged):
 *   { bias: undefined | Float32Array | Float64Array (length cfg.O),
 *     activation: undefined (omitted: the default 'linear') | 'linear' | 'relu' | 'relu6' }
 * Bias scales up to 8 so that relu6 sometimes saturates and relu often cuts.
 */
function drawEpilogue(cfg) {
  const rng = mulberry32((cfg.seed ^ 0x5bd1e995) >>> 0);
  let bias;
  const kind = pick(rng, ['none', 'f32', 'f32', 'f64']);
  if (kind !== 'none') {
    const scale = pick(rng, [0.5, 2, 8]);
    bias = kind === 'f64' ? new Float64Array(cfg.O) : new Float32Array(cfg.O);
    for (let k = 0; k < cfg.O; k++) bias[k] = (rng() * 2 - 1) * scale;
  }
  const activation = pick(rng, [undefined, 'linear', 'relu', 'relu', 'relu6', 'relu6']);
  return { bias, activation };
}

/**
 * `count` input shapes {N, H, W} for a layer drawn as cfg: the first is cfg's
 * own, the others are re-drawn in the same ranges (same C, filters and options)
 * until each is distinct and gives a non-empty output. Pure function of cfg.seed.
 */
function drawInputShapes(cfg, count) {
  const ranges = cfg.ranges || DEFAULT_RANGES;
  const rng = mulberry32((cfg.seed ^ 0x27d4eb2f) >>> 0);
  const shapes = [{ N: cfg.N, H: cfg.H, W: cfg.W }];
  const seen = new Set([`${cfg.N},${cfg.H},${cfg.W}`]);
  while (shapes.length < count) {
    const s = {
      N: randInt(rng, ranges.N[0], ranges.N[1]),
      H: randInt(rng, ranges.H[0], ranges.H[1]),
      W: randInt(rng, ranges.W[0], ranges.W[1]),
    };
    const key = `${s.N},${s.H},${s.W}`;
    const { outH, outW } = geometry(s.H, s.W, cfg.KH, cfg.KW, cfg);
    if (outH >= 1 && outW >= 1 && !seen.has(key)) {
      seen.add(key);
      shapes.push(s);
    }
  }
  return shapes;
}

module.exports = {
  DEFAULT_RANGES, mulberry32, randInt, pick, randomTensor, drawConfig, drawEpilogue, drawInputShapes,
};
