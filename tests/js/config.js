'use strict';
// Turns one configuration object (see random.js drawConfig) into what each
// implementation wants: tensors, the public API's options (in the data format's
// own order and in the requested spelling), and the references' normalized spec.
// Keeping this in one place means the API, the float64 reference and tfjs all see
// exactly the same problem.

const { mulberry32, randomTensor } = require('./random');
const { geometry } = require('./reference');

function inputShape(cfg) {
  return cfg.dataFormat === 'NCHW' ? [cfg.N, cfg.C, cfg.H, cfg.W] : [cfg.N, cfg.H, cfg.W, cfg.C];
}

function expectedOutputShape(cfg) {
  const { outH, outW } = geometry(cfg.H, cfg.W, cfg.KH, cfg.KW, cfg);
  return cfg.dataFormat === 'NCHW' ? [cfg.N, cfg.O, outH, outW] : [cfg.N, outH, outW, cfg.O];
}

/** Random x, depthwise and pointwise tensors; seeded from cfg.seed so they replay. */
function tensorsFor(cfg) {
  // A different stream than drawConfig's so that the data does not correlate with the shapes.
  const rng = mulberry32((cfg.seed ^ 0x9e3779b9) >>> 0);
  return {
    x: randomTensor(rng, inputShape(cfg)),
    depthwise: randomTensor(rng, [cfg.KH, cfg.KW, cfg.C, cfg.M]),
    pointwise: randomTensor(rng, [1, 1, cfg.C * cfg.M, cfg.O]),
  };
}

/** The public API's options for cfg, spelled the way cfg asks. */
function apiOptions(cfg) {
  const nchw = cfg.dataFormat === 'NCHW';
  const [sh, sw] = cfg.strides;
  let strides;
  if (cfg.stridesForm === 'number') strides = sh; // drawConfig guarantees sh === sw
  else if (cfg.stridesForm === 'pair') strides = [sh, sw];
  else strides = nchw ? [1, 1, sh, sw] : [1, sh, sw, 1];

  let padding;
  if (typeof cfg.padding === 'string') {
    padding = cfg.paddingSpelling || cfg.padding;
  } else {
    const [hPads, wPads] = cfg.padding;
    padding = nchw
      ? [[0, 0], [0, 0], [...hPads], [...wPads]]
      : [[0, 0], [...hPads], [...wPads], [0, 0]];
  }

  const options = { strides, padding, dataFormat: cfg.dataFormat };
  // The default dataFormat is NHWC; leave it out sometimes so the default is exercised.
  if (cfg.dataFormat === 'NHWC' && cfg.seed % 2 === 0) delete options.dataFormat;
  if (cfg.dilationsForm === 'number') options.dilations = cfg.dilations[0];
  else if (cfg.dilationsForm === 'pair') options.dilations = [...cfg.dilations];
  return options;
}

/** The normalized spec both references take. */
function referenceSpec(cfg) {
  return {
    strides: cfg.strides,
    dilations: cfg.dilations,
    padding: cfg.padding,
    dataFormat: cfg.dataFormat,
  };
}

/** A one-line, replayable description of cfg for failure messages. */
function describeConfig(cfg) {
  const shapes = {
    x: inputShape(cfg),
    depthwise: [cfg.KH, cfg.KW, cfg.C, cfg.M],
    pointwise: [1, 1, cfg.C * cfg.M, cfg.O],
  };
  return `seed=${cfg.seed} shapes=${JSON.stringify(shapes)} options=${JSON.stringify(apiOptions(cfg))}` +
    ` expectedOutputShape=${JSON.stringify(expectedOutputShape(cfg))}` +
    (cfg.ranges ? ` ranges=${JSON.stringify(cfg.ranges)}` : '') +
    ` (replay: drawConfig(${cfg.seed}${cfg.ranges ? ', ranges' : ''}) in tests/js/random.js)`;
}

/** cfg with another input size (same C, filters and options): see random.drawInputShapes. */
function withInputShape(cfg, { N, H, W }) {
  return { ...cfg, N, H, W };
}

/**
 * A random input for cfg's input shape, seeded from cfg.seed and `variant` so
 * that a layer's several inputs differ and replay. (tensorsFor's x is variant-free.)
 */
function inputFor(cfg, variant) {
  const rng = mulberry32((cfg.seed * 31 + variant * 0x632be5ab + 0x165667b1) >>> 0);
  return randomTensor(rng, inputShape(cfg));
}

/** A compact description of an epilogue from random.drawEpilogue, for failure messages. */
function describeEpilogue({ bias, activation }) {
  const b = bias === undefined ? 'none'
    : `${bias.constructor.name}[${Array.from(bias, (v) => +v.toPrecision(6)).join(',')}]`;
  return `bias=${b} activation=${activation === undefined ? '(omitted)' : activation}`;
}

/**
 * The smallest call with a known result: a 2x2 image, depthwise 2, pointwise 3, VALID; the
 * arguments of separableConv2d, fresh each time. It computes [6, 12, 18, 24].
 */
const tiny = () => [
  { data: Float32Array.of(1, 2, 3, 4), shape: [1, 2, 2, 1] },
  { data: Float32Array.of(2), shape: [1, 1, 1, 1] },
  { data: Float32Array.of(3), shape: [1, 1, 1, 1] },
  { strides: 1, padding: 'VALID' },
];

module.exports = {
  tiny,
  inputShape, expectedOutputShape, tensorsFor, apiOptions, referenceSpec, describeConfig,
  withInputShape, inputFor, describeEpilogue,
};
