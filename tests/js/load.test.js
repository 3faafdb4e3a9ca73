'use strict';
// Load, leaks and concurrency:
//   1. 5,000 calls of mixed shapes: one-shot (sync and async) and prepared layers created and
//      disposed as they go, with rejected and TOO_LARGE calls mixed in. After the warm-up round,
//      every round must leave exactly the same bytes in use and the same wasm memory size.
//   2. 200 concurrent separableConv2d promises of different shapes (plus rejected ones and
//      layer runs in between), before and after init(): every one resolves to the right result.
//   3. Calls that throw part-way (an input found bad only against the layer, TOO_LARGE in a run)
//      leave the heap exactly as it was.

const {
  init, separableConv2d, separableConv2dSync, createSeparableConv2d, SeparableConv2dError,
  dispose, getMemoryInfo,
} = require('../../js/index.js');
const { drawConfig, drawInputShapes, mulberry32, pick } = require('./random');
const {
  tensorsFor, apiOptions, referenceSpec, withInputShape, inputFor, describeConfig, inputShape,
} = require('./config');
const { separableConv2dReference } = require('./reference');
const { mismatch } = require('./compare');
const {
  isolatedApi, tensor, thrown, rejection, errorSummary, settledHeap,
} = require('./reliability_util');

const ROUNDS = 5; // the first is the warm-up
const CALLS_PER_ROUND = 1000;
const CHECK_EVERY = 10; // compare every 10th result with the float64 reference
const LIVE_LAYERS = 6;

// A layer whose every run is too large (40001 x 40001 x 2 outputs from a 1x1 input), kept for
// the whole test, and a big call that makes the wasm memory grow in the warm-up round.
const GIANT = { dw: tensor([1, 1, 1, 1], 1), pw: tensor([1, 1, 1, 2], 1), options: { strides: 1, padding: [[0, 0], [20000, 20000], [20000, 20000], [0, 0]] } };
const BIG = { x: tensor([1, 512, 512, 1], 0.5), dw: tensor([1, 1, 1, 1], 2), pw: tensor([1, 1, 1, 40], 1), options: { strides: 1, padding: 'VALID' } };

const mb = (b) => (b / 2 ** 20).toFixed(1);

function expectCode(error, code) {
  expect(errorSummary(error)).toMatch(new RegExp(`^${code}: `));
}

beforeAll(async () => {
  await init();
  await settledHeap(getMemoryInfo);
});
afterAll(() => dispose());

