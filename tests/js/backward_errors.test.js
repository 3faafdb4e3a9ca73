'use strict';
// The backward pass's errors: a dy not of the forward output's shape (BAD_SHAPE naming that
// shape), bad dy data, `gradients` with an unknown name or 'bias' without a bias (BAD_OPTIONS),
// and the forward call's rules, which apply unchanged (a representative case of each code).
// Every form: the one-shot call (sync throws, async rejects and never throws), and where the
// case is about the call rather than the layer, layer.backward and layer.backwardSync. Each
// failed call leaves the wasm heap exactly as it was and is followed by a right result. The sync
// forms are never NOT_SUPPORTED in Node (nor in a worker thread); a disposed layer or module is
// DISPOSED.

const path = require('path');
const { Worker } = require('worker_threads');
const {
  init, separableConv2dBackward, separableConv2dBackwardSync, createSeparableConv2d, dispose, getMemoryInfo,
} = require('../../js/index.js');
const { mulberry32, randomTensor } = require('./random');
const { separableConv2dBackwardReference } = require('./reference_backward');
const { geometry, specFromOptions } = require('./reference');
const {
  isolatedApi, tensor, thrown, rejection, errorSummary, settledHeap,
} = require('./reliability_util');
const { gradientProblems } = require('./backward_problem');

// A valid call: x 1x5x5x2, 3x3 depthwise with M = 2, pointwise 4 -> 3, SAME: dy 1x5x5x3.
// Each case changes one thing, so exactly one error applies.
const rng = mulberry32(0xbac4);
const X = randomTensor(rng, [1, 5, 5, 2]);
const DW = randomTensor(rng, [3, 3, 2, 2]);
const PW = randomTensor(rng, [1, 1, 4, 3]);
const DY = randomTensor(rng, [1, 5, 5, 3]);
const BIAS = Float32Array.of(0.25, -0.5, 0.125);
const OPTIONS = { strides: 1, padding: 'SAME' };
const EXPECTED = separableConv2dBackwardReference(X, DW, PW, DY, OPTIONS);

/**
 * A case: { title, code, mentions (strings or regexps the message must hold), and overrides of
 * x, dw, pw, dy, options (merged into OPTIONS unless replaceOptions) }. `call`: the case is
 * about the call's own arguments (x, dy, gradients), so a layer made with the case's forward
 * options must refuse it too.
 */
const DY_CASES = [
  { title: 'dy with one output channel too many', dy: tensor([1, 5, 5, 4]), mentions: ['dy', "forward output's shape [1,5,5,3]", '[1,5,5,4]'] },
  { title: 'dy with another batch', dy: tensor([2, 5, 5, 3]), mentions: ['dy', '[1,5,5,3]', '[2,5,5,3]'] },
  { title: 'dy of the input\'s shape (SAME, stride 2: the output is 3x3)', options: { strides: 2 }, dy: tensor([1, 5, 5, 3]), mentions: ['dy', '[1,3,3,3]', '[1,5,5,3]'] },
  {
    title: 'dy in NHWC order for an NCHW call',
    x: tensor([1, 2, 5, 5]), dy: tensor([1, 5, 5, 3]), options: { dataFormat: 'NCHW' }, mentions: ['dy', '[1,3,5,5]', '[1,5,5,3]'],
  },
  { title: 'dy of rank 3', dy: tensor([5, 5, 3]), mentions: ['dy', 'rank 4'] },
  { title: 'dy with a zero width', dy: tensor([1, 5, 0, 3]), mentions: ['dy'] },
].map((c) => ({ ...c, code: 'BAD_SHAPE', call: true }));

const DY_DATA_CASES = [
  { title: 'dy missing', dy: undefined, code: 'BAD_TENSOR', mentions: ['dy'] },
  { title: 'dy a bare Float32Array', dy: new Float32Array(75), code: 'BAD_TENSOR', mentions: ['dy'] },
  { title: 'dy data shorter than its shape', dy: { data: new Float32Array(74), shape: [1, 5, 5, 3] }, code: 'BAD_TENSOR', mentions: ['dy', '74', '75'] },
  { title: 'dy data an Int32Array', dy: { data: new Int32Array(75), shape: [1, 5, 5, 3] }, code: 'BAD_DTYPE', mentions: ['dy', 'Int32Array'] },
  { title: 'dy data a plain array', dy: { data: new Array(75).fill(1), shape: [1, 5, 5, 3] }, code: 'BAD_DTYPE', mentions: ['dy'] },
].map((c) => ({ ...c, call: true }));

