'use strict';
// Randomized differential test of the backward pass: the gradients the public API gives against
// the float64 gradients of reference_backward.js (itself checked by finite differences in
// reference_backward.test.js), and on the configurations tfjs can differentiate (no dilations)
// against TensorFlow.js's tf.grads too. The forward sweep's ranges (random.js drawConfig: NHWC
// and NCHW, unequal strides, dilations, SAME/VALID/explicit padding), bias and each activation,
// subsets of the gradients; the configurations spread over the four forms of the call
// (separableConv2dBackward, its Sync form, layer.backward and layer.backwardSync). A layer's
// configuration is called at two input shapes and then at the first again.
//
// Replay a failure: SEPCONV_SEEDS=1234,5678 npx jest tests/js/backward_differential.test.js
// (add SEPCONV_WIDE=1 for seeds of the wide group)

const {
  init, separableConv2dBackward, separableConv2dBackwardSync, createSeparableConv2d, dispose,
} = require('../../js/index.js');
const { drawConfig, drawInputShapes, drawEpilogue } = require('./random');
const { withInputShape } = require('./config');
const { initTfjs, separableConv2dGradsTfjs } = require('./tfjs_grads_reference');
const {
  backwardProblem, referenceOptions, expectedGradients, gradientProblems, describeProblem, withoutGradients, backwardOptions,
} = require('./backward_problem');

const FIRST_SEED = 1300000;
const GROUPS = 4;
const CONFIGS_PER_GROUP = 130;  // 520 configurations
const TFJS_EVERY = 3;  // tfjs checks every third configuration it can differentiate
const WIDE_CONFIGS = 24;  // plus these beyond the sweep's ranges
// Wider channels and images than the sweep (SIMD-width multiples plus tails, the work split over
// every thread); smaller than the forward's wide group, the float64 gradients costing more.
const WIDE_RANGES = {
  N: [1, 2], H: [16, 48], W: [16, 48], C: [1, 40], M: [1, 3], O: [1, 40], K: [1, 5],
};

const replaySeeds = process.env.SEPCONV_SEEDS && process.env.SEPCONV_SEEDS.split(',').map(Number);

const FORMS = ['async', 'sync', 'layer', 'layerSync'];
const formOf = (seed) => FORMS[seed % FORMS.length];

/** One call of p in `form`; for the layer forms, through `layer`. */
function call(form, p, layer) {
  const { x, depthwise, pointwise, dy, options } = p;
  if (form === 'async') return separableConv2dBackward(x, depthwise, pointwise, dy, options);
  if (form === 'sync') return separableConv2dBackwardSync(x, depthwise, pointwise, dy, options);
  if (form === 'layer') return layer.backward(x, dy, backwardOptions(options));
  return layer.backwardSync(x, dy, backwardOptions(options));
}

/** p's result against the float64 gradients and, where it can tell, tfjs's; failures as strings. */
function check(p, got, withTfjs) {
  const problems = gradientProblems(got, expectedGradients(p)).map((s) => `vs float64: ${s}`);
  if (withTfjs) {
    const tfjs = separableConv2dGradsTfjs(p.x, p.depthwise, p.pointwise, p.dy, referenceOptions(p));
    problems.push(...gradientProblems(got, tfjs).map((s) => `vs tfjs: ${s}`));
    if (problems.length) {
      const refs = gradientProblems(tfjs, expectedGradients(p));
      problems.push(`(the references agree with each other: ${refs.length ? `NO: ${refs.join('; ')}` : 'yes'})`);
    }
  }
  return problems.length ? [`${describeProblem(p)} [${withTfjs ? 'with tfjs' : 'float64 only'}]\n    ${problems.join('\n    ')}`] : [];
}

/**
 * The configurations of `seeds`, each in its form; returns { failures, counts }. counts says
 * what the sweep reached, for the premise checks. `wide`: drawn in WIDE_RANGES, without tfjs
 * (slow there).
 */
