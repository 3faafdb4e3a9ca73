'use strict';
// The backward pass and wasm memory: after a first call, every backward call (one-shot sync and
// async, a layer's until it is disposed, and failed calls) leaves exactly the bytes in use it
// found, and a second round of the same calls does not grow the memory; 200 backward calls in
// flight at once (Promise.all, with rejected calls and layer calls among them) each resolve to
// their own right gradients, also when made before the module has loaded.

const {
  init, separableConv2dBackward, separableConv2dBackwardSync, createSeparableConv2d, dispose, getMemoryInfo,
} = require('../../js/index.js');
const { drawConfig, drawInputShapes } = require('./random');
const { withInputShape } = require('./config');
const {
  isolatedApi, tensor, thrown, rejection, errorSummary, settledHeap,
} = require('./reliability_util');
const {
  backwardProblem, expectedGradients, gradientProblems, describeProblem,
} = require('./backward_problem');

const CALLS_PER_ROUND = 120;
const CHECK_EVERY = 6;  // compare every sixth result with the float64 gradients
const CONCURRENT = 200;

/** The layer's forward options and the call's own ({ gradients } if given). */
function splitOptions({ gradients, ...forward }) {
  return { forward, call: gradients === undefined ? undefined : { gradients } };
}

/** dy with one more output channel than the forward output has: BAD_SHAPE. */
function wrongDy(p) {
  const axis = p.cfg.dataFormat === 'NCHW' ? 1 : 3;
  return tensor(p.dy.shape.map((d, i) => (i === axis ? d + 1 : d)));
}

/**
 * A failed call of p's, the `n`th kind: a dy of the wrong shape, an unknown gradient, 'bias'
 * without a bias, dy data of the wrong type. Returns its error.
 */
async function failedCall(p, n, layer) {
  const { x, depthwise, pointwise, dy } = p;
  const { forward } = splitOptions(p.options);
  const kinds = [
    [wrongDy(p), undefined],
    [dy, { gradients: ['x', 'hessian'] }],
    [dy, { gradients: ['bias'] }],
    [{ data: new Int16Array(dy.data.length), shape: dy.shape }, undefined],
  ];
  const [badDy, call] = kinds[n % kinds.length];
  const options = { ...forward, ...call };
  if (call && call.gradients[0] === 'bias') delete options.bias;
  if (layer) return n % 2 ? thrown(() => layer.backwardSync(x, badDy, call)) : rejection(layer.backward(x, badDy, call));
  return n % 2 ? thrown(() => separableConv2dBackwardSync(x, depthwise, pointwise, badDy, options))
    : rejection(separableConv2dBackward(x, depthwise, pointwise, badDy, options));
}

beforeAll(async () => {
  await init();
  const p = backwardProblem(drawConfig(77));
  separableConv2dBackwardSync(p.x, p.depthwise, p.pointwise, p.dy, p.options);  // first-call allocations
  await settledHeap(getMemoryInfo);
});
afterAll(() => dispose());

test(`${2 * CALLS_PER_ROUND} backward calls, failed ones among them: the bytes in use as they were after every one`, async () => {
  const baseline = getMemoryInfo().heapBytesInUse;
  const leaks = [];
  const wrong = [];
  const counts = { sync: 0, async: 0, layer: 0, failed: 0, checked: 0 };
  const afterRound = [];
  const expectBaseline = (what) => {
    const now = getMemoryInfo().heapBytesInUse;
    if (now !== baseline) leaks.push(`${what}: ${now - baseline} bytes more in use`);
  };
  for (let round = 0; round < 2; round++) {
    // The same calls in both rounds: the second must not grow the memory.
    for (let n = 0; n < CALLS_PER_ROUND; n++) {
      const p = backwardProblem(drawConfig(1310000 + n));
      const what = `round ${round} call ${n} ${describeProblem(p)}`;
      const check = (got) => {
        if (n % CHECK_EVERY !== 0 || round > 0) return;
        counts.checked++;
        const problems = gradientProblems(got, expectedGradients(p));
        if (problems.length) wrong.push(`${what}: ${problems.join('; ')}`);
      };
      if (n % 5 === 4) {
        // A failed call, one-shot or through a layer made for it.
        const { bias, ...noBias } = splitOptions(p.options).forward;  // so that gradients: ['bias'] fails for the layer too
        const layer = n % 10 === 9 ? await createSeparableConv2d(p.depthwise, p.pointwise, noBias) : null;
        const error = await failedCall(p, Math.floor(n / 5), layer);
        if (!/^BAD_(SHAPE|OPTIONS|DTYPE): /.test(errorSummary(error))) wrong.push(`${what}: a bad call gave ${errorSummary(error)}`);
        if (layer) layer.dispose();
        counts.failed++;
      } else if (n % 5 === 3) {
        // A layer: a call at cfg's input shape, at another, then at the first again.
        const { forward, call } = splitOptions(p.options);
        const layer = await createSeparableConv2d(p.depthwise, p.pointwise, forward);
        const other = backwardProblem(withInputShape(p.cfg, drawInputShapes(p.cfg, 2)[1]), { filters: p });
        check(await layer.backward(p.x, p.dy, call));
        layer.backwardSync(other.x, other.dy, call);
        check(layer.backwardSync(p.x, p.dy, call));
        layer.dispose();
        counts.layer++;
      } else if (n % 2) {
        check(separableConv2dBackwardSync(p.x, p.depthwise, p.pointwise, p.dy, p.options));
        counts.sync++;
      } else {
        check(await separableConv2dBackward(p.x, p.depthwise, p.pointwise, p.dy, p.options));
        counts.async++;
      }
      expectBaseline(what);
    }
    afterRound.push(getMemoryInfo());
  }
  console.log(`backward memory: ${JSON.stringify(counts)}; bytes in use ${baseline} throughout; after each round ${JSON.stringify(afterRound)}`);
  expect(wrong).toEqual([]);
  expect(leaks).toEqual([]);
  expect(afterRound[1]).toEqual(afterRound[0]);
  expect(counts.checked).toBeGreaterThan(10);
});