const GRADIENTS_CASES = [
  { title: 'an unknown name', options: { gradients: ['x', 'weights'] }, mentions: ['gradients', "'weights'"] },
  { title: 'a result key instead of a name', options: { gradients: ['dx'] }, mentions: ['gradients', "'dx'"] },
  { title: 'a string, not an array', options: { gradients: 'x' }, mentions: ['gradients', "'x'"] },
  { title: 'null', options: { gradients: null }, mentions: ['gradients'] },
  { title: "'bias' without a bias", options: { gradients: ['x', 'bias'] }, mentions: ['gradients', "'bias'", 'bias'] },
].map((c) => ({ ...c, code: 'BAD_OPTIONS', call: true }));

// options.outputs with Float32Arrays (the WasmTensor cases are in backward_outputs.test.js). A
// refused output is never written: expectUntouched checks the arrays below after every case.
const OUT_DX = new Float32Array(50);
const OUT_DPW = new Float32Array(12);
const OUTPUTS_CASES = [
  { title: 'outputs not an object', options: { outputs: [OUT_DX] }, code: 'BAD_OPTIONS', mentions: ['outputs', 'dx, dDepthwiseFilter, dPointwiseFilter'] },
  { title: 'an unknown output key', options: { outputs: { dX: OUT_DX } }, code: 'BAD_OPTIONS', mentions: ['outputs.dX', 'dx, dDepthwiseFilter'] },
  { title: 'an output for a gradient not asked for', options: { gradients: ['x'], outputs: { dPointwiseFilter: OUT_DPW } }, code: 'BAD_OPTIONS', mentions: ['outputs.dPointwiseFilter', '(dx)'] },
  { title: 'an output of the wrong length', options: { outputs: { dx: OUT_DPW } }, code: 'BAD_TENSOR', mentions: ['outputs.dx', '50 elements', '[1,5,5,2]', 'Float32Array(12)'] },
  { title: 'an output a Float64Array', options: { outputs: { dPointwiseFilter: new Float64Array(12) } }, code: 'BAD_TENSOR', mentions: ['outputs.dPointwiseFilter', 'Float64Array'] },
].map((c) => ({ ...c, call: true }));

// The forward call's rules, one case or two per code: they apply to the backward call as they are.
const FORWARD_CASES = [
  { title: 'input data an Int32Array', x: { data: new Int32Array(50), shape: [1, 5, 5, 2] }, code: 'BAD_DTYPE', mentions: ['input'], call: true },
  { title: 'input of rank 3', x: tensor([5, 5, 2]), code: 'BAD_SHAPE', mentions: ['input'], call: true },
  { title: 'input channels != depthwise C', x: tensor([1, 5, 5, 3]), code: 'BAD_SHAPE', mentions: [/depthwiseFilter|input/], call: true },
  { title: 'depthwiseFilter data length wrong', dw: { data: new Float32Array(35), shape: [3, 3, 2, 2] }, code: 'BAD_TENSOR', mentions: ['depthwiseFilter', '35', '36'] },
  { title: 'pointwiseFilter with C (2) rows instead of C*M (4)', pw: tensor([1, 1, 2, 3]), code: 'BAD_SHAPE', mentions: ['pointwiseFilter', '4'] },
  { title: 'bias of the wrong length', options: { bias: Float32Array.of(1, 2) }, code: 'BAD_SHAPE', mentions: ['bias', '3'] },
  { title: 'strides 0', options: { strides: 0 }, code: 'BAD_STRIDES', mentions: ['strides'] },
  { title: 'dilations 2 with strides 2', options: { strides: 2, dilations: 2 }, code: 'BAD_DILATIONS', mentions: ['dilations', 'strides'] },
  { title: "padding 'FULL'", options: { padding: 'FULL' }, code: 'BAD_PADDING', mentions: ['padding', 'FULL'] },
  { title: "dataFormat 'NWHC'", options: { dataFormat: 'NWHC' }, code: 'BAD_DATA_FORMAT', mentions: ['dataFormat', 'NWHC'] },
  { title: 'VALID with a kernel larger than the input', x: tensor([1, 2, 2, 2]), dy: tensor([1, 1, 1, 3]), options: { padding: 'VALID' }, code: 'BAD_OUTPUT_SIZE', mentions: [/height|width/i], call: true },
  { title: "activation 'tanh'", options: { activation: 'tanh' }, code: 'BAD_OPTIONS', mentions: ['activation', 'tanh'] },
  { title: 'options missing', replaceOptions: undefined, code: 'BAD_OPTIONS', mentions: [/options|strides|padding/] },
  { title: 'padding missing', replaceOptions: { strides: 1 }, code: 'BAD_OPTIONS', mentions: ['padding'] },
];

