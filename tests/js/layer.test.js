'use strict';
// Prepared layers (createSeparableConv2d) and the fused epilogue (bias + activation):
//   1. a seeded differential sweep of layers, each run on 2-3 input sizes, against the
//      float64 reference and TensorFlow.js (tf.add / tf.relu / tf.relu6 after the conv);
//   2. the one-shot API with bias and activation against the same references;
//   3. the layer lifecycle (repeat runs, runSync, dispose, module dispose, many layers);
//   4. the error contract of layers and of the new options.
// The heap-growth check lives in layer_heap.test.js (it needs a spy on the loader).
//
// Replay a failing layer: SEPCONV_LAYER_SEEDS=1234,5678 npx jest tests/js/layer.test.js

const {
  init, createSeparableConv2d, separableConv2d, separableConv2dSync, SeparableConv2dError,
  SeparableConv2dLayer, dispose,
} = require('../../js/index.js');
const { drawConfig, drawEpilogue, drawInputShapes } = require('./random');
const {
  tensorsFor, apiOptions, referenceSpec, describeConfig, expectedOutputShape, withInputShape,
  inputFor, describeEpilogue, inputShape,
} = require('./config');
const { separableConv2dReference, applyBiasActivation } = require('./reference');
const { initTfjs, separableConv2dTfjs } = require('./tfjs_reference');
const { mismatch, resultFormProblems } = require('./compare');

const FIRST_SEED = 20241101; // away from differential.test.js's 20240601..20270630
const LAYER_GROUPS = 4;
const LAYERS_PER_GROUP = 60; // 240 layers, 600 runs
const ONE_SHOT_CONFIGS = 40;

const replaySeeds = process.env.SEPCONV_LAYER_SEEDS
  ? process.env.SEPCONV_LAYER_SEEDS.split(',').map((s) => Number(s.trim()))
  : null;

const seedRange = (first, count) => Array.from({ length: count }, (_, i) => first + i);
const sameBits = (a, b) => a.length === b.length &&
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** The layer's options for cfg: the public API's spelling plus the epilogue (omitted when undefined). */
function layerOptions(cfg, epilogue) {
  const options = apiOptions(cfg);
  if (epilogue.bias !== undefined) options.bias = epilogue.bias;
  if (epilogue.activation !== undefined) options.activation = epilogue.activation;
  return options;
}

// What the sweep exercised, so a silent narrowing of the draw is noticed.
const coverage = {
  runs: 0, withBias: 0, f64Bias: 0, activations: {}, reluCut: 0, relu6Saturated: 0,
};

/**
 * Checks one result of cfg (with the epilogue) on input x against both references.
 * The tolerance is measured at the pre-activation scale (see compare.js). Returns a
 * list of problems, each with a replayable description.
 */
function check(cfg, filters, epilogue, x, got, label) {
  const spec = referenceSpec(cfg);
  const raw = separableConv2dReference(x, filters.depthwise, filters.pointwise, spec);
  const pre = applyBiasActivation(raw, epilogue.bias, 'linear', cfg.dataFormat);
  const f64 = applyBiasActivation(raw, epilogue.bias, epilogue.activation, cfg.dataFormat);
  const tfjs = separableConv2dTfjs(x, filters.depthwise, filters.pointwise,
    { ...spec, bias: epilogue.bias, activation: epilogue.activation });
  let scale = 0;
  for (const v of pre.data) scale = Math.max(scale, Math.abs(v));

  const problems = [];
  problems.push(...resultFormProblems(got, expectedOutputShape(cfg)));
  const vsF64 = mismatch(got, f64, { scale });
  const vsTfjs = mismatch(got, tfjs, { scale });
  if (vsF64) problems.push(`vs float64 reference: ${vsF64}`);
  if (vsTfjs) problems.push(`vs tfjs: ${vsTfjs}`);

  coverage.runs++;
  if (epilogue.bias !== undefined) coverage.withBias++;
  if (epilogue.bias instanceof Float64Array) coverage.f64Bias++;
  const act = epilogue.activation || '(omitted)';
  coverage.activations[act] = (coverage.activations[act] || 0) + 1;
  for (let i = 0; i < pre.data.length; i++) {
    if (epilogue.activation !== undefined && epilogue.activation !== 'linear' && pre.data[i] < 0) coverage.reluCut++;
    if (epilogue.activation === 'relu6' && pre.data[i] > 6) coverage.relu6Saturated++;
  }

  if (problems.length) {
    const refs = mismatch(tfjs, f64, { scale });
    problems.push(`(references agree with each other: ${refs ? `NO — ${refs}` : 'yes'})`);
    return [`${label}: ${describeConfig(cfg)} ${describeEpilogue(epilogue)}\n    ${problems.join('\n    ')}`];
  }
  return [];
}

/**
 * One layer per seed: drawConfig's filters and options, drawEpilogue's bias and
 * activation, run on 2 or 3 input sizes (drawInputShapes), alternating run and
 * runSync, then once more on the first input, which must reproduce its first
 * result bit for bit (the layer switches its operator back).
 */
