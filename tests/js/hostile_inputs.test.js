'use strict';
// The reliability issue's round two, the defects at the JavaScript boundary:
//   1. typed arrays whose `length` or `byteLength` lies (an own property, a subclass getter), or
//      that are shorter than they claim: never a wrong-sized copy into wasm memory;
//   5. a getter on a later argument that detaches an already checked buffer;
//   6. a WasmTensor's view passed as an input while the call grows the memory;
//   7. typed arrays of another realm;
//   8. huge or sparse arrays: refused at once, with a short message;
//   9. lenient parsing: 'ſame', activation ['relu'], a batch of -0.
// Each expects the right result or a SeparableConv2dError with a code, and the heap unchanged.

const vm = require('vm');
const { separableConv2dReference } = require('./reference');
const { mismatch } = require('./compare');
const {
  isolatedApi, tensor, errorSummary, settledHeap, rejection, thrown,
} = require('./reliability_util');

const OPTIONS = { strides: 1, padding: 'VALID' };
const x = () => tensor([1, 3, 3, 2], (i) => i + 1);
const dw = () => tensor([2, 2, 2, 1], (i) => (i % 3) - 1);
const pw = () => tensor([1, 1, 2, 2], (i) => i + 0.5);
const expected = () => separableConv2dReference(x(), dw(), pw(), { strides: [1, 1], dilations: [1, 1], padding: 'VALID', dataFormat: 'NHWC' });

let api;
let baseline;

beforeAll(async () => {
  ({ api } = isolatedApi());
  await api.init({ backend: 'simd' });  // a build whose memory moves when it grows (defect 6)
  api.separableConv2dSync(x(), dw(), pw(), OPTIONS);  // the first call allocates what every call shares
  baseline = await settledHeap(api.getMemoryInfo);
});

afterAll(() => api.dispose());

afterEach(() => {
  expect(api.getMemoryInfo().heapBytesInUse).toBe(baseline);  // nothing leaked, nothing freed twice
});

/** A Float32Array whose own `length` says n. */
function lyingLength(data, n) {
  Object.defineProperty(data, 'length', { value: n });
  return data;
}

class LyingFloat32Array extends Float32Array {
  get length() { return 1e6; }
  get byteLength() { return 4e6; }
}

function expectCode(error, code, ...mentions) {
  expect(errorSummary(error)).toMatch(new RegExp(`^${code}: `));
  for (const word of mentions) expect(error.message).toContain(word);
  expect(error.message.length).toBeLessThan(400);
}