const ALL_CASES = [...DY_CASES, ...DY_DATA_CASES, ...GRADIENTS_CASES, ...OUTPUTS_CASES, ...FORWARD_CASES]
  .map((c) => ({ ...c, label: `${c.code}: ${c.title}` }));

/** The case's arguments: { x, dw, pw, dy, options }. */
function build(c) {
  const options = 'replaceOptions' in c ? c.replaceOptions : { ...OPTIONS, ...c.options };
  return {
    x: 'x' in c ? c.x : X, dw: 'dw' in c ? c.dw : DW, pw: 'pw' in c ? c.pw : PW, dy: 'dy' in c ? c.dy : DY, options,
  };
}

function expectError(error, c, name) {
  expect(errorSummary(error)).toMatch(new RegExp(`^${c.code}: `));
  expect(error.name).toBe('SeparableConv2dError');
  for (const m of c.mentions) {
    if (m instanceof RegExp) expect(error.message).toMatch(m);
    else expect(error.message).toContain(m);
  }
  if (name) expect(error.message).toContain(name);
}

/** The async form's error: a rejection, never a synchronous throw. */
async function asyncError(a) {
  let promise;
  expect(() => { promise = separableConv2dBackward(a.x, a.dw, a.pw, a.dy, a.options); }).not.toThrow();
  expect(promise).toBeInstanceOf(Promise);
  return rejection(promise);
}

/** The layer's forward options and the call's own: { gradients, outputs } where the case gives them. */
function splitOptions(options) {
  const { gradients, outputs, ...forward } = options;
  const call = Object.fromEntries(Object.entries({ gradients, outputs }).filter(([key]) => key in options));
  return { forward, call: Object.keys(call).length ? call : undefined };
}

/** The heap, the refused outputs and a right result after a failed call. */
function expectUnchanged(before) {
  expect(getMemoryInfo().heapBytesInUse).toBe(before);
  expect([...OUT_DX, ...OUT_DPW].every((v) => v === 0)).toBe(true);
  expect(gradientProblems(separableConv2dBackwardSync(X, DW, PW, DY, OPTIONS), EXPECTED)).toEqual([]);
}

beforeAll(async () => {
  await init();
  separableConv2dBackwardSync(X, DW, PW, DY, OPTIONS);  // first-call allocations
  await settledHeap(getMemoryInfo);  // and the pool threads' own, so heap comparisons are exact
});
afterAll(() => dispose());

test('the baseline call every case changes is valid and right', async () => {
  expect(gradientProblems(await separableConv2dBackward(X, DW, PW, DY, OPTIONS), EXPECTED)).toEqual([]);
  const withBias = { ...OPTIONS, bias: BIAS, gradients: ['bias'] };
  expect(gradientProblems(separableConv2dBackwardSync(X, DW, PW, DY, withBias),
    separableConv2dBackwardReference(X, DW, PW, DY, withBias))).toEqual([]);
});

