// The benchmark panel: sepconv-wasm against TensorFlow.js's WASM backend on a MobileNet layer
// (benchmark.mjs runs it; tfjs.mjs loads TensorFlow.js when the button is first pressed).

import { $, session, progress, isLibraryError } from './state.mjs';
import { formatMs, threadsText } from './format.mjs';
import { LAYER, runBenchmark, nextPaint } from './benchmark.mjs';
import { loadTfjs } from './tfjs.mjs';
import { updateMemory } from './status.mjs';

// Blocks of 30 ms: long enough for a clock that ticks in 100 µs, short enough to keep the page
// responsive while tfjs, which computes on the page's thread, runs one.
const BENCH = { rounds: 10, blockMs: 30, warmupBlocks: 4 };
const BENCH_TOLERANCE = 1e-4;  // float32 sums in another order differ by ~1e-6 on these outputs, |y| ≤ 1.01

/** sepconv-wasm against tfjs as "N.NN× faster" or "N.NN× slower", never a ratio below 1. */
const ratioText = (ratio) => (ratio >= 1 ? `${ratio.toFixed(2)}× faster` : `${(1 / ratio).toFixed(2)}× slower`);

/** An engine's card: its time per call, then what ran and how it was measured. */
function showEngine(id, engine, build, threads) {
  const { H, W, C, K, M, O } = LAYER;
  const flops = 2 * H * W * C * M * (K * K + O);
  $(`bench-${id}`).textContent = formatMs(engine.ms);
  $(`bench-${id}-build`).textContent = `${build} · ${threadsText(threads)}`;
  $(`bench-${id}-detail`).textContent = `${engine.calls} calls timed · ${(flops / engine.ms / 1e6).toFixed(1)} GFLOP/s`;
}

async function onBenchmark() {
  const button = $('bench-button');
  const bar = $('bench-progress');
  const phase = $('bench-phase');
  const show = (text, fraction) => { phase.textContent = text; bar.value = fraction; };
  button.disabled = true;
  bar.hidden = false;
  delete document.body.dataset.bench;
  for (const id of ['bench-wasm', 'bench-tfjs', 'bench-ratio']) $(id).textContent = '…';
  const start = performance.now();
  try {
    show('loading TensorFlow.js…', 0);
    await nextPaint();
    const tfjs = await loadTfjs().catch((error) => ({ error }));
    const result = await runBenchmark({ lib: session.lib, tf: tfjs.tf, ...BENCH, onProgress: show });
    progress.bench = result;
    const [sepconvRun, tfjsRun] = result.engines;
    const info = await session.lib.getBackendInfo();
    showEngine('wasm', sepconvRun, `${info.variant} build`, info.threads);
    const seconds = `${((performance.now() - start) / 1000).toFixed(1)} s`;
    if (tfjsRun) {
      showEngine('tfjs', tfjsRun, `${tfjs.build} build`, tfjs.threads);
      $('bench-tfjs-name').textContent = `TensorFlow.js ${tfjs.version} wasm`;
      $('bench-ratio').textContent = ratioText(tfjsRun.ms / sepconvRun.ms);
      const agree = result.maxDiff <= BENCH_TOLERANCE;
      const diffText = `max |Δ| ${result.maxDiff.toExponential(1)}`;
      $('bench-check').textContent = agree ? `outputs agree: ${diffText} ✓` : `outputs differ: ${diffText} ✗`;
      $('bench-check').className = `sub ${agree ? 'ok' : 'bad'}`;
      phase.textContent = `done in ${seconds}`;
    } else {
      $('bench-tfjs').textContent = 'not available';
      $('bench-tfjs-build').textContent = tfjs.error.message;
      $('bench-tfjs-detail').textContent = 'it loads from node_modules: `npm ci` in a clone installs it';
      $('bench-ratio').textContent = '–';
      $('bench-ratio-detail').textContent = 'nothing to compare with';
      $('bench-check').textContent = '';
      phase.textContent = `done in ${seconds}: sepconv-wasm alone, TensorFlow.js is not available`;
    }
    document.body.dataset.bench = 'done';
  } catch (error) {
    phase.textContent = `failed: ${error.message}`;
    for (const id of ['bench-wasm', 'bench-tfjs', 'bench-ratio']) if ($(id).textContent === '…') $(id).textContent = '–';
    document.body.dataset.bench = 'failed';
    if (!isLibraryError(error)) console.error(error);
  } finally {
    button.disabled = false;
    bar.hidden = true;
    await updateMemory().catch(() => {});
  }
}

export function wireBenchmark() {
  $('bench-button').addEventListener('click', onBenchmark);
}