describe(`${CONCURRENT} concurrent backward calls`, () => {
  /** The calls' problems and the gradients each must give. */
  const cases = Array.from({ length: CONCURRENT }, (_, i) => {
    const p = backwardProblem(drawConfig(1320000 + i));
    return { p, want: expectedGradients(p) };
  });

  /**
   * All the calls at once through `api`: one-shot calls, a rejected one after every tenth, and
   * (with `layers`) every seventh case through its layer instead. Returns the problems found.
   */
  async function runConcurrently(api, layers = new Map()) {
    const promises = [];
    cases.forEach(({ p }, i) => {
      const layer = layers.get(i);
      const { call } = splitOptions(p.options);
      const promise = layer ? layer.backward(p.x, p.dy, call)
        : api.separableConv2dBackward(p.x, p.depthwise, p.pointwise, p.dy, p.options);
      promises.push(promise.then((got) => ({ i, got }), (error) => ({ i, error })));
      if (i % 10 === 9) {
        promises.push(rejection(api.separableConv2dBackward(p.x, p.depthwise, p.pointwise, wrongDy(p), p.options)).then((error) => ({ rejected: error })));
      }
    });
    const settled = await Promise.all(promises);
    const problems = [];
    let right = 0;
    for (const s of settled) {
      if ('rejected' in s) {
        if (!/^BAD_SHAPE: dy must have the forward output's shape/.test(errorSummary(s.rejected))) problems.push(`a bad call: ${errorSummary(s.rejected)}`);
      } else if (s.error) {
        problems.push(`${describeProblem(cases[s.i].p)}: ${errorSummary(s.error)}`);
      } else {
        const wrong = gradientProblems(s.got, cases[s.i].want);
        if (wrong.length) problems.push(`${describeProblem(cases[s.i].p)}: ${wrong.join('; ')}`);
        else right++;
      }
    }
    return { problems, right, total: settled.length };
  }

  test('each resolves to its own right gradients; the heap as it was', async () => {
    const before = await settledHeap(getMemoryInfo);
    const layers = new Map();
    for (let i = 6; i < CONCURRENT; i += 7) {
      const { p } = cases[i];
      layers.set(i, await createSeparableConv2d(p.depthwise, p.pointwise, splitOptions(p.options).forward));
    }
    const { problems, right, total } = await runConcurrently({ separableConv2dBackward }, layers);
    for (const layer of layers.values()) layer.dispose();
    expect(problems).toEqual([]);
    expect({ right, total }).toEqual({ right: CONCURRENT, total: CONCURRENT + CONCURRENT / 10 });
    expect(getMemoryInfo().heapBytesInUse).toBe(before);
  });

  test('made before the module has loaded, they wait for one load and resolve right', async () => {
    const { api, loaded } = isolatedApi();
    const { problems, right } = await runConcurrently(api);
    expect(problems).toEqual([]);
    expect(right).toBe(CONCURRENT);
    expect(loaded.length).toBe(1);
    api.dispose();
  });
});