async function sweepLayers(seeds) {
  const failures = [];
  for (const seed of seeds) {
    const cfg = drawConfig(seed);
    const filters = tensorsFor(cfg);
    const epilogue = drawEpilogue(cfg);
    const describeLayer = () => `layer seed=${seed} ${describeConfig(cfg)} ${describeEpilogue(epilogue)}`;
    let layer;
    try {
      layer = await createSeparableConv2d(filters.depthwise, filters.pointwise, layerOptions(cfg, epilogue));
    } catch (error) {
      failures.push(`${describeLayer()}\n    createSeparableConv2d threw ${error && error.name}: ${error && error.message}`);
      continue;
    }
    try {
      const shapes = drawInputShapes(cfg, 2 + (seed % 2));
      let first = null;
      for (let v = 0; v < shapes.length; v++) {
        const variant = withInputShape(cfg, shapes[v]);
        const x = inputFor(variant, v);
        const how = v % 2 === 0 ? 'run' : 'runSync';
        let got;
        try {
          got = how === 'run' ? await layer.run(x) : layer.runSync(x);
        } catch (error) {
          failures.push(`${describeLayer()}\n    input #${v} ${JSON.stringify(x.shape)}: ${how} threw ${error && error.name}: ${error && error.message}`);
          continue;
        }
        failures.push(...check(variant, filters, epilogue, x, got, `layer seed=${seed} input #${v} via ${how}`));
        if (v === 0) first = { x, got };
      }
      if (first) {
        const again = await layer.run(first.x);
        if (!sameBits(again.data, first.got.data)) {
          failures.push(`${describeLayer()}\n    input #0 again after other shapes: result differs from the first run`);
        }
      }
    } finally {
      layer.dispose();
    }
  }
  return failures;
}

beforeAll(async () => {
  await Promise.all([init(), initTfjs()]);
});

afterAll(() => dispose());

// ---------------------------------------------------------------------------------------------
// 1. The seeded sweep of prepared layers.

