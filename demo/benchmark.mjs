// The benchmark: a MobileNet layer in sepconv-wasm and in TensorFlow.js's WASM backend, each
// called as a page calls it, on the same data. Blocks of calls alternate between the engines so
// that a slow patch of a shared machine hits both alike; medians over rounds drop the outliers.

import { rng } from './images.mjs';
import { maxAbsDiff } from './reference.mjs';

export const LAYER = { H: 56, W: 56, C: 128, K: 3, M: 1, O: 128 };

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Resolves after the browser has painted, so progress shows and input events get handled. */
export const nextPaint = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

/** The layer's input and filters: random, the same on every run. */
function layerData() {
  const { H, W, C, K, M, O } = LAYER;
  const random = rng(56);
  const fill = (shape, scale) => ({
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => (random() * 2 - 1) * scale),
    shape,
  });
  return { x: fill([1, H, W, C], 1), depthwise: fill([K, K, C, M], 0.3), pointwise: fill([1, 1, C * M, O], 0.1) };
}

/** sepconv-wasm: a layer prepared once, then one awaited run per call. */
async function sepconvEngine(lib, { x, depthwise, pointwise }) {
  const layer = await lib.createSeparableConv2d(depthwise, pointwise, { strides: 1, padding: 'SAME' });
  return {
    name: 'sepconv-wasm',
    run: async () => (await layer.run(x)).data,
    dispose: () => layer.dispose(),
  };
}

/** tfjs: the filters made tensors once; per call the input copied in, the op, the result read out. */
function tfjsEngine(tf, { x, depthwise, pointwise }) {
  const dw = tf.tensor4d(depthwise.data, depthwise.shape);
  const pw = tf.tensor4d(pointwise.data, pointwise.shape);
  return {
    name: 'TensorFlow.js',
    run: async () => {
      const y = tf.tidy(() => tf.separableConv2d(tf.tensor4d(x.data, x.shape), dw, pw, 1, 'same'));
      try {
        return await y.data();
      } finally {
        y.dispose();
      }
    },
    dispose: () => tf.dispose([dw, pw]),
  };
}

/**
 * Calls `run` until `ms` have passed: one call is too short for a page's clock, which may tick in
 * 100 µs. Returns the ms per call, the number of calls and the last output.
 */
async function timeBlock(run, ms) {
  const start = performance.now();
  let calls = 0;
  let elapsed;
  let output;
  do {
    output = await run();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return { ms: elapsed / calls, calls, output };
}

/**
 * Times sepconv-wasm, and TensorFlow.js too when `tf` is given: `warmupBlocks` blocks each, then
 * `rounds` rounds of one block per engine, which engine goes first alternating from round to
 * round. The page repaints between blocks; onProgress(text, fraction) tells what comes next. Returns per engine
 * { name, ms: median ms per call, calls }, and the largest difference between the outputs.
 */
export async function runBenchmark({ lib, tf, rounds, blockMs, warmupBlocks, onProgress }) {
  const data = layerData();
  const engines = [await sepconvEngine(lib, data)];
  try {
    if (tf) engines.push(tfjsEngine(tf, data));
    const steps = engines.length * (warmupBlocks + rounds);
    let done = 0;
    const block = async (engine, text) => {
      onProgress(text, done++ / steps);
      await nextPaint();
      return timeBlock(engine.run, blockMs);
    };
    const outputs = [];
    for (const [i, engine] of engines.entries()) {
      for (let b = 0; b < warmupBlocks; b++) outputs[i] = (await block(engine, `${engine.name}: warming up…`)).output;
    }
    const blocks = engines.map(() => []);
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < engines.length; k++) {
        const i = (round + k) % engines.length;
        blocks[i].push(await block(engines[i], `round ${round + 1} of ${rounds}: ${engines[i].name}`));
      }
    }
    return {
      engines: engines.map((engine, i) => ({
        name: engine.name,
        ms: median(blocks[i].map((b) => b.ms)),
        calls: blocks[i].reduce((sum, b) => sum + b.calls, 0),
      })),
      maxDiff: tf ? maxAbsDiff(outputs[0], outputs[1]) : null,
    };
  } finally {
    for (const engine of engines) engine.dispose();
  }
}
