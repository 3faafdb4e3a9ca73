// Runs one MobileNet-like separable convolution and prints the result's shape, the time per
// call and which wasm build ran. Usage: node examples/node-example.js
'use strict';

const { init, separableConv2d, getBackendInfo } = require('..');

function random(length, seed) {
  const data = new Float32Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    data[i] = state / 2 ** 32 - 0.5;
  }
  return data;
}

async function main() {
  await init();
  const [N, H, W, C, K, M, O] = [1, 56, 56, 128, 3, 1, 128];
  const x = { data: random(N * H * W * C, 1), shape: [N, H, W, C] };
  const depthwise = { data: random(K * K * C * M, 2), shape: [K, K, C, M] };
  const pointwise = { data: random(C * M * O, 3), shape: [1, 1, C * M, O] };
  const options = { strides: [1, 1, 1, 1], padding: 'SAME' };

  let y = await separableConv2d(x, depthwise, pointwise, options);  // warm-up
  const runs = 20;
  const start = performance.now();
  for (let i = 0; i < runs; i++) y = await separableConv2d(x, depthwise, pointwise, options);
  const ms = (performance.now() - start) / runs;

  const flops = 2 * N * H * W * C * M * (K * K + O);
  console.log(`input ${JSON.stringify(x.shape)} -> output ${JSON.stringify(y.shape)}`);
  console.log(`${ms.toFixed(3)} ms per call (${(flops / ms / 1e6).toFixed(1)} GFLOP/s)`);
  console.log('backend:', JSON.stringify(getBackendInfo()));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