describe('separableConv2dBackwardSync throws, separableConv2dBackward rejects; the heap as it was', () => {
  test.each(ALL_CASES)('$label', async (c) => {
    const a = build(c);
    const before = getMemoryInfo().heapBytesInUse;
    expectError(thrown(() => separableConv2dBackwardSync(a.x, a.dw, a.pw, a.dy, a.options)), c);
    expectError(await asyncError(a), c);
    expectUnchanged(before);
  });
});

/** A valid x and dy for a layer made with `forward` options: the 5x5 input, in its layout. */
function validCall(forward) {
  const spec = specFromOptions(forward);
  const { outH, outW } = geometry(5, 5, 3, 3, spec);
  const nchw = spec.dataFormat === 'NCHW';
  return { x: tensor(nchw ? [1, 2, 5, 5] : [1, 5, 5, 2]), dy: tensor(nchw ? [1, 3, outH, outW] : [1, outH, outW, 3]) };
}

describe('layer.backwardSync throws, layer.backward rejects; the heap as it was', () => {
  test.each(ALL_CASES.filter((c) => c.call))('$label', async (c) => {
    const a = build(c);
    const { forward, call } = splitOptions(a.options);
    const base = getMemoryInfo().heapBytesInUse;
    const layer = await createSeparableConv2d(a.dw, a.pw, forward);
    const valid = validCall(forward);
    layer.backwardSync(valid.x, valid.dy);  // the layer's operators for that shape exist
    const before = getMemoryInfo().heapBytesInUse;
    expectError(thrown(() => layer.backwardSync(a.x, a.dy, call)), c);
    expectError(await rejection(layer.backward(a.x, a.dy, call)), c);
    expect(getMemoryInfo().heapBytesInUse).toBe(before);
    layer.backwardSync(valid.x, valid.dy);
    layer.dispose();
    expectUnchanged(base);
  });
});

test('the name option appears in the backward call\'s own errors', async () => {
  for (const c of [DY_CASES[0], DY_DATA_CASES[3], GRADIENTS_CASES[0], GRADIENTS_CASES[4]]) {
    const a = build({ ...c, options: { ...c.options, name: 'block7' } });
    expectError(thrown(() => separableConv2dBackwardSync(a.x, a.dw, a.pw, a.dy, a.options)), c, 'block7');
    expectError(await asyncError(a), c, 'block7');
  }
});

describe('valid forms of gradients and dy are not refused', () => {
  test.each([
    ['an empty list: nothing computed', { gradients: [] }, []],
    ['a name twice', { gradients: ['x', 'x'] }, ['dx']],
    ["'bias' with a bias", { bias: BIAS, gradients: ['bias', 'depthwiseFilter'] }, ['dBias', 'dDepthwiseFilter']],
    ['default with a bias: all four', { bias: BIAS }, ['dx', 'dDepthwiseFilter', 'dPointwiseFilter', 'dBias']],
    ['default without a bias: three', {}, ['dx', 'dDepthwiseFilter', 'dPointwiseFilter']],
  ])('%s', async (_, extra, keys) => {
    const options = { ...OPTIONS, ...extra };
    const want = separableConv2dBackwardReference(X, DW, PW, DY, { ...options, gradients: undefined });
    for (const got of [separableConv2dBackwardSync(X, DW, PW, DY, options), await separableConv2dBackward(X, DW, PW, DY, options)]) {
      expect(Object.keys(got).sort()).toEqual([...keys].sort());
      for (const key of keys) expect(gradientProblems({ [key]: got[key] }, { [key]: want[key] })).toEqual([]);
    }
  });

  test('dy as Float64Array data is converted to float32, as an input is', () => {
    const dy64 = { data: Float64Array.from(DY.data), shape: DY.shape };
    const a = separableConv2dBackwardSync(X, DW, PW, dy64, OPTIONS);
    const b = separableConv2dBackwardSync(X, DW, PW, DY, OPTIONS);
    for (const key of Object.keys(b)) expect(a[key].data).toEqual(b[key].data);
  });
});