test(`${ROUNDS * CALLS_PER_ROUND} mixed calls: after the warm-up, exactly the same heap use and wasm memory after every round`, async () => {
  const rng = mulberry32(0x10ad);
  const giant = await createSeparableConv2d(GIANT.dw, GIANT.pw, GIANT.options);
  const afterRound = [];
  const wrong = [];
  const counts = { oneShotSync: 0, oneShotAsync: 0, runSync: 0, run: 0, layersMade: 0, rejected: 0, tooLarge: 0, checked: 0 };
  let seed = 40000;

  const newLayer = async () => {
    const cfg = drawConfig(seed++);
    const filters = tensorsFor(cfg);
    const options = apiOptions(cfg);
    if (rng() < 0.5) options.bias = Float32Array.from({ length: cfg.O }, () => rng() - 0.5);
    counts.layersMade++;
    return { cfg, filters, options, layer: await createSeparableConv2d(filters.depthwise, filters.pointwise, options), shapes: drawInputShapes(cfg, 3) };
  };

  for (let round = 0; round < ROUNDS; round++) {
    const live = [];
    for (let i = 0; i < LIVE_LAYERS; i++) live.push(await newLayer());
    for (let call = 0; call < CALLS_PER_ROUND; call++) {
      const n = round * CALLS_PER_ROUND + call;
      // Replace a layer now and then: layers are made and disposed throughout.
      if (call % 12 === 11) {
        live.splice(Math.floor(rng() * live.length), 1)[0].layer.dispose();
        live.push(await newLayer());
      }
      // Every 50th call is rejected (a channel count the layer does not take), every 100th is
      // TOO_LARGE; each round makes the big call once.
      if (call % 50 === 25) {
        const l = pick(rng, live);
        const bad = withInputShape({ ...l.cfg, C: l.cfg.C + 1 }, l.shapes[0]);
        expectCode(thrown(() => l.layer.runSync(inputFor(bad, 0))), 'BAD_SHAPE');
        counts.rejected++;
        continue;
      }
      if (call % 100 === 50) {
        expectCode(n % 200 === 50 ? thrown(() => giant.runSync(tensor([1, 1, 1, 1])))
          : await rejection(separableConv2d(tensor([1, 1, 1, 1]), GIANT.dw, GIANT.pw, GIANT.options)), 'TOO_LARGE');
        counts.tooLarge++;
        continue;
      }
      if (call === 500) {
        const y = separableConv2dSync(BIG.x, BIG.dw, BIG.pw, BIG.options);
        if (y.data.length !== 512 * 512 * 40 || y.data[12345] !== 1) wrong.push(`call ${n}: the big call computed wrongly`);
        continue;
      }
      let cfg;
      let x;
      let filters;
      let options;
      let y;
      const how = pick(rng, ['oneShotSync', 'oneShotAsync', 'runSync', 'run', 'run']);
      if (how.startsWith('oneShot')) {
        cfg = drawConfig(seed++);
        filters = tensorsFor(cfg);
        x = filters.x;
        options = apiOptions(cfg);
        y = how === 'oneShotSync' ? separableConv2dSync(x, filters.depthwise, filters.pointwise, options)
          : await separableConv2d(x, filters.depthwise, filters.pointwise, options);
      } else {
        const l = pick(rng, live);
        cfg = withInputShape(l.cfg, pick(rng, l.shapes));
        ({ filters, options } = l);
        x = inputFor(cfg, n);
        y = how === 'runSync' ? l.layer.runSync(x) : await l.layer.run(x);
      }
      counts[how]++;
      if (n % CHECK_EVERY === 0) {
        counts.checked++;
        const raw = separableConv2dReference(x, filters.depthwise, filters.pointwise, referenceSpec(cfg));
        if (options.bias) {
          const nchw = cfg.dataFormat === 'NCHW';
          const plane = nchw ? raw.shape[2] * raw.shape[3] : 1;
          raw.data = raw.data.map((v, i) => v + options.bias[Math.floor(i / plane) % cfg.O]);
        }
        const m = mismatch(y, raw);
        if (m) wrong.push(`call ${n} (${how}) ${describeConfig(cfg)} x ${JSON.stringify(inputShape(cfg))}: ${m}`);
      }
    }
    for (const l of live) l.layer.dispose();
    if (round === 0) await settledHeap(getMemoryInfo); // the pool threads are long started; be sure
    afterRound.push(getMemoryInfo());
  }
  giant.dispose();

  expect(wrong).toEqual([]);
  expect(counts.rejected).toBe(ROUNDS * (CALLS_PER_ROUND / 50));
  expect(counts.tooLarge).toBe(ROUNDS * (CALLS_PER_ROUND / 100));
  const computed = counts.oneShotSync + counts.oneShotAsync + counts.runSync + counts.run;
  expect(computed + counts.rejected + counts.tooLarge + ROUNDS).toBe(ROUNDS * CALLS_PER_ROUND);
  for (const how of ['oneShotSync', 'oneShotAsync', 'runSync', 'run']) expect(counts[how]).toBeGreaterThan(500);

  const [warm, ...later] = afterRound;
  console.log(`load: ${ROUNDS * CALLS_PER_ROUND} calls (${JSON.stringify(counts)}); after each round: ` +
    `wasm memory ${afterRound.map((m) => mb(m.wasmMemoryBytes)).join(', ')} MB, ` +
    `bytes in use ${afterRound.map((m) => m.heapBytesInUse).join(', ')} (post-warm-up ${warm.heapBytesInUse})`);
  // The big call grew the memory in the warm-up round; later rounds reuse it.
  expect(warm.wasmMemoryBytes).toBeGreaterThan(BIG.x.data.length * 40 * 4);
  for (const m of later) expect(m).toEqual(warm);
});

describe('concurrent promises', () => {
  /** `count` configs of different shapes, their tensors, options and float64 results. */
  function concurrentCases(first, count = 200) {
    return Array.from({ length: count }, (_, i) => {
      const cfg = drawConfig(first + i);
      const t = tensorsFor(cfg);
      return { cfg, t, options: apiOptions(cfg), want: separableConv2dReference(t.x, t.depthwise, t.pointwise, referenceSpec(cfg)) };
    });
  }

  async function runConcurrently(api, cases, layers = []) {
    const before = api.getMemoryInfo() && api.getMemoryInfo().heapBytesInUse;
    const badX = { data: new Float32Array(10), shape: [1, 2, 2, 2] };
    // The 200 calls, with a rejected call after every 10th and a layer run after every 7th.
    const promises = [];
    cases.forEach((c, i) => {
      promises.push(api.separableConv2d(c.t.x, c.t.depthwise, c.t.pointwise, c.options).then((y) => ({ i, y })));
      if (i % 10 === 9) promises.push(rejection(api.separableConv2d(badX, c.t.depthwise, c.t.pointwise, c.options)).then((error) => ({ error })));
      if (i % 7 === 6 && layers.length) {
        const l = layers[i % layers.length];
        promises.push(l.layer.run(l.c.t.x).then((y) => ({ i: l.index, y })));
      }
    });
    const settled = await Promise.all(promises);
    const problems = [];
    let resolved = 0;
    for (const s of settled) {
      if (s.error) {
        if (!(s.error instanceof SeparableConv2dError) || s.error.code !== 'BAD_TENSOR') problems.push(`a bad call: ${errorSummary(s.error)}`);
        continue;
      }
      resolved++;
      const m = mismatch(s.y, cases[s.i].want);
      if (m) problems.push(`${describeConfig(cases[s.i].cfg)}: ${m}`);
    }
    // (Layers keep an operator per input shape until disposed: compare without them only.)
    if (before !== null && !layers.length && api.getMemoryInfo().heapBytesInUse !== before) problems.push('bytes in use changed');
    return { problems, resolved, total: settled.length };
  }

  test('200 concurrent separableConv2d calls of different shapes (with rejected calls and layer runs between them) all resolve correctly', async () => {
    const cases = concurrentCases(50000);
    const before = await settledHeap(getMemoryInfo);
    const layers = [];
    for (const index of [3, 77, 150]) {
      const c = cases[index];
      layers.push({ c, index, layer: await createSeparableConv2d(c.t.depthwise, c.t.pointwise, c.options) });
    }
    const api = { separableConv2d, getMemoryInfo };
    const { problems, resolved, total } = await runConcurrently(api, cases, layers);
    for (const l of layers) l.layer.dispose();
    expect(getMemoryInfo().heapBytesInUse).toBe(before);
    expect(problems).toEqual([]);
    expect(resolved).toBe(200 + 28);
    expect(total).toBe(200 + 20 + 28);
  });

  test('200 calls made before the module has loaded all wait for it and resolve correctly', async () => {
    const { api, loaded } = isolatedApi();
    const cases = concurrentCases(51000);
    const { problems, resolved } = await runConcurrently(api, cases);
    expect(problems).toEqual([]);
    expect(resolved).toBe(200);
    expect(loaded.length).toBe(1); // one load, shared by every call
    api.dispose();
  });

  test('a layer disposed while its run() promise is pending: the promise still has the right result', async () => {
    const [c] = concurrentCases(52000, 1);
    const layer = await createSeparableConv2d(c.t.depthwise, c.t.pointwise, c.options);
    const pending = [layer.run(c.t.x), layer.run(c.t.x)];
    layer.dispose();
    const outcomes = await Promise.all(pending.map((p) => p.then((y) => mismatch(y, c.want) || 'right', errorSummary)));
    // Either the run had already happened (the right result) or it says DISPOSED; nothing else.
    for (const o of outcomes) expect(o).toMatch(/^(right|DISPOSED: )/);
  });
});

