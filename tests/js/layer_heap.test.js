'use strict';
// Heap growth: creating and disposing 300 prepared layers and running 1,000 mixed-shape calls
// (layers and one-shot calls, with some rejected calls mixed in) must not grow the wasm heap
// once a warm-up has run the same mix.
//
// getMemoryInfo() reports both the wasm memory's size and the allocator's exact bytes in use.
// Bytes in use must come back to the same value after every cycle (all layers disposed), so a
// leak of any size shows, even one that would hide in the heap's free space; the memory's size
// must not grow after the warm-up either.

const {
  init, createSeparableConv2d, separableConv2d, separableConv2dSync, SeparableConv2dError, dispose,
  getMemoryInfo,
} = require('../../js/index.js');
const { mulberry32, randInt, pick, randomTensor } = require('./random');
const { separableConv2dReference, applyBiasActivation, specFromOptions } = require('./reference');
const { mismatch } = require('./compare');

const CYCLES = 5;
const LAYERS_PER_CYCLE = 60; // 300 layers
const CALLS_PER_CYCLE = 200; // 1,000 calls
const WARMUP_CYCLES = 2;
const POOL = 12; // layers alive at once

// Layer kinds: channel counts from tiny to wide, so packed weights range from bytes to ~0.5 MB.
const KINDS = [
  { C: 64, M: 4, O: 256, K: 5, dataFormat: 'NHWC', padding: 'SAME', strides: 1 },
  { C: 96, M: 3, O: 384, K: 3, dataFormat: 'NCHW', padding: 'VALID', strides: 1, dilations: 2 },
  { C: 128, M: 4, O: 256, K: 3, dataFormat: 'NHWC', padding: 'SAME', strides: 2 },
  { C: 3, M: 8, O: 64, K: 7, dataFormat: 'NCHW', padding: 'SAME', strides: 1 },
  { C: 16, M: 1, O: 16, K: 1, dataFormat: 'NHWC', padding: 'VALID', strides: 1 },
  { C: 32, M: 2, O: 160, K: 5, dataFormat: 'NHWC', padding: [[0, 0], [2, 1], [0, 3], [0, 0]], strides: [1, 2] },
];


function makeKind(rng, kind) {
  const dw = randomTensor(rng, [kind.K, kind.K, kind.C, kind.M]);
  const pw = randomTensor(rng, [1, 1, kind.C * kind.M, kind.O]);
  const options = { strides: kind.strides, padding: kind.padding, dataFormat: kind.dataFormat };
  if (kind.dilations) options.dilations = kind.dilations;
  if (rng() < 0.7) options.bias = Float32Array.from({ length: kind.O }, () => rng() * 2 - 1);
  options.activation = pick(rng, ['linear', 'relu', 'relu6']);
  return { kind, dw, pw, options };
}

/** A random input for a kind with a valid output: N 1-2, H and W 7-16 (big enough for every kind). */
function inputFor(rng, kind) {
  const [N, H, W] = [randInt(rng, 1, 2), randInt(rng, 7, 16), randInt(rng, 7, 16)];
  const shape = kind.dataFormat === 'NCHW' ? [N, kind.C, H, W] : [N, H, W, kind.C];
  return randomTensor(rng, shape);
}

function expected(made, x) {
  const raw = separableConv2dReference(x, made.dw, made.pw, specFromOptions(made.options));
  const scale = applyBiasActivation(raw, made.options.bias, 'linear', made.options.dataFormat)
    .data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return { want: applyBiasActivation(raw, made.options.bias, made.options.activation, made.options.dataFormat), scale };
}

beforeAll(() => init());
afterAll(() => dispose());

