'use strict';
// layer.setWeights(depthwiseFilter, pointwiseFilter, bias?): new weights of the layer's shapes,
// repacked in place (the forward's packed weights and the backward pass's).
//   1. after setWeights a layer computes what a fresh layer of the new weights computes, bit for
//      bit, forward and backward, and the forward result agrees with the float64 reference
//      (random layers: NHWC/NCHW, strides, dilations, padding, bias, activations; Float64Array
//      weights; NaN weights);
//   2. every error names the argument, the layer's shape and the given one, and leaves the
//      layer's weights and the heap as they were;
//   3. the packed block stays where it was and the heap returns to its baseline;
//   4. calls in flight: on a page's (non-blocking) path, in both ways it computes, a call started
//      before setWeights computes with the old weights and one started after with the new,
//      forward and backward.

const { createApi } = require('../../js/api');
const { loadModule, defaultThreads } = require('../../js/load_module_node');
const {
  init, createSeparableConv2d, getMemoryInfo, SeparableConv2dError, dispose,
} = require('../../js/index.js');
const { drawConfig, drawEpilogue, mulberry32, randomTensor } = require('./random');
const { tensorsFor, apiOptions, describeConfig, describeEpilogue } = require('./config');
const { forwardReference } = require('./reference');
const { mismatch } = require('./compare');
const { settledHeap } = require('./reliability_util');

const FIRST_SEED = 31000;
const LAYERS = 40;

const sameBits = (a, b) => a.length === b.length &&
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** New weights for cfg's layer, from another random stream than tensorsFor's. */
function otherWeights(cfg, hasBias) {
  const rng = mulberry32((cfg.seed * 7 + 12345) >>> 0);
  return {
    depthwise: randomTensor(rng, [cfg.KH, cfg.KW, cfg.C, cfg.M]),
    pointwise: randomTensor(rng, [1, 1, cfg.C * cfg.M, cfg.O]),
    bias: hasBias ? randomTensor(rng, [cfg.O]).data.map((v) => v * 4) : undefined,
  };
}

/** The layer's options for cfg with its epilogue, and with `bias` for it. */
function optionsWith(cfg, { activation }, bias) {
  const options = { ...apiOptions(cfg), activation };
  if (bias !== undefined) options.bias = bias;
  return options;
}

afterAll(() => dispose());

describe('after setWeights a layer computes what a fresh layer of the new weights computes', () => {
  const configs = Array.from({ length: LAYERS }, (_, i) => drawConfig(FIRST_SEED + i));

  test.each(configs.map((cfg) => [cfg.seed, cfg]))('seed %i', async (_, cfg) => {
    await init();
    const epilogue = drawEpilogue(cfg);
    const { x, depthwise, pointwise } = tensorsFor(cfg);
    const next = otherWeights(cfg, epilogue.bias !== undefined);
    const layer = await createSeparableConv2d(depthwise, pointwise, optionsWith(cfg, epilogue, epilogue.bias));
    const before = layer.runSync(x);
    // Float64Array weights half the time: converted to float32, as createSeparableConv2d does.
    const f64 = cfg.seed % 2 === 0;
    const given = f64 ? {
      depthwise: { data: Float64Array.from(next.depthwise.data), shape: next.depthwise.shape },
      pointwise: { data: Float64Array.from(next.pointwise.data), shape: next.pointwise.shape },
      bias: next.bias && Float64Array.from(next.bias),
    } : next;
    layer.setWeights(given.depthwise, given.pointwise, given.bias);
    const after = await layer.run(x);
    const fresh = await createSeparableConv2d(next.depthwise, next.pointwise, optionsWith(cfg, epilogue, next.bias));
    const expected = fresh.runSync(x);
    const dy = randomTensor(mulberry32(cfg.seed), after.shape);
    const gradients = layer.backwardSync(x, dy);
    const expectedGradients = fresh.backwardSync(x, dy);
    fresh.dispose();
    const what = `${describeConfig(cfg)} ${describeEpilogue(epilogue)} f64=${f64}`;
    if (!sameBits(after.data, expected.data)) throw new Error(`${what}: not the fresh layer's bits`);
    for (const [name, gradient] of Object.entries(expectedGradients)) {
      if (!sameBits(gradients[name].data, gradient.data)) throw new Error(`${what}: ${name} is not the fresh layer's`);
    }
    expect(Object.keys(gradients)).toEqual(Object.keys(expectedGradients));
    const problem = mismatch(after, forwardReference(x, next.depthwise, next.pointwise, optionsWith(cfg, epilogue, next.bias)),
      { scale: epilogue.activation === 'relu6' ? 6 : undefined });
    if (problem) throw new Error(`${what}: ${problem}`);
    // And back: the first weights give the first results again.
    layer.setWeights(depthwise, pointwise, epilogue.bias);
    if (!sameBits(layer.runSync(x).data, before.data)) throw new Error(`${what}: the old weights again differ`);
    layer.dispose();
  });

  test('NaN and infinite weights are taken as they are, as createSeparableConv2d takes them', async () => {
    await init();
    const dw = { data: Float32Array.of(1, NaN, 2, 3), shape: [2, 2, 1, 1] };
    const pw = { data: Float32Array.of(1, Infinity), shape: [1, 1, 1, 2] };
    const x = { data: Float32Array.from({ length: 9 }, (_, i) => i + 1), shape: [1, 3, 3, 1] };
    const options = { strides: 1, padding: 'SAME' };
    const layer = await createSeparableConv2d({ data: Float32Array.of(1, 0, 0, 0), shape: [2, 2, 1, 1] }, pw, options);
    layer.setWeights(dw, pw);
    const fresh = await createSeparableConv2d(dw, pw, options);
    const got = layer.runSync(x);
    expect(sameBits(got.data, fresh.runSync(x).data)).toBe(true);
    expect(got.data.some(Number.isNaN)).toBe(true);
    [layer, fresh].forEach((l) => l.dispose());
  });
});

