'use strict';

// The measured one-thread WebAssembly SIMD peak (bench/simd_peak.cc), built on first use.

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'dist', 'bench', 'simd_peak');
const CHAIN_COUNTS = [6, 8, 10, 12, 14];
const FLOPS_PER_STEP = 8;  // per chain: 4 lanes x (1 mul + 1 add)

function ensureBuilt(log) {
  if (fs.existsSync(`${OUT}.js`) && fs.existsSync(`${OUT}.wasm`)) return;
  log('building dist/bench/simd_peak.{js,wasm} (bench/build-peak.sh)...');
  execFileSync('bash', [path.join(__dirname, 'build-peak.sh')], { stdio: 'inherit' });
}

/**
 * Best GFLOP/s over a few chain counts and repeated short timings; the best, not the median,
 * because on a shared machine noise can only make a run slower than the hardware allows.
 */
async function measurePeak({ budgetMs = 1500, log = () => {} } = {}) {
  ensureBuilt(log);
  // Emscripten 3.1.6's loader would try fetch() on the file path under Node 18+: hand it the bytes.
  const createPeak = require(`${OUT}.js`);
  const peak = await createPeak({ wasmBinary: fs.readFileSync(`${OUT}.wasm`) });
  const run = (chains, iterations) => peak._peak_f32x4(chains, iterations, 0.999, 0.001);

  const perCountMs = budgetMs / CHAIN_COUNTS.length;
  let best = { gflops: 0, chains: 0 };
  for (const chains of CHAIN_COUNTS) {
    // Many short calls first: V8 tiers wasm up from Liftoff to TurboFan between calls, not
    // inside a long-running one.
    for (let i = 0; i < 200; i++) run(chains, 1000);
    let iterations = 100000;
    const end = performance.now() + perCountMs;
    while (performance.now() < end) {
      const start = performance.now();
      if (run(chains, iterations) < 0) throw new Error(`simd_peak: no variant with ${chains} chains`);
      const ms = performance.now() - start;
      if (ms < 5) {  // too short to time well: lengthen and retry
        iterations *= 2;
        continue;
      }
      const gflops = (chains * iterations * FLOPS_PER_STEP) / ms / 1e6;
      if (gflops > best.gflops) best = { gflops, chains };
    }
  }
  return best;
}

module.exports = { measurePeak };