describe('lengths come from the storage', () => {
  test('an own `length` property claiming more is refused, in any argument', () => {
    for (const [arg, args] of [
      ['input', [{ ...x(), data: lyingLength(new Float32Array(4), 18) }, dw(), pw()]],
      ['depthwiseFilter', [x(), { ...dw(), data: lyingLength(new Float32Array(2), 8) }, pw()]],
      ['pointwiseFilter', [x(), dw(), { ...pw(), data: lyingLength(new Float32Array(1), 4) }]],
    ]) {
      expectCode(thrown(() => api.separableConv2dSync(...args, OPTIONS)), 'BAD_TENSOR', arg);
    }
  });

  test('a subclass whose getters lie is read by its real storage: right result, or refused', () => {
    const good = { ...x(), data: LyingFloat32Array.from(x().data) };
    const y = api.separableConv2dSync(good, dw(), pw(), OPTIONS);
    expect(mismatch(y, expected())).toBeNull();
    const short = { ...x(), data: new LyingFloat32Array(5) };
    expectCode(thrown(() => api.separableConv2dSync(short, dw(), pw(), OPTIONS)), 'BAD_TENSOR', 'has 5 elements');
  });

  test('a bias whose `length` lies is refused', () => {
    const bias = lyingLength(new Float32Array(1), 2);
    expectCode(thrown(() => api.separableConv2dSync(x(), dw(), pw(), { ...OPTIONS, bias })), 'BAD_SHAPE', 'bias');
  });

  test('an output array that lies about its length is refused; a lying subclass of the right size is filled', async () => {
    const layer = await api.createSeparableConv2d(dw(), pw(), OPTIONS);
    try {
      const lying = lyingLength(new Float32Array(2), 8);
      expectCode(thrown(() => layer.runSync(x(), { output: lying })), 'BAD_TENSOR', 'output');
      const output = new LyingFloat32Array(8);
      const y = layer.runSync(x(), { output });
      expect(y.data).toBe(output);
      expect(mismatch({ data: Float32Array.from(output), shape: y.shape }, expected())).toBeNull();
    } finally {
      layer.dispose();
    }
  });

  test('WasmTensor.write with a lying array neither writes past the tensor nor reads past the array', async () => {
    const a = await api.createWasmTensor([1, 1, 2, 2], Float32Array.of(1, 2, 3, 4));
    const b = await api.createWasmTensor([1, 1, 2, 2], Float32Array.of(5, 6, 7, 8));
    try {
      expectCode(thrown(() => a.write(lyingLength(new Float32Array(8).fill(-1), 4))), 'BAD_TENSOR', 'write');
      expectCode(thrown(() => a.write(new LyingFloat32Array(2))), 'BAD_TENSOR', 'write');
      expect(Array.from(a.read())).toEqual([1, 2, 3, 4]);
      expect(Array.from(b.read())).toEqual([5, 6, 7, 8]);
      a.write(LyingFloat32Array.of(9, 10, 11, 12));
      expect(Array.from(a.read())).toEqual([9, 10, 11, 12]);
      expect(Array.from(b.read())).toEqual([5, 6, 7, 8]);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});

test('a getter that detaches an already checked buffer gets a SeparableConv2dError, not a copy short', async () => {
  const input = x();
  const layer = await api.createSeparableConv2d(dw(), pw(), OPTIONS);
  try {
    const options = { get output() { structuredClone(input.data.buffer, { transfer: [input.data.buffer] }); return undefined; } };
    expectCode(thrown(() => layer.runSync(input, options)), 'BAD_TENSOR', 'detached');
    const depthwise = dw();
    const pointwise = { get data() { structuredClone(depthwise.data.buffer, { transfer: [depthwise.data.buffer] }); return pw().data; }, shape: [1, 1, 2, 2] };
    expectCode(await rejection(api.createSeparableConv2d(depthwise, pointwise, OPTIONS)), 'BAD_TENSOR', 'detached');
    expect(mismatch(layer.runSync(x()), expected())).toBeNull();  // and the layer still works
  } finally {
    layer.dispose();
  }
});

test('a WasmTensor\'s view as an input while the call grows the memory: the right result', async () => {
  const xt = await api.createWasmTensor([1, 3, 3, 2], x().data);
  const layer = await api.createSeparableConv2d(dw(), pw(), OPTIONS);
  try {
    const before = api.getMemoryInfo().wasmMemoryBytes;
    // A call with a 64 MB output makes the memory grow, which detaches views on the old one.
    const big = await api.createSeparableConv2d(tensor([1, 1, 2, 1]), tensor([1, 1, 2, 64]), { strides: 1, padding: 'VALID' });
    const view = xt.view();
    try {
      big.runSync(tensor([1, 512, 512, 2]));
    } finally {
      big.dispose();
    }
    expect(api.getMemoryInfo().wasmMemoryBytes).toBeGreaterThan(before);
    // This view is now detached: refused. A fresh one is read before the call's own allocation.
    expectCode(thrown(() => layer.runSync({ data: view, shape: [1, 3, 3, 2] })), 'BAD_TENSOR', 'detached');
    expect(mismatch(layer.runSync({ data: xt.view(), shape: [1, 3, 3, 2] }), expected())).toBeNull();
  } finally {
    layer.dispose();
    xt.dispose();
  }
});

test('typed arrays of another realm are accepted and give the same result', () => {
  const realm = vm.createContext({});
  const foreign = (t, type = 'Float32Array') => ({ data: vm.runInContext(`new ${type}(${JSON.stringify(Array.from(t.data))})`, realm), shape: t.shape });
  expect(foreign(x()).data instanceof Float32Array).toBe(false);
  const y = api.separableConv2dSync(foreign(x()), foreign(dw(), 'Float64Array'), foreign(pw()), { ...OPTIONS, bias: foreign({ data: [0, 0] }).data });
  expect(mismatch(y, expected())).toBeNull();
  const wrong = { data: vm.runInContext('new Int32Array(18)', realm), shape: [1, 3, 3, 2] };
  expectCode(thrown(() => api.separableConv2dSync(wrong, dw(), pw(), OPTIONS)), 'BAD_DTYPE', 'got Int32Array(18)');
});

describe('huge and sparse arrays are refused at once, with short messages', () => {
  const sparse = (length) => {
    const array = [];
    array.length = length;
    return array;
  };
  test.each([
    ['a shape of length 2^32-1', () => ({ data: new Float32Array(1), shape: sparse(2 ** 32 - 1) }), 'BAD_SHAPE'],
    ['a shape with 2^24 holes', () => ({ data: new Float32Array(1), shape: sparse(2 ** 24) }), 'BAD_SHAPE'],
  ])('%s', (_, makeInput, code) => {
    const input = makeInput();
    const started = Date.now();
    const error = thrown(() => api.separableConv2dSync(input, dw(), pw(), OPTIONS));
    expect(Date.now() - started).toBeLessThan(200);
    expectCode(error, code, 'items');
  });
  test.each([
    ['strides', { strides: sparse(2 ** 32 - 1), padding: 'VALID' }, 'BAD_STRIDES'],
    ['dilations', { strides: 1, padding: 'VALID', dilations: sparse(2 ** 30) }, 'BAD_DILATIONS'],
    ['padding', { strides: 1, padding: sparse(2 ** 32 - 1) }, 'BAD_PADDING'],
    ['a long name', { strides: 1, padding: 'VALID', activation: 'x'.repeat(1e6) }, 'BAD_OPTIONS'],
  ])('%s', (_, options, code) => {
    const started = Date.now();
    const error = thrown(() => api.separableConv2dSync(x(), dw(), pw(), options));
    expect(Date.now() - started).toBeLessThan(200);
    expectCode(error, code);
  });
  test('createWasmTensor with a huge sparse shape', async () => {
    expectCode(await rejection(api.createWasmTensor(sparse(2 ** 32 - 1))), 'BAD_SHAPE');
  });
});

describe('parsing is strict', () => {
  test.each(['ſame', 'valıd', 'SAME ', 'sAmE\u0000'])('padding %p is refused', (padding) => {
    expectCode(thrown(() => api.separableConv2dSync(x(), dw(), pw(), { strides: 1, padding })), 'BAD_PADDING');
  });
  test.each(['same', 'Valid', 'SAME'])('padding %p is accepted in any ASCII case', (padding) => {
    expect(api.separableConv2dSync(x(), dw(), pw(), { strides: 1, padding }).shape).toBeDefined();
  });
  test.each([
    ['an array', ['relu']],
    ['an object whose toString is relu6', { toString: () => 'relu6' }],
    ['a String object', Object('relu')],
  ])('activation as %s is refused', (_, activation) => {
    expectCode(thrown(() => api.separableConv2dSync(x(), dw(), pw(), { ...OPTIONS, activation })), 'BAD_OPTIONS', 'activation');
  });
  test('a batch of -0 comes back as 0', () => {
    const y = api.separableConv2dSync({ data: new Float32Array(0), shape: [-0, 3, 3, 2] }, dw(), pw(), OPTIONS);
    expect(Object.is(y.shape[0], 0)).toBe(true);
    expect(y.data.length).toBe(0);
  });
});

test('options are the object\'s own properties: what a script adds to Object.prototype is not an option', () => {
  const polluted = { strides: 2, padding: 'SAME', activation: 'relu6', dilations: 3, dataFormat: 'NCHW', name: 7, bias: 'x' };
  Object.entries(polluted).forEach(([key, value]) => { Object.prototype[key] = value; });  // eslint-disable-line no-extend-native
  try {
    expectCode(thrown(() => api.separableConv2dSync(x(), dw(), pw(), {})), 'BAD_OPTIONS', 'strides is required');
    expect(mismatch(api.separableConv2dSync(x(), dw(), pw(), { strides: 1, padding: 'VALID' }), expected())).toBeNull();
  } finally {
    Object.keys(polluted).forEach((key) => { delete Object.prototype[key]; });
  }
});