describe('errors name the argument, the layer\'s shape and the given one; the layer keeps its weights', () => {
  const t = (shape, data) => ({ data: data || Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i / 10), shape });
  const dw = t([3, 3, 8, 1]);
  const pw = t([1, 1, 8, 4]);
  const bias = Float32Array.of(1, 2, 3, 4);
  const x = t([1, 5, 5, 8]);
  const detached = () => {
    const data = new Float32Array(72);
    structuredClone(data.buffer, { transfer: [data.buffer] });
    return { data, shape: [3, 3, 8, 1] };
  };
  const CASES = [
    ['a depthwise filter of another multiplier', [t([3, 3, 8, 2]), pw, bias], 'BAD_SHAPE',
      "block1: depthwiseFilter must have shape [3,3,8,1] like the layer's; got [3,3,8,2]"],
    ['a depthwise filter of another size', [t([5, 5, 8, 1]), pw, bias], 'BAD_SHAPE',
      "block1: depthwiseFilter must have shape [3,3,8,1] like the layer's; got [5,5,8,1]"],
    ['a pointwise filter of other outputs', [dw, t([1, 1, 8, 5]), bias], 'BAD_SHAPE',
      "block1: pointwiseFilter must have shape [1,1,8,4] like the layer's; got [1,1,8,5]"],
    ['a bias of another length', [dw, pw, Float32Array.of(1, 2)], 'BAD_SHAPE',
      "block1: bias must have length O = 4 like the layer's; got 2"],
    ['no bias for a layer made with one', [dw, pw], 'BAD_SHAPE',
      "block1: bias must have length O = 4 like the layer's (it was created with a bias); got none"],
    ['a bias of plain numbers', [dw, pw, [1, 2, 3, 4]], 'BAD_DTYPE',
      'block1: bias must be a Float32Array or Float64Array of length O = 4; got [1,2,3,4]'],
    ['integer data', [t([3, 3, 8, 1], new Int32Array(72)), pw, bias], 'BAD_DTYPE',
      'block1: depthwiseFilter.data must be a Float32Array or Float64Array; got Int32Array(72)'],
    ['rank 3', [{ data: new Float32Array(72), shape: [3, 3, 8] }, pw, bias], 'BAD_SHAPE',
      'block1: depthwiseFilter must have rank 4, [KH,KW,C,M]; got shape [3,3,8] (rank 3)'],
    ['a detached buffer', [detached(), pw, bias], 'BAD_TENSOR',
      'block1: depthwiseFilter.data has 0 elements (its ArrayBuffer is detached or empty) but shape [3,3,8,1] needs 72'],
    ['a getter that throws', [{ get data() { throw new Error('no'); }, shape: [3, 3, 8, 1] }, pw, bias], 'BAD_TENSOR',
      "block1: depthwiseFilter could not be read: 'Error: no'"],
    ['a Proxy whose traps throw', [new Proxy({}, { has() { throw new TypeError('trap'); } }), pw, bias], 'BAD_TENSOR',
      "block1: depthwiseFilter could not be read: 'TypeError: trap'"],
    ['not an object', [null, pw, bias], 'BAD_TENSOR', 'block1: depthwiseFilter must be an object {data, shape}; got null'],
  ];

  let layer;
  let expected;
  beforeAll(async () => {
    await init();
    layer = await createSeparableConv2d(dw, pw, { strides: 1, padding: 'SAME', bias, name: 'block1' });
    expected = layer.runSync(x).data;
    await settledHeap(getMemoryInfo);  // the pool's threads allocate a little when they start
  });
  afterAll(() => layer.dispose());

  test.each(CASES)('%s', async (_, args, code, message) => {
    const baseline = getMemoryInfo().heapBytesInUse;
    let error;
    try {
      layer.setWeights(...args);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SeparableConv2dError);
    expect({ code: error.code, message: error.message }).toEqual({ code, message });
    expect(getMemoryInfo().heapBytesInUse).toBe(baseline);
    expect(sameBits(layer.runSync(x).data, expected)).toBe(true);
  });

  test('a depthwise buffer detached by the pointwise filter\'s getter, after it was checked: BAD_TENSOR, nothing changed', () => {
    const baseline = getMemoryInfo().heapBytesInUse;
    const victim = t([3, 3, 8, 1], new Float32Array(72).fill(9));
    const sneaky = {
      shape: [1, 1, 8, 4],
      get data() {
        structuredClone(victim.data.buffer, { transfer: [victim.data.buffer] });
        return new Float32Array(32);
      },
    };
    expect(() => layer.setWeights(victim, sneaky, bias)).toThrow(
      expect.objectContaining({ code: 'BAD_TENSOR', message: 'block1: the depthwise array was detached or changed size while the call was being checked' }));
    expect(getMemoryInfo().heapBytesInUse).toBe(baseline);
    expect(sameBits(layer.runSync(x).data, expected)).toBe(true);
  });

  test('a bias for a layer made without one is refused', async () => {
    const plain = await createSeparableConv2d(dw, pw, { strides: 1, padding: 'SAME' });
    expect(() => plain.setWeights(dw, pw, bias)).toThrow(expect.objectContaining({
      code: 'BAD_SHAPE',
      message: 'bias must be left out: the layer was created without one (create it with options.bias, zeros say, to set one); got Float32Array(4)',
    }));
    plain.dispose();
  });

  test('after layer.dispose() and after the module\'s dispose(): DISPOSED', async () => {
    const disposed = await createSeparableConv2d(dw, pw, { strides: 1, padding: 'SAME' });
    disposed.dispose();
    expect(() => disposed.setWeights(dw, pw)).toThrow(expect.objectContaining({ code: 'DISPOSED', message: 'this layer was disposed' }));
    const api = createApi(loadModule, defaultThreads);
    await api.init({ backend: 'simd' });
    const orphan = await api.createSeparableConv2d(dw, pw, { strides: 1, padding: 'SAME' });
    api.dispose();
    expect(() => orphan.setWeights(dw, pw)).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
  });
});