test('300 layers and 1,000 mixed calls: the wasm heap stops growing after warm-up', async () => {
  const rng = mulberry32(0x1eaf);
  const heapAfterCycle = [];
  const volume = { layerBytes: 0, callBytes: 0 }; // after the warm-up
  const checks = [];
  let layersMade = 0;
  let calls = 0;
  let rejected = 0;

  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const countIt = cycle >= WARMUP_CYCLES;
    const pool = [];
    let callsThisCycle = 0;
    for (let i = 0; i < LAYERS_PER_CYCLE; i++) {
      const made = makeKind(rng, KINDS[(i + cycle) % KINDS.length]);
      made.layer = await createSeparableConv2d(made.dw, made.pw, made.options);
      layersMade++;
      if (countIt) volume.layerBytes += 4 * (made.dw.data.length + made.pw.data.length + (made.options.bias ? made.kind.O : 0));
      pool.push(made);
      if (pool.length > POOL) pool.shift().layer.dispose();

      // Spread the cycle's calls over its layers: 3 or 4 calls after each creation.
      const target = Math.round(((i + 1) * CALLS_PER_CYCLE) / LAYERS_PER_CYCLE);
      while (callsThisCycle < target) {
        const made2 = pick(rng, pool);
        const x = inputFor(rng, made2.kind);
        const how = calls % 10 === 9 ? pick(rng, ['oneShot', 'oneShotSync']) : pick(rng, ['run', 'runSync']);
        let y;
        if (how === 'run') y = await made2.layer.run(x);
        else if (how === 'runSync') y = made2.layer.runSync(x);
        else if (how === 'oneShot') y = await separableConv2d(x, made2.dw, made2.pw, made2.options);
        else y = separableConv2dSync(x, made2.dw, made2.pw, made2.options);
        calls++;
        callsThisCycle++;
        if (countIt) volume.callBytes += 4 * (x.data.length + y.data.length);
        if (calls % 100 === 0) {
          const { want, scale } = expected(made2, x);
          const m = mismatch(y, want, { scale });
          if (m) checks.push(`call ${calls} (${how}, kind ${KINDS.indexOf(made2.kind)}, x ${JSON.stringify(x.shape)}): ${m}`);
        }
        // Now and then a call the layer must reject (wrong channel count); it must not leak either.
        if (calls % 25 === 0) {
          const shape = x.shape.slice();
          shape[made2.kind.dataFormat === 'NCHW' ? 1 : 3] += 1;
          try {
            made2.layer.runSync(randomTensor(rng, shape));
          } catch (error) {
            if (error instanceof SeparableConv2dError && error.code === 'BAD_SHAPE') rejected++;
            else throw error;
          }
        }
      }
    }
    for (const made of pool) made.layer.dispose();
    heapAfterCycle.push(getMemoryInfo());
  }

  expect({ layersMade, calls, rejected }).toEqual({
    layersMade: CYCLES * LAYERS_PER_CYCLE, calls: CYCLES * CALLS_PER_CYCLE, rejected: (CYCLES * CALLS_PER_CYCLE) / 25,
  });
  expect(checks).toEqual([]);

  // After the warm-up: not one byte more in use, and not one page more of memory.
  const warm = heapAfterCycle[WARMUP_CYCLES - 1];
  for (const after of heapAfterCycle.slice(WARMUP_CYCLES)) expect(after).toEqual(warm);
  // The size check alone could have seen a leak: what the later cycles allocated exceeds the heap.
  expect(volume.layerBytes).toBeGreaterThan(warm.wasmMemoryBytes);
  expect(volume.callBytes).toBeGreaterThan(warm.wasmMemoryBytes);
  // The numbers, for a reader of the log (jest shows console output on failure or --verbose).
  const mb = (b) => (b / 2 ** 20).toFixed(1);
  console.log(`after each cycle: wasm memory ${heapAfterCycle.map((m) => mb(m.wasmMemoryBytes)).join(', ')} MB; ` +
    `bytes in use ${heapAfterCycle.map((m) => m.heapBytesInUse).join(', ')}; after warm-up: layers ` +
    `${mb(volume.layerBytes)} MB of weights, calls ${mb(volume.callBytes)} MB of inputs+outputs`);
});