describe('a call that throws part-way leaves the heap exactly as it was', () => {
  const cfg = { ...drawConfig(53000), dataFormat: 'NHWC', N: 2, H: 9, W: 9, C: 4, M: 2, O: 6, KH: 3, KW: 3, strides: [1, 1], dilations: [1, 1], stridesForm: 'pair', dilationsForm: 'pair', padding: 'SAME', paddingSpelling: undefined };
  const t = tensorsFor(cfg);
  const want = separableConv2dReference(t.x, t.depthwise, t.pointwise, referenceSpec(cfg));

  test('a layer run with the wrong channel count, a wrong output buffer, a TOO_LARGE one-shot call', async () => {
    const layer = await createSeparableConv2d(t.depthwise, t.pointwise, apiOptions(cfg));
    expect(mismatch(layer.runSync(t.x), want)).toBeNull();
    const before = await settledHeap(getMemoryInfo);
    expectCode(thrown(() => layer.runSync(inputFor({ ...cfg, C: 5 }, 1))), 'BAD_SHAPE');
    expectCode(await rejection(layer.run(inputFor({ ...cfg, C: 3 }, 1))), 'BAD_SHAPE');
    expectCode(thrown(() => layer.runSync(t.x, { output: new Float32Array(7) })), 'BAD_TENSOR');
    expectCode(thrown(() => separableConv2dSync(tensor([1, 1, 1, 1]), GIANT.dw, GIANT.pw, GIANT.options)), 'TOO_LARGE');
    expect(getMemoryInfo().heapBytesInUse).toBe(before);
    expect(mismatch(await layer.run(t.x), want)).toBeNull();
    layer.dispose();
  });

  test('TOO_LARGE in a layer run after the layer has run before', async () => {
    const giant = await createSeparableConv2d(GIANT.dw, GIANT.pw, GIANT.options);
    expectCode(thrown(() => giant.runSync(tensor([1, 1, 1, 1]))), 'TOO_LARGE');
    const before = getMemoryInfo().heapBytesInUse;
    expectCode(thrown(() => giant.runSync(tensor([2, 1, 1, 1]))), 'TOO_LARGE');
    expectCode(await rejection(giant.run(tensor([1, 3, 2, 1]))), 'TOO_LARGE');
    expect(getMemoryInfo().heapBytesInUse).toBe(before);
    giant.dispose();
  });

  test("a new layer's first run failing with TOO_LARGE keeps nothing allocated (was: its operator, until dispose)", async () => {
    // heap_layer.js constructs the operator for a new input shape before it can size the call;
    // when the call is too large, it releases that operator again.
    const before = getMemoryInfo().heapBytesInUse;
    const giant = await createSeparableConv2d(GIANT.dw, GIANT.pw, GIANT.options);
    const created = getMemoryInfo().heapBytesInUse;
    expectCode(thrown(() => giant.runSync(tensor([1, 1, 1, 1]))), 'TOO_LARGE');
    const afterRun = getMemoryInfo().heapBytesInUse;
    giant.dispose();
    expect(getMemoryInfo().heapBytesInUse).toBe(before);
    expect(afterRun).toBe(created);
  });
});