test('the packed weights are repacked where they are: 200 setWeights leave the heap at its baseline', async () => {
  await init();
  const rng = mulberry32(99);
  const shapes = { depthwise: [5, 5, 32, 2], pointwise: [1, 1, 64, 96] };
  const weights = () => [randomTensor(rng, shapes.depthwise), randomTensor(rng, shapes.pointwise), randomTensor(rng, [96]).data];
  const [dw, pw, bias] = weights();
  const layer = await createSeparableConv2d(dw, pw, { strides: 1, padding: 'SAME', bias });
  const x = randomTensor(rng, [1, 12, 12, 32]);
  layer.runSync(x);  // the operator for x's shape is made once, and kept
  const packed = layer._heap.packed;
  const memory = getMemoryInfo();
  for (let i = 0; i < 200; i += 1) {
    layer.setWeights(...weights());
    if (i % 50 === 0) layer.runSync(x);
  }
  expect(layer._heap.packed).toBe(packed);
  expect(getMemoryInfo()).toEqual(memory);
  layer.dispose();
});

// The page's path (js/compute.js computeOnPage) in Node.js: an API made as a page's, whose calls
// compute without blocking; with threads the pool's workers compute, without the calls run in
// slices between which other tasks run. Calls are big enough for both to take many tasks.
describe.each(['threaded-simd', 'simd'])('calls in flight on a page\'s path (%s)', (backend) => {
  let api;
  beforeAll(async () => {
    api = createApi(loadModule, defaultThreads, { onPage: true });
    await api.init({ backend, threads: backend === 'simd' ? 1 : 2 });
  });
  afterAll(() => api.dispose());

  const rng = mulberry32(4242);
  const x = randomTensor(rng, [1, 48, 48, 32]);
  const weightSets = Array.from({ length: 3 }, () => [randomTensor(rng, [3, 3, 32, 1]), randomTensor(rng, [1, 1, 32, 64]), randomTensor(rng, [64]).data]);
  const options = (bias) => ({ strides: 1, padding: 'SAME', activation: 'relu', bias });

  test('calls started before setWeights compute with the old weights, calls after with the new', async () => {
    const dy = randomTensor(rng, [1, 48, 48, 64]);
    const expected = [];
    for (const [dw, pw, bias] of weightSets) {
      const fresh = await api.createSeparableConv2d(dw, pw, options(bias));
      expected.push({ y: (await fresh.run(x)).data, dx: (await fresh.backward(x, dy, { gradients: ['x'] })).dx.data });
      fresh.dispose();
    }
    const baseline = await settledHeap(api.getMemoryInfo);
    const layer = await api.createSeparableConv2d(...weightSets[0].slice(0, 2), options(weightSets[0][2]));
    const forward = () => layer.run(x).then(({ data }) => ({ y: data }));
    const backward = () => layer.backward(x, dy, { gradients: ['x'] }).then(({ dx }) => ({ dx: dx.data }));
    const calls = [forward(), backward()];
    layer.setWeights(...weightSets[1]);
    calls.push(forward(), backward());
    layer.setWeights(...weightSets[2]);
    weightSets[2].forEach((w) => (w.data || w).fill(NaN));  // copied by setWeights: changing them now changes nothing
    calls.push(backward(), forward());
    layer.dispose();  // after the calls made so far
    const results = await Promise.all(calls);
    const which = results.map((result) => {
      const [[key, data]] = Object.entries(result);
      return expected.findIndex((e) => sameBits(e[key], data));
    });
    expect(which).toEqual([0, 0, 1, 1, 2, 2]);
    await new Promise((resolve) => setTimeout(resolve, 0));  // the layer's memory is freed once its calls have settled
    expect(api.getMemoryInfo().heapBytesInUse).toBe(baseline);
  });

  test('with no call running, setWeights repacks at once; dispose() with a setWeights waiting leaves nothing to fail', async () => {
    const [dw, pw, bias] = weightSets[1];
    const layer = await api.createSeparableConv2d(dw, pw, options(bias));
    layer.setWeights(...weightSets[0]);
    const first = (await layer.run(x)).data;
    const again = await api.createSeparableConv2d(...weightSets[0].slice(0, 2), options(weightSets[0][2]));
    expect(sameBits(first, (await again.run(x)).data)).toBe(true);
    const running = layer.run(x);
    layer.setWeights(dw, pw, bias);  // waits for the running call, which dispose() ends
    api.dispose();
    // The call may have finished before dispose(), or rejects; the waiting repack is dropped.
    await running.catch((error) => expect(error.code).toBe('DISPOSED'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(() => layer.setWeights(dw, pw, bias)).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    await api.init({ backend, threads: backend === 'simd' ? 1 : 2 });
  });
});