async function sweep(seeds, { wide = false } = {}) {
  const failures = [];
  const counts = {
    configs: 0, calls: 0, tfjs: 0, redrawn: 0, NCHW: 0, dilated: 0, strided: 0, explicit: 0, bias: 0,
    relu: 0, relu6: 0, linear: 0, subset: 0, ...Object.fromEntries(FORMS.map((f) => [f, 0])),
  };
  for (const seed of seeds) {
    const cfg = wide ? drawConfig(seed, WIDE_RANGES) : drawConfig(seed);
    const form = formOf(seed);
    const epilogue = drawEpilogue(cfg);
    const first = backwardProblem(cfg, { epilogue });
    const problems = [first];
    let layer = null;
    if (form.startsWith('layer')) {
      const second = backwardProblem(withInputShape(cfg, drawInputShapes(cfg, 2)[1]), { filters: first, epilogue });
      problems.push(second, first);
      layer = await createSeparableConv2d(first.depthwise, first.pointwise, withoutGradients(first.options));
    }
    const withTfjs = !wide && cfg.dilations.every((d) => d === 1) && Math.floor(seed / FORMS.length) % TFJS_EVERY === 0;
    try {
      for (const p of problems) {
        let got;
        try {
          got = await call(form, p, layer);
        } catch (error) {
          failures.push(`${describeProblem(p)} (${form})\n    threw ${error && error.name}: ${error && error.message}`);
          continue;
        }
        failures.push(...check(p, got, withTfjs).map((f) => `${f}\n    (${form})`));
        counts.calls++;
        counts.redrawn += p.attempt > 0;
      }
    } finally {
      if (layer) layer.dispose();
    }
    const { options } = first;
    Object.entries({
      configs: true, tfjs: withTfjs, [form]: true, NCHW: cfg.dataFormat === 'NCHW', dilated: cfg.dilations.some((d) => d > 1),
      strided: cfg.strides[0] !== cfg.strides[1], explicit: typeof cfg.padding !== 'string', bias: options.bias !== undefined,
      relu: options.activation === 'relu', relu6: options.activation === 'relu6', linear: !options.activation || options.activation === 'linear',
      subset: options.gradients !== undefined,
    }).forEach(([key, yes]) => { counts[key] += yes ? 1 : 0; });
  }
  return { failures, counts };
}

beforeAll(async () => {
  await Promise.all([init(), initTfjs()]);
});

afterAll(() => dispose());

if (replaySeeds) {
  test(`replay seeds ${replaySeeds.join(',')}`, async () => {
    expect((await sweep(replaySeeds, { wide: Boolean(process.env.SEPCONV_WIDE) })).failures).toEqual([]);
  });
} else {
  const total = {};
  for (let g = 0; g < GROUPS; g++) {
    const seeds = Array.from({ length: CONFIGS_PER_GROUP }, (_, i) => FIRST_SEED + g * CONFIGS_PER_GROUP + i);
    test(`the four forms of the call match the float64 gradients (and tfjs's where it can): seeds ${seeds[0]}..${seeds[seeds.length - 1]}`, async () => {
      const { failures, counts } = await sweep(seeds);
      expect(failures).toEqual([]);
      for (const [key, n] of Object.entries(counts)) total[key] = (total[key] || 0) + n;
    });
  }

  test(`wide shapes match the float64 gradients: ${WIDE_CONFIGS} configurations`, async () => {
    const seeds = Array.from({ length: WIDE_CONFIGS }, (_, i) => FIRST_SEED + 30000 + i);
    expect((await sweep(seeds, { wide: true })).failures).toEqual([]);
  });

  test.each(['NHWC', 'NCHW'])('a batch of 0 (%s): an empty dx and zero filter and bias gradients, in every form', async (dataFormat) => {
    const cfg = { ...drawConfig(FIRST_SEED + 9000), dataFormat, N: 0 };
    const p = backwardProblem(cfg, { epilogue: { bias: Float32Array.from({ length: cfg.O }, (_, k) => k - 1), activation: 'relu' } });
    const want = expectedGradients(p);
    expect(want.dx === undefined || want.dx.data.length === 0).toBe(true);
    const layer = await createSeparableConv2d(p.depthwise, p.pointwise, withoutGradients(p.options));
    const failures = [];
    for (const form of FORMS) {
      const got = await call(form, p, layer);
      failures.push(...gradientProblems(got, want).map((f) => `${form}: ${f}`));
      const nonzero = Object.keys(got).filter((key) => got[key].data.some((v) => v !== 0));
      if (nonzero.length) failures.push(`${form}: ${nonzero.join(', ')} not exactly zero`);
    }
    layer.dispose();
    expect(failures).toEqual([]);
  });

  test('the sweep reached every kind of configuration it claims to check', () => {
    console.log(`backward sweep: ${JSON.stringify(total)}`);
    expect(total.configs).toBe(GROUPS * CONFIGS_PER_GROUP);
    for (const [kind, count] of Object.entries(total)) if (kind !== 'redrawn') expect([kind, count > 0]).toEqual([kind, true]);
    expect(total.tfjs).toBeGreaterThan(50);
  });
}