describe('never NOT_SUPPORTED in Node', () => {
  test('the sync forms work on the main thread', async () => {
    const layer = await createSeparableConv2d(DW, PW, OPTIONS);
    expect(gradientProblems(layer.backwardSync(X, DY), EXPECTED)).toEqual([]);
    expect(gradientProblems(separableConv2dBackwardSync(X, DW, PW, DY, OPTIONS), EXPECTED)).toEqual([]);
    layer.dispose();
  });

  test('and in a worker thread', async () => {
    const script = `
      const { parentPort, workerData } = require('worker_threads');
      const api = require(workerData.index);
      const { x, dw, pw, dy, options } = workerData;
      api.init().then(async () => {
        const layer = await api.createSeparableConv2d(dw, pw, options);
        const results = [api.separableConv2dBackwardSync(x, dw, pw, dy, options), layer.backwardSync(x, dy)];
        layer.dispose();
        api.dispose();
        parentPort.postMessage({ results });
      }, (error) => parentPort.postMessage({ error: error.code + ': ' + error.message }))
        .catch((error) => parentPort.postMessage({ error: error.code + ': ' + error.message }));
    `;
    const worker = new Worker(script, {
      eval: true,
      workerData: { index: path.resolve(__dirname, '../../js/index.js'), x: X, dw: DW, pw: PW, dy: DY, options: OPTIONS },
    });
    const message = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(message.error).toBeUndefined();
    // Float32Arrays from another realm: jest's own Float32Array is not theirs.
    for (const got of message.results) {
      const revived = Object.fromEntries(Object.entries(got).map(([key, { data, shape }]) => {
        expect(Object.prototype.toString.call(data)).toBe('[object Float32Array]');
        return [key, { data: Float32Array.from(data), shape }];
      }));
      expect(gradientProblems(revived, EXPECTED)).toEqual([]);
    }
  });
});

describe('DISPOSED', () => {
  test('a disposed layer: backward rejects and backwardSync throws, even for bad arguments', async () => {
    const layer = await createSeparableConv2d(DW, PW, OPTIONS);
    layer.backwardSync(X, DY);
    layer.dispose();
    expect(errorSummary(await rejection(layer.backward(X, DY)))).toMatch(/^DISPOSED: /);
    expect(errorSummary(thrown(() => layer.backwardSync(X, DY)))).toMatch(/^DISPOSED: /);
    expect(errorSummary(thrown(() => layer.backwardSync(X, tensor([1, 5, 5, 4]))))).toMatch(/^(DISPOSED|BAD_SHAPE): /);
  });

  test('a layer disposed while its backward() is pending: the right result or DISPOSED, nothing else', async () => {
    const layer = await createSeparableConv2d(DW, PW, OPTIONS);
    const pending = [layer.backward(X, DY), layer.backward(X, DY)];
    layer.dispose();
    const outcomes = await Promise.all(pending.map((p) => p.then((g) => gradientProblems(g, EXPECTED).join('; ') || 'right', errorSummary)));
    for (const o of outcomes) expect(o).toMatch(/^(right|DISPOSED: )/);
  });

  test("a module's dispose(): its layers' backward calls are DISPOSED, calls in flight too", async () => {
    const { api } = isolatedApi();
    await api.init();
    const layer = await api.createSeparableConv2d(DW, PW, OPTIONS);
    expect(gradientProblems(layer.backwardSync(X, DY), EXPECTED)).toEqual([]);
    const inFlight = [api.separableConv2dBackward(X, DW, PW, DY, OPTIONS), layer.backward(X, DY)];
    api.dispose();
    const outcomes = await Promise.all(inFlight.map((p) => p.then((g) => gradientProblems(g, EXPECTED).join('; ') || 'right', errorSummary)));
    for (const o of outcomes) expect(o).toMatch(/^(right|DISPOSED: )/);
    expect(errorSummary(await rejection(layer.backward(X, DY)))).toMatch(/^DISPOSED: /);
    expect(errorSummary(thrown(() => layer.backwardSync(X, DY)))).toMatch(/^DISPOSED: /);
    // The module itself is gone: the sync one-shot call needs init() again.
    expect(errorSummary(thrown(() => api.separableConv2dBackwardSync(X, DW, PW, DY, OPTIONS)))).toMatch(/^NOT_INITIALIZED: .*await init\(\)/);
  });
});
