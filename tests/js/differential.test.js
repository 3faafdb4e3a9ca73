'use strict';
// Randomized differential test: the public API against two independent
// references (the float64 JS reference and TensorFlow.js's CPU backend) over a
// seeded sweep of shapes, strides, dilations, paddings and data formats.
//
// Replay a failure: SEPCONV_SEEDS=1234,5678 npx jest tests/js/differential.test.js
// (the failure message prints the seed and the full configuration; add
// SEPCONV_WIDE=1 for seeds from the wide-shapes group).

const { init, separableConv2d, separableConv2dSync, dispose } = require('../../js/index.js');
const { drawConfig, DEFAULT_RANGES } = require('./random');
const { tensorsFor, apiOptions, referenceSpec, describeConfig, expectedOutputShape } = require('./config');
const { separableConv2dReference } = require('./reference');
const { initTfjs, separableConv2dTfjs } = require('./tfjs_reference');
const { mismatch, resultFormProblems } = require('./compare');

const FIRST_SEED = 20240601;
const CONFIGS_PER_GROUP = 200;
const ASYNC_GROUPS = 5; // 1000 configurations through the async API
const SYNC_CONFIGS = 100; // plus these through separableConv2dSync
const WIDE_CONFIGS = 30; // plus these beyond the brief's ranges

// Bigger channel counts and images than the main sweep, to reach SIMD-width
// multiples plus tails and to split work over every thread.
const WIDE_RANGES = {
  N: [1, 2], H: [20, 72], W: [20, 72], C: [1, 40], M: [1, 3], O: [1, 40], K: [1, 5],
};

const replaySeeds = process.env.SEPCONV_SEEDS
  ? process.env.SEPCONV_SEEDS.split(',').map((s) => Number(s.trim()))
  : null;

function seedRange(first, count) {
  return Array.from({ length: count }, (_, i) => first + i);
}

/**
 * Checks one result against both references. Returns a list of problems (empty
 * when it agrees). Reporting the reference-vs-reference agreement too tells a
 * reader at once whether a mismatch is the library's or a reference's fault.
 */
function check(cfg, tensors, got) {
  const spec = referenceSpec(cfg);
  const f64 = separableConv2dReference(tensors.x, tensors.depthwise, tensors.pointwise, spec);
  const tfjs = separableConv2dTfjs(tensors.x, tensors.depthwise, tensors.pointwise, spec);
  const problems = [];
  problems.push(...resultFormProblems(got, expectedOutputShape(cfg)));
  const vsF64 = mismatch(got, f64);
  const vsTfjs = mismatch(got, tfjs);
  if (vsF64) problems.push(`vs float64 reference: ${vsF64}`);
  if (vsTfjs) problems.push(`vs tfjs: ${vsTfjs}`);
  if (problems.length) {
    const refs = mismatch(tfjs, f64);
    problems.push(`(references agree with each other: ${refs ? `NO — ${refs}` : 'yes'})`);
    return [`${describeConfig(cfg)}\n    ${problems.join('\n    ')}`];
  }
  return [];
}

/** Runs the configs through `run` (async or sync API) and collects every failure. */
async function sweep(seeds, run, ranges = DEFAULT_RANGES) {
  const failures = [];
  for (const seed of seeds) {
    const cfg = drawConfig(seed, ranges);
    const tensors = tensorsFor(cfg);
    let got;
    try {
      got = await run(tensors, apiOptions(cfg));
    } catch (error) {
      failures.push(`${describeConfig(cfg)}\n    threw ${error && error.name}: ${error && error.message}`);
      continue;
    }
    failures.push(...check(cfg, tensors, got));
  }
  return failures;
}

const viaAsync = (t, options) => separableConv2d(t.x, t.depthwise, t.pointwise, options);
const viaSync = (t, options) => separableConv2dSync(t.x, t.depthwise, t.pointwise, options);

beforeAll(async () => {
  await Promise.all([init(), initTfjs()]);
});

afterAll(() => dispose());

if (replaySeeds) {
  test(`replay seeds ${replaySeeds.join(',')} (async and sync)`, async () => {
    const ranges = process.env.SEPCONV_WIDE ? WIDE_RANGES : DEFAULT_RANGES;
    expect(await sweep(replaySeeds, viaAsync, ranges)).toEqual([]);
    expect(await sweep(replaySeeds, viaSync, ranges)).toEqual([]);
  });
} else {
  for (let g = 0; g < ASYNC_GROUPS; g++) {
    const seeds = seedRange(FIRST_SEED + g * CONFIGS_PER_GROUP, CONFIGS_PER_GROUP);
    test(`async API matches both references: seeds ${seeds[0]}..${seeds[seeds.length - 1]}`, async () => {
      expect(await sweep(seeds, viaAsync)).toEqual([]);
    });
  }

  test(`sync API matches both references: ${SYNC_CONFIGS} configs`, async () => {
    const seeds = seedRange(FIRST_SEED + ASYNC_GROUPS * CONFIGS_PER_GROUP, SYNC_CONFIGS);
    expect(await sweep(seeds, viaSync)).toEqual([]);
  });

  test(`wide shapes match both references: ${WIDE_CONFIGS} configs`, async () => {
    const seeds = seedRange(FIRST_SEED + 30000, WIDE_CONFIGS);
    expect(await sweep(seeds, viaAsync, WIDE_RANGES)).toEqual([]);
  });

  test('concurrent async calls each get their own correct result', async () => {
    // Many calls in flight at once must not share buffers or outputs.
    const cfgs = seedRange(FIRST_SEED + 10000, 24).map((seed) => drawConfig(seed));
    const tensors = cfgs.map(tensorsFor);
    const results = await Promise.all(cfgs.map((cfg, i) => viaAsync(tensors[i], apiOptions(cfg))));
    const failures = cfgs.flatMap((cfg, i) => check(cfg, tensors[i], results[i]));
    expect(failures).toEqual([]);
  });

  test('the same config gives bit-identical results on repeated calls', async () => {
    // Thread scheduling must not change the arithmetic (no racy reductions).
    // The largest shapes of the sweep, so the work is spread over every thread.
    const cfg = {
      ...drawConfig(FIRST_SEED + 20000),
      dataFormat: 'NHWC', N: 3, H: 33, W: 33, C: 16, M: 4, O: 16, KH: 5, KW: 5,
      strides: [1, 1], dilations: [1, 1], stridesForm: 'pair', dilationsForm: 'pair', padding: 'SAME',
    };
    const t = tensorsFor(cfg);
    const first = await viaAsync(t, apiOptions(cfg));
    for (let i = 0; i < 5; i++) {
      const again = await viaAsync(t, apiOptions(cfg));
      expect(Buffer.from(again.data.buffer, again.data.byteOffset, again.data.byteLength)
        .equals(Buffer.from(first.data.buffer, first.data.byteOffset, first.data.byteLength))).toBe(true);
    }
  });
}