describe('prepared layers with bias and activation match both references', () => {
  if (replaySeeds) {
    test(`replay layer seeds ${replaySeeds.join(',')}`, async () => {
      expect(await sweepLayers(replaySeeds)).toEqual([]);
    });
    return;
  }
  for (let g = 0; g < LAYER_GROUPS; g++) {
    const seeds = seedRange(FIRST_SEED + g * LAYERS_PER_GROUP, LAYERS_PER_GROUP);
    test(`layers ${seeds[0]}..${seeds[seeds.length - 1]}, each on 2-3 input sizes`, async () => {
      expect(await sweepLayers(seeds)).toEqual([]);
    });
  }

  test('the sweep exercised every epilogue (bias absent / f32 / f64, each activation, clamping)', () => {
    expect(coverage.runs).toBeGreaterThanOrEqual(LAYER_GROUPS * LAYERS_PER_GROUP * 2);
    expect(coverage.withBias).toBeGreaterThan(coverage.runs * 0.5);
    expect(coverage.withBias).toBeLessThan(coverage.runs * 0.95);
    expect(coverage.f64Bias).toBeGreaterThan(0);
    for (const act of ['(omitted)', 'linear', 'relu', 'relu6']) expect(coverage.activations[act]).toBeGreaterThan(10);
    expect(coverage.reluCut).toBeGreaterThan(1000);
    expect(coverage.relu6Saturated).toBeGreaterThan(100);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. The one-shot API with the same options.

test(`one-shot separableConv2d / separableConv2dSync with bias and activation: ${ONE_SHOT_CONFIGS} configs`, async () => {
  const failures = [];
  for (const seed of seedRange(FIRST_SEED + 5000, ONE_SHOT_CONFIGS)) {
    const cfg = drawConfig(seed);
    const t = tensorsFor(cfg);
    // Every config gets an epilogue that does something: bias on, activation stated.
    const drawn = drawEpilogue(cfg);
    const epilogue = {
      bias: drawn.bias || Float32Array.from({ length: cfg.O }, (_, k) => (k % 3) - 1),
      activation: ['linear', 'relu', 'relu6'][seed % 3],
    };
    const how = seed % 2 === 0 ? 'separableConv2d' : 'separableConv2dSync';
    let got;
    try {
      got = how === 'separableConv2d'
        ? await separableConv2d(t.x, t.depthwise, t.pointwise, layerOptions(cfg, epilogue))
        : separableConv2dSync(t.x, t.depthwise, t.pointwise, layerOptions(cfg, epilogue));
    } catch (error) {
      failures.push(`${how} ${describeConfig(cfg)} ${describeEpilogue(epilogue)}\n    threw ${error && error.name}: ${error && error.message}`);
      continue;
    }
    failures.push(...check(cfg, t, epilogue, t.x, got, how));
  }
  expect(failures).toEqual([]);
});

describe('epilogue semantics on hand-checkable values', () => {
  // x (1x3x3x1) through a 1x1 depthwise 1 and pointwise [1, -1]: channel 0 is x + b0,
  // channel 1 is -x + b1, so every sign and the NaN reach both channels.
  const x = { data: Float32Array.from([1, -2, 3, NaN, 5, -6, 7, 8, 9]), shape: [1, 3, 3, 1] };
  const dw = { data: Float32Array.from([1]), shape: [1, 1, 1, 1] };
  const pw = { data: Float32Array.from([1, -1]), shape: [1, 1, 1, 2] };
  const bias = Float32Array.from([0.5, -0.5]);
  const linear = [1.5, -1.5, -1.5, 1.5, 3.5, -3.5, NaN, NaN, 5.5, -5.5, -5.5, 5.5, 7.5, -7.5, 8.5, -8.5, 9.5, -9.5];
  const cases = {
    linear,
    relu: linear.map((v) => (v < 0 ? 0 : v)),
    relu6: linear.map((v) => (v < 0 ? 0 : v > 6 ? 6 : v)),
  };

  test.each(Object.keys(cases))('%s: bias added per output channel, activation last, NaN stays NaN', async (activation) => {
    const options = { strides: 1, padding: 'VALID', bias, activation };
    const layer = await createSeparableConv2d(dw, pw, options);
    const viaLayer = await layer.run(x);
    layer.dispose();
    const viaOneShot = separableConv2dSync(x, dw, pw, options);
    for (const got of [viaLayer, viaOneShot]) {
      expect(got.shape).toEqual([1, 3, 3, 2]);
      expect(Array.from(got.data)).toEqual(cases[activation]); // toEqual treats NaN as equal to NaN
    }
  });

  test('NCHW: the bias follows the channel axis (axis 1)', async () => {
    // 2 input channels, M = 1, pointwise identity 2 -> 2 plus a third output = c0 + c1.
    const xc = { data: Float32Array.from([1, 2, 3, 4, 10, 20, 30, 40]), shape: [1, 2, 2, 2] };
    const dwc = { data: Float32Array.from([1, 1]), shape: [1, 1, 2, 1] };
    const pwc = { data: Float32Array.from([1, 0, 1, 0, 1, 1]), shape: [1, 1, 2, 3] };
    const y = await separableConv2d(xc, dwc, pwc, {
      strides: 1, padding: 'VALID', dataFormat: 'NCHW', bias: Float64Array.from([100, 200, 300]),
    });
    expect(y.shape).toEqual([1, 3, 2, 2]);
    expect(Array.from(y.data)).toEqual([101, 102, 103, 104, 210, 220, 230, 240, 311, 322, 333, 344]);
  });

  test('infinities: relu6(+inf) = 6, relu(-inf) = 0, inf - inf = NaN, as the float64 reference says', async () => {
    const cfg = { ...drawConfig(FIRST_SEED + 6000), dataFormat: 'NHWC', N: 1, H: 7, W: 7, C: 3, M: 2, O: 5, KH: 3, KW: 3,
      strides: [1, 1], dilations: [1, 1], stridesForm: 'pair', dilationsForm: 'pair', padding: 'SAME', paddingSpelling: undefined };
    const t = tensorsFor(cfg);
    const xi = { data: t.x.data.slice(), shape: t.x.shape };
    xi.data[(3 * 7 + 3) * 3 + 0] = Infinity;   // centre pixel, channel 0
    xi.data[(1 * 7 + 5) * 3 + 1] = -Infinity;  // another pixel, channel 1
    xi.data[(5 * 7 + 1) * 3 + 2] = NaN;
    const bias = Float32Array.from([1, -1, 2, -2, 0]);
    const raw = separableConv2dReference(xi, t.depthwise, t.pointwise, referenceSpec(cfg));
    const linear = applyBiasActivation(raw, bias, 'linear', 'NHWC').data;
    // The premise: outputs that are +inf, -inf and NaN before the activation.
    expect(linear.some((v) => v === Infinity)).toBe(true);
    expect(linear.some((v) => v === -Infinity)).toBe(true);
    expect(linear.some((v) => Number.isNaN(v))).toBe(true);
    for (const activation of ['linear', 'relu', 'relu6']) {
      const epilogue = { bias, activation };
      const got = await separableConv2d(xi, t.depthwise, t.pointwise, layerOptions(cfg, epilogue));
      const want = applyBiasActivation(raw, bias, activation, 'NHWC');
      const bad = [];
      for (let i = 0; i < want.data.length; i++) {
        const w = want.data[i];
        const g = got.data[i];
        const ok = Number.isNaN(w) ? Number.isNaN(g)
          : !Number.isFinite(w) ? g === w
            : Math.abs(g - w) <= 1e-4 * (1 + Math.abs(w));
        if (!ok) bad.push(`${activation} flat index ${i}: got ${g}, expected ${w}`);
      }
      expect(bad.slice(0, 10)).toEqual([]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 3. The layer lifecycle.

/** A mid-sized config and its layer: 3 inputs of different sizes. */
function lifecycleCase(seed, overrides = {}) {
  const cfg = { ...drawConfig(seed), ...overrides };
  const filters = tensorsFor(cfg);
  const epilogue = { bias: Float32Array.from({ length: cfg.O }, (_, k) => 0.25 * k - 1), activation: 'relu6' };
  const shapes = drawInputShapes(cfg, 3);
  const inputs = shapes.map((s, v) => inputFor(withInputShape(cfg, s), v));
  const cache = new Map();
  // The float64 reference for input i, and the mismatch of a result against it (null: agrees).
  const expected = (i) => {
    if (!cache.has(i)) {
      const raw = separableConv2dReference(inputs[i], filters.depthwise, filters.pointwise, referenceSpec(withInputShape(cfg, shapes[i])));
      cache.set(i, {
        want: applyBiasActivation(raw, epilogue.bias, epilogue.activation, cfg.dataFormat),
        scale: applyBiasActivation(raw, epilogue.bias, 'linear', cfg.dataFormat).data.reduce((m, v) => Math.max(m, Math.abs(v)), 0),
      });
    }
    return cache.get(i);
  };
  const disagreement = (got, i) => mismatch(got, expected(i).want, { scale: expected(i).scale });
  return { cfg, filters, epilogue, shapes, inputs, expected, disagreement, options: layerOptions(cfg, epilogue) };
}

async function rejection(promise) {
  return promise.then(() => { throw new Error('resolved instead of rejecting'); }, (error) => error);
}

function thrown(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

function expectCode(error, code, ...mentions) {
  expect(error).toBeInstanceOf(SeparableConv2dError);
  expect(error.code).toBe(code);
  for (const m of mentions) {
    if (m instanceof RegExp) expect(error.message).toMatch(m);
    else expect(error.message).toContain(m);
  }
}

describe('layer lifecycle', () => {
  const BIG = { dataFormat: 'NHWC', N: 2, H: 33, W: 33, C: 16, M: 4, O: 16, KH: 5, KW: 5,
    strides: [1, 1], dilations: [1, 1], stridesForm: 'pair', dilationsForm: 'pair', padding: 'SAME', paddingSpelling: undefined };

  test('createSeparableConv2d resolves to a SeparableConv2dLayer', async () => {
    const c = lifecycleCase(FIRST_SEED + 7000);
    const layer = await createSeparableConv2d(c.filters.depthwise, c.filters.pointwise, c.options);
    expect(layer).toBeInstanceOf(SeparableConv2dLayer);
    expect(typeof layer.run).toBe('function');
    expect(typeof layer.runSync).toBe('function');
    layer.dispose();
  });

  test('many runs give bit-identical results, across shape switches; runSync equals run', async () => {
    // The largest shapes of the sweep, so every thread takes part.
    const c = lifecycleCase(FIRST_SEED + 7001, BIG);
    const layer = await createSeparableConv2d(c.filters.depthwise, c.filters.pointwise, c.options);
    const firsts = [];
    for (let i = 0; i < c.inputs.length; i++) firsts.push(await layer.run(c.inputs[i]));
    expect(c.disagreement(firsts[0], 0)).toBeNull();
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < c.inputs.length; i++) {
        const i2 = (i + round) % c.inputs.length; // vary the order, so the operator switches shape
        const viaRun = await layer.run(c.inputs[i2]);
        const viaSync = layer.runSync(c.inputs[i2]);
        expect(viaRun.shape).toEqual(firsts[i2].shape);
        expect(sameBits(viaRun.data, firsts[i2].data)).toBe(true);
        expect(sameBits(viaSync.data, firsts[i2].data)).toBe(true);
      }
    }
    layer.dispose();
  });

  test('an input of several bands arrives while the threads start on it: every run reads its own values, NHWC and NCHW', async () => {
    // More than 2^16 floats an input, so that it is copied in bands after the pool starts
    // (js/heap_layer.js copyInputInBands); two inputs of one shape, so that a thread that read a
    // row before it arrived would find the last call's values there.
    for (const [i, dataFormat] of ['NHWC', 'NCHW'].entries()) {
      const c = lifecycleCase(FIRST_SEED + 7010 + i, {
        ...BIG, dataFormat, N: 3, H: 44, W: 42, C: 32, M: 1, O: 16, KH: 3, KW: 3,
        ranges: { N: [2, 3], H: [40, 48], W: [40, 48] },
      });
      expect(c.inputs.every((x) => x.data.length > 2 ** 16)).toBe(true);
      const negated = { data: c.inputs[0].data.map((v) => -v), shape: c.inputs[0].shape };
      const layer = await createSeparableConv2d(c.filters.depthwise, c.filters.pointwise, c.options);
      const first = layer.runSync(c.inputs[0]);
      for (let round = 0; round < 3; round++) {
        expect(c.disagreement(layer.runSync(c.inputs[0]), 0)).toBeNull();
        expect(sameBits(layer.runSync(negated).data, first.data)).toBe(false);
        expect(sameBits(layer.runSync(c.inputs[0]).data, first.data)).toBe(true);
        for (let k = 1; k < c.inputs.length; k++) expect(c.disagreement(await layer.run(c.inputs[k]), k)).toBeNull();
      }
      layer.dispose();
    }
  });

  test('a result of several bands is copied into the caller\'s array as its rows finish: every row of every run, NHWC and NCHW', async () => {
    // More than 2^16 floats a result, so that the calling thread copies rows out into the given
    // array between its steps (js/heap_layer.js finishedRowsCopier); NCHW by whole images. Two
    // inputs in turn into one array: a row left uncopied would keep the other input's values.
    for (const [i, dataFormat] of ['NHWC', 'NCHW'].entries()) {
      const c = lifecycleCase(FIRST_SEED + 7020 + i, {
        ...BIG, dataFormat, N: 3, H: 40, W: 40, C: 16, M: 1, O: 32, KH: 3, KW: 3,
        ranges: { N: [2, 3], H: [36, 44], W: [36, 44] },
      });
      const layer = await createSeparableConv2d(c.filters.depthwise, c.filters.pointwise, c.options);
      for (let k = 0; k < c.inputs.length; k++) {
        const fresh = layer.runSync(c.inputs[k]);
        expect(fresh.data.length).toBeGreaterThan(2 ** 16);
        expect(c.disagreement(fresh, k)).toBeNull();
        const output = new Float32Array(fresh.data.length);
        const negated = { data: c.inputs[k].data.map((v) => -v), shape: c.inputs[k].shape };
        for (let round = 0; round < 3; round++) {
          layer.runSync(negated, { output });
          expect(c.disagreement(layer.runSync(c.inputs[k], { output }), k)).toBeNull();
          expect(sameBits((await layer.run(c.inputs[k], { output })).data, fresh.data)).toBe(true);
        }
      }
      layer.dispose();
    }
  });

  test('each result is its own Float32Array; inputs are not modified', async () => {
    const c = lifecycleCase(FIRST_SEED + 7002);
    const layer = await createSeparableConv2d(c.filters.depthwise, c.filters.pointwise, c.options);
    const before = c.inputs[0].data.slice();
    const a = await layer.run(c.inputs[0]);
    const b = await layer.run(c.inputs[0]);
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(a.data.buffer).not.toBe(b.data.buffer);
    a.data.fill(123);
    expect(sameBits(c.inputs[0].data, before)).toBe(true);
    expect(c.disagreement(b, 0)).toBeNull();
    layer.dispose();
  });

  test('the layer keeps its own copy of the weights and bias (later edits to the arrays do not matter)', async () => {
    const c = lifecycleCase(FIRST_SEED + 7003);
    const dw = { data: c.filters.depthwise.data.slice(), shape: c.filters.depthwise.shape };
    const pw = { data: c.filters.pointwise.data.slice(), shape: c.filters.pointwise.shape };
    const bias = c.epilogue.bias.slice();
    const layer = await createSeparableConv2d(dw, pw, { ...c.options, bias });
    const before = await layer.run(c.inputs[1]);
    dw.data.fill(NaN);
    pw.data.fill(7);
    bias.fill(-100);
    const after = await layer.run(c.inputs[1]);
    expect(sameBits(after.data, before.data)).toBe(true);
    expect(c.disagreement(after, 1)).toBeNull();
    layer.dispose();
  });

  test('Float64Array inputs give the same result as their Float32Array values', async () => {
    const c = lifecycleCase(FIRST_SEED + 7004);
    const layer = await createSeparableConv2d(c.filters.depthwise, c.filters.pointwise, c.options);
    const x32 = c.inputs[0];
    const x64 = { data: Float64Array.from(x32.data), shape: x32.shape };
    expect(sameBits((await layer.run(x64)).data, (await layer.run(x32)).data)).toBe(true);
    layer.dispose();
  });

  test('an input with batch 0 gives an empty output of the right shape', async () => {
    const c = lifecycleCase(FIRST_SEED + 7005, { dataFormat: 'NCHW' });
    const layer = await createSeparableConv2d(c.filters.depthwise, c.filters.pointwise, c.options);
    const empty = withInputShape(c.cfg, { N: 0, H: c.shapes[0].H, W: c.shapes[0].W });
    const y = layer.runSync({ data: new Float32Array(0), shape: inputShape(empty) });
    expect(y.shape).toEqual(expectedOutputShape(empty));
    expect(y.data).toBeInstanceOf(Float32Array);
    expect(y.data.length).toBe(0);
    // ...and the layer still computes a real input afterwards.
    expect(c.disagreement(await layer.run(c.inputs[0]), 0)).toBeNull();
    layer.dispose();
  });

  test('dispose() twice is fine; run / runSync afterwards fail with DISPOSED', async () => {
    const c = lifecycleCase(FIRST_SEED + 7006);
    const layer = await createSeparableConv2d(c.filters.depthwise, c.filters.pointwise, c.options);
    await layer.run(c.inputs[0]);
    expect(layer.dispose()).toBeUndefined();
    expect(() => layer.dispose()).not.toThrow();
    let promise;
    expect(() => { promise = layer.run(c.inputs[0]); }).not.toThrow(); // rejects, never throws
    expectCode(await rejection(promise), 'DISPOSED');
    expectCode(thrown(() => layer.runSync(c.inputs[0])), 'DISPOSED');
    // Invalid input to a disposed layer: still DISPOSED or an argument error, never a crash.
    expect(thrown(() => layer.runSync(null))).toBeInstanceOf(SeparableConv2dError);
    expect(() => layer.dispose()).not.toThrow();
  });

  test('many layers alive at once do not interfere', async () => {
    const cases = seedRange(FIRST_SEED + 8000, 32).map((seed) => lifecycleCase(seed));
    const layers = await Promise.all(cases.map((c) => createSeparableConv2d(c.filters.depthwise, c.filters.pointwise, c.options)));
    // Every (layer, input) pair, shuffled deterministically, half async in flight at once, half sync.
    const jobs = cases.flatMap((c, l) => c.inputs.map((_, i) => [l, i]));
    jobs.sort((a, b) => ((a[0] * 7919 + a[1] * 104729) % 97) - ((b[0] * 7919 + b[1] * 104729) % 97));
    const results = await Promise.all(jobs.map(([l, i], j) => (j % 2 === 0
      ? layers[l].run(cases[l].inputs[i])
      : Promise.resolve(layers[l].runSync(cases[l].inputs[i])))));
    const failures = [];
    jobs.forEach(([l, i], j) => {
      const m = cases[l].disagreement(results[j], i);
      if (m) failures.push(`layer seed=${cases[l].cfg.seed} input #${i}: ${m}`);
    });
    expect(failures).toEqual([]);
    // Dispose every other layer; the rest still reproduce their results exactly.
    layers.forEach((layer, l) => { if (l % 2 === 0) layer.dispose(); });
    jobs.forEach(([l, i], j) => {
      if (l % 2 === 1) expect(sameBits(layers[l].runSync(cases[l].inputs[i]).data, results[j].data)).toBe(true);
    });
    layers.forEach((layer) => layer.dispose());
  });

  test('a failed construction leaves the module and other layers working', async () => {
    const c = lifecycleCase(FIRST_SEED + 7007);
    const layer = await createSeparableConv2d(c.filters.depthwise, c.filters.pointwise, c.options);
    const before = await layer.run(c.inputs[0]);
    const { depthwise: dw, pointwise: pw } = c.filters;
    const O = c.cfg.O;
    const attempts = [
      ['BAD_SHAPE', { ...c.options, bias: new Float32Array(O + 1) }],
      ['BAD_DTYPE', { ...c.options, bias: new Int32Array(O) }],
      ['BAD_OPTIONS', { ...c.options, activation: 'gelu' }],
      ['BAD_OPTIONS', { ...c.options, strides: undefined }],
    ];
    for (const [code, options] of attempts) expectCode(await rejection(createSeparableConv2d(dw, pw, options)), code);
    const wrongPw = { data: new Float32Array((pw.shape[2] + 1) * O), shape: [1, 1, pw.shape[2] + 1, O] };
    expectCode(await rejection(createSeparableConv2d(dw, wrongPw, c.options)), 'BAD_SHAPE', 'pointwiseFilter');
    expect(sameBits((await layer.run(c.inputs[0])).data, before.data)).toBe(true);
    const fresh = await createSeparableConv2d(dw, pw, c.options);
    expect(sameBits((await fresh.run(c.inputs[0])).data, before.data)).toBe(true);
    expect(c.disagreement(separableConv2dSync(c.inputs[0], dw, pw, c.options), 0)).toBeNull();
    fresh.dispose();
    layer.dispose();
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Errors: new options, layer inputs.

describe('errors', () => {
  // A valid base: x 1x6x6x3 (NHWC), depthwise 3x3x3x2, pointwise 6 -> 4.
  const f32 = (shape, fill = 0.5) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill), shape });
  const X = f32([1, 6, 6, 3]);
  const DW = f32([3, 3, 3, 2]);
  const PW = f32([1, 1, 6, 4]);
  const BASE = { strides: 1, padding: 'VALID' };

  // Option errors: createSeparableConv2d rejects, the one-shot API rejects / throws.
  const OPTION_CASES = [
    { title: 'bias is a plain array', bias: [1, 2, 3, 4], code: 'BAD_DTYPE', mentions: ['bias'] },
    { title: 'bias is an Int32Array', bias: new Int32Array(4), code: 'BAD_DTYPE', mentions: ['bias', 'Int32Array'] },
    { title: 'bias is a Uint8Array', bias: new Uint8Array(4), code: 'BAD_DTYPE', mentions: ['bias'] },
    { title: 'bias is null', bias: null, code: 'BAD_DTYPE', mentions: ['bias'] },
    { title: 'bias is a number', bias: 1, code: 'BAD_DTYPE', mentions: ['bias'] },
    { title: 'bias is a {data, shape} tensor', bias: { data: new Float32Array(4), shape: [4] }, code: 'BAD_DTYPE', mentions: ['bias'] },
    { title: 'bias too short (3 for O = 4)', bias: new Float32Array(3), code: 'BAD_SHAPE', mentions: ['bias', /\bO\b/, '4', '3'] },
    { title: 'bias too long (5 for O = 4)', bias: new Float64Array(5), code: 'BAD_SHAPE', mentions: ['bias', /\bO\b/, '4', '5'] },
    { title: 'bias empty', bias: new Float32Array(0), code: 'BAD_SHAPE', mentions: ['bias', '4'] },
    { title: 'bias of length C*M (6) instead of O (4)', bias: new Float32Array(6), code: 'BAD_SHAPE', mentions: ['bias', '4', '6'] },
    { title: "activation 'sigmoid'", activation: 'sigmoid', code: 'BAD_OPTIONS', mentions: ['activation', 'sigmoid'] },
    { title: "activation 'relu7'", activation: 'relu7', code: 'BAD_OPTIONS', mentions: ['activation', 'relu7'] },
    { title: 'activation empty string', activation: '', code: 'BAD_OPTIONS', mentions: ['activation'] },
    { title: 'activation null', activation: null, code: 'BAD_OPTIONS', mentions: ['activation', 'null'] },
    { title: 'activation a number', activation: 6, code: 'BAD_OPTIONS', mentions: ['activation', '6'] },
    { title: 'activation a function', activation: Math.max, code: 'BAD_OPTIONS', mentions: ['activation'] },
    // Names inherited from Object.prototype must not pass as activations.
    { title: "activation 'toString'", activation: 'toString', code: 'BAD_OPTIONS', mentions: ['activation', 'toString'] },
    { title: "activation '__proto__'", activation: '__proto__', code: 'BAD_OPTIONS', mentions: ['activation'] },
    { title: "activation 'constructor'", activation: 'constructor', code: 'BAD_OPTIONS', mentions: ['activation'] },
  ].map((c) => {
    const options = { ...BASE };
    if ('bias' in c) options.bias = c.bias;
    if ('activation' in c) options.activation = c.activation;
    return { ...c, options, label: `${c.code}: ${c.title}` };
  });

  test.each(OPTION_CASES)('createSeparableConv2d rejects: $label', async (c) => {
    let promise;
    expect(() => { promise = createSeparableConv2d(DW, PW, c.options); }).not.toThrow();
    expectCode(await rejection(promise), c.code, ...c.mentions);
  });

  test.each(OPTION_CASES)('separableConv2d rejects, separableConv2dSync throws: $label', async (c) => {
    let promise;
    expect(() => { promise = separableConv2d(X, DW, PW, c.options); }).not.toThrow();
    expectCode(await rejection(promise), c.code, ...c.mentions);
    expectCode(thrown(() => separableConv2dSync(X, DW, PW, c.options)), c.code, ...c.mentions);
  });

  test('the name option prefixes bias and activation errors', async () => {
    const named = { ...BASE, name: 'block7' };
    expectCode(await rejection(createSeparableConv2d(DW, PW, { ...named, bias: new Float32Array(3) })), 'BAD_SHAPE', 'block7', 'bias');
    expectCode(await rejection(createSeparableConv2d(DW, PW, { ...named, bias: [0, 0, 0, 0] })), 'BAD_DTYPE', 'block7', 'bias');
    expectCode(await rejection(createSeparableConv2d(DW, PW, { ...named, activation: 'elu' })), 'BAD_OPTIONS', 'block7', 'activation');
  });

  test("activation 'linear' explicitly and bias omitted are accepted", async () => {
    const plain = await separableConv2d(X, DW, PW, BASE);
    const linear = await separableConv2d(X, DW, PW, { ...BASE, activation: 'linear', bias: undefined });
    expect(sameBits(linear.data, plain.data)).toBe(true);
  });

  // Input errors of a prepared layer: run rejects, runSync throws, and the layer keeps working.
  const INPUT_CASES = [
    { title: 'NHWC input with 2 channels for C = 3', layerOptions: {}, x: f32([1, 6, 6, 2]), code: 'BAD_SHAPE', mentions: [/depthwiseFilter|input/, '2', '3'] },
    { title: 'NHWC input with 4 channels for C = 3', layerOptions: {}, x: f32([2, 5, 5, 4]), code: 'BAD_SHAPE', mentions: ['4', '3'] },
    // Under NHWC order this input would have 3 channels; under NCHW it has 6.
    { title: 'NCHW input with 6 channels for C = 3', layerOptions: { dataFormat: 'NCHW' }, x: f32([1, 6, 5, 3]), code: 'BAD_SHAPE', mentions: ['6', '3'] },
    { title: 'output height 0 (VALID, 3x3 kernel, input height 2)', layerOptions: {}, x: f32([1, 2, 6, 3]), code: 'BAD_OUTPUT_SIZE', mentions: [/height/] },
    { title: 'output width 0 (VALID, 3x3 kernel, input width 1)', layerOptions: {}, x: f32([1, 6, 1, 3]), code: 'BAD_OUTPUT_SIZE', mentions: [/width/] },
    { title: 'output width 0 (NCHW, stride 2, dilation 1, input width 2)', layerOptions: { dataFormat: 'NCHW', strides: 2 }, x: f32([1, 3, 9, 2]), code: 'BAD_OUTPUT_SIZE', mentions: [/width/] },
    { title: 'output height 0 with dilation 3 (effective kernel 7)', layerOptions: { dilations: 3 }, x: f32([1, 6, 9, 3]), code: 'BAD_OUTPUT_SIZE', mentions: [/height/, '7'] },
    { title: 'input is null', layerOptions: {}, x: null, code: 'BAD_TENSOR', mentions: ['input'] },
    { title: 'input data length wrong', layerOptions: {}, x: { data: new Float32Array(10), shape: [1, 6, 6, 3] }, code: 'BAD_TENSOR', mentions: ['input'] },
    { title: 'input data an Int32Array', layerOptions: {}, x: { data: new Int32Array(108), shape: [1, 6, 6, 3] }, code: 'BAD_DTYPE', mentions: ['input'] },
    { title: 'input rank 3', layerOptions: {}, x: f32([6, 6, 3]), code: 'BAD_SHAPE', mentions: ['input'] },
  ].map((c) => ({ ...c, label: `${c.code}: ${c.title}` }));

  test.each(INPUT_CASES)('layer.run rejects, runSync throws, the layer still works: $label', async (c) => {
    const options = { ...BASE, bias: Float32Array.from([1, -1, 2, -2]), activation: 'relu', name: 'L1', ...c.layerOptions };
    const layer = await createSeparableConv2d(DW, PW, options);
    const nchw = options.dataFormat === 'NCHW';
    const good = f32(nchw ? [2, 3, 7, 8] : [2, 7, 8, 3], 0.25);
    let promise;
    expect(() => { promise = layer.run(c.x); }).not.toThrow();
    expectCode(await rejection(promise), c.code, 'L1', ...c.mentions);
    expectCode(thrown(() => layer.runSync(c.x)), c.code, 'L1', ...c.mentions);
    // The same layer on a valid input, against the reference.
    const spec = {
      strides: typeof options.strides === 'number' ? [options.strides, options.strides] : options.strides,
      dilations: options.dilations ? [options.dilations, options.dilations] : [1, 1],
      padding: options.padding,
      dataFormat: options.dataFormat || 'NHWC',
    };
    const want = applyBiasActivation(separableConv2dReference(good, DW, PW, spec), options.bias, options.activation, spec.dataFormat);
    expect(mismatch(await layer.run(good), want)).toBeNull();
    expect(mismatch(layer.runSync(good), want)).toBeNull();
    layer.dispose();
  });
});

// ---------------------------------------------------------------------------------------------
// 3b. Module dispose(): last, because it closes every layer made so far.

describe('module dispose()', () => {
  test('layers of a disposed module fail with DISPOSED; a fresh init() and layer work', async () => {
    const c = lifecycleCase(FIRST_SEED + 9000);
    const old = await createSeparableConv2d(c.filters.depthwise, c.filters.pointwise, c.options);
    const before = await old.run(c.inputs[0]);
    dispose();
    expectCode(await rejection(old.run(c.inputs[0])), 'DISPOSED');
    expectCode(thrown(() => old.runSync(c.inputs[0])), 'DISPOSED');
    expect(() => old.dispose()).not.toThrow(); // its memory went with the module
    expect(() => old.dispose()).not.toThrow();

    await init();
    expectCode(await rejection(old.run(c.inputs[0])), 'DISPOSED'); // not revived by the new module
    const fresh = await createSeparableConv2d(c.filters.depthwise, c.filters.pointwise, c.options);
    const after = await fresh.run(c.inputs[0]);
    expect(sameBits(after.data, before.data)).toBe(true);
    expect(c.disagreement(after, 0)).toBeNull();
    fresh.dispose();
  });

  test('createSeparableConv2d after dispose() loads the module again by itself', async () => {
    const c = lifecycleCase(FIRST_SEED + 9001);
    const a = await createSeparableConv2d(c.filters.depthwise, c.filters.pointwise, c.options);
    dispose();
    const b = await createSeparableConv2d(c.filters.depthwise, c.filters.pointwise, c.options); // no init()
    expect(c.disagreement(await b.run(c.inputs[2]), 2)).toBeNull();
    expectCode(thrown(() => a.runSync(c.inputs[2])), 'DISPOSED');
    a.dispose(); // must not free anything in the new module, which b's weights live in
    expect(c.disagreement(b.runSync(c.inputs[2]), 2)).toBeNull();
    expect(c.disagreement(await b.run(c.inputs[1]), 1)).toBeNull();
    b.dispose();
  });

  test('disposing the module twice and layers in any order is harmless', async () => {
    const c = lifecycleCase(FIRST_SEED + 9002);
    const layers = await Promise.all([0, 1, 2].map(() => createSeparableConv2d(c.filters.depthwise, c.filters.pointwise, c.options)));
    layers[0].dispose();
    dispose();
    dispose();
    layers[1].dispose();
    expectCode(thrown(() => layers[2].runSync(c.inputs[0])), 'DISPOSED');
    layers[2].dispose();
    const y = await separableConv2d(c.inputs[0], c.filters.depthwise, c.filters.pointwise, c.options);
    expect(c.disagreement(y, 0)).toBeNull();
  });
});
