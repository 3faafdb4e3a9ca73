'use strict';

// sepconv-wasm, this project. The library keeps one module (and one thread count) per loaded
// copy, so to compare 1 and 2 threads in one process each engine loads its own copy: the
// library's files are dropped from require's cache before requiring it again.

const path = require('path');
const { sepconvOptions, alignedAs } = require('../layers');

const DEFAULT_ROOT = path.join(__dirname, '..', '..');

/** root: the library's checkout (this one unless bench.js --lib points at another build). */
function requireFreshCopy(root) {
  const dirs = [path.join(root, 'js') + path.sep, path.join(root, 'dist', 'wasm') + path.sep];
  for (const key of Object.keys(require.cache)) {
    if (dirs.some((dir) => key.startsWith(dir))) delete require.cache[key];
  }
  return require(path.join(root, 'js', 'index.js'));
}

/**
 * The one place that calls the library; each form is one line. `call`: tf.nn.separable_conv2d
 * as one call (weights copied in and packed on every call). `prepared`: the prepared-layer
 * API (weights packed once, as tfjs and onnxruntime do with theirs). `output-buffer`: the
 * prepared layer writing into one reused output array. `wasm-tensor`: the prepared layer reading
 * and writing WasmTensors, as in a chain of layers, so no data crosses between JS and wasm.
 */
async function makeRunner(lib, api, { x, depthwise, pointwise }, options) {
  const read = (y) => y;
  if (api === 'call') return { run: () => lib.separableConv2dSync(x, depthwise, pointwise, options).data, read, dispose() {} };
  const layer = await lib.createSeparableConv2d(depthwise, pointwise, options);
  if (api === 'prepared') return { run: () => layer.runSync(x).data, read, dispose: () => layer.dispose() };
  if (api === 'wasm-tensor') {
    const input = await lib.createWasmTensor(x.shape, x.data);
    const output = layer.runSync(input);
    return {
      run: () => layer.runSync(input, { output }),
      read: (y) => y.read(),
      dispose: () => [input, output, layer].forEach((o) => o.dispose()),
    };
  }
  const output = alignedAs(x.data, layer.runSync(x).data.length);
  return { run: () => layer.runSync(x, { output }).data, read, dispose: () => layer.dispose() };
}

const API_NAMES = {
  call: 'separableConv2dSync',
  prepared: 'createSeparableConv2d + runSync',
  'output-buffer': 'createSeparableConv2d + runSync(x, { output }) into one reused array',
  'wasm-tensor': 'createSeparableConv2d + runSync(x, { output }) with x and output WasmTensors: no copies in or out',
};

/** threads: as init() takes it; left out, the library's default. */
async function createSepconvEngine({ threads, api = 'call', root = DEFAULT_ROOT }) {
  const lib = requireFreshCopy(path.resolve(root));
  await lib.init({ threads });
  const info = lib.getBackendInfo();
  if (api === 'prepared' && typeof lib.createSeparableConv2d !== 'function') {
    throw new Error('this build of sepconv-wasm has no createSeparableConv2d (prepared-layer API)');
  }
  return {
    name: `sepconv-${info.threads}t${api === 'wasm-tensor' ? '-wt' : ''}`,
    threads: info.threads,
    describe: () => `sepconv-wasm ${info.variant} (simd=${info.simd}), threads=${info.threads}, api=${API_NAMES[api]}`,
    async prepare(layer, inputs) {
      const runner = await makeRunner(lib, api, inputs, sepconvOptions(layer));
      return { run: runner.run, toNHWC: runner.read, dispose: runner.dispose };
    },
    /**
     * One prepared layer's forward call and its backward call (every gradient) given dy, and
     * gradients(): the backward call's results as {data, shape}, for checking. With arrays each
     * gradient is a fresh array; with the `wasm-tensor` api x, dy, the forward's output and the
     * gradients are WasmTensors: nothing is copied in or out, nothing allocated.
     */
    async prepareBackward(layer, { x, depthwise, pointwise }, dy) {
      const prepared = await lib.createSeparableConv2d(depthwise, pointwise, sepconvOptions(layer));
      if (api !== 'wasm-tensor') {
        const backward = () => prepared.backwardSync(x, dy);
        return { forward: () => prepared.runSync(x).data, backward, gradients: backward, dispose: () => prepared.dispose() };
      }
      const [xt, dyt] = [await lib.createWasmTensor(x.shape, x.data), await lib.createWasmTensor(dy.shape, dy.data)];
      const yt = prepared.runSync(xt);
      const outputs = {
        dx: await lib.createWasmTensor(x.shape),
        dDepthwiseFilter: await lib.createWasmTensor(depthwise.shape),
        dPointwiseFilter: await lib.createWasmTensor(pointwise.shape),
      };
      const backward = () => prepared.backwardSync(xt, dyt, { outputs });
      return {
        forward: () => prepared.runSync(xt, { output: yt }),
        backward,
        gradients: () => Object.fromEntries(Object.entries(backward()).map(([key, t]) => [key, { data: t.read(), shape: t.shape }])),
        dispose: () => [xt, dyt, yt, ...Object.values(outputs), prepared].forEach((o) => o.dispose()),
      };
    },
    close: () => lib.dispose(),
  };
}

module.exports = { createSepconvEngine };
