// Computing: the library's intermediate and output for the current state, timed, drawn and
// checked against the page's own JavaScript reference. Changes made while a computation runs
// coalesce into one more computation.

import { $, state, session, progress, midName, isLibraryError } from './state.mjs';
import { formatMs } from './format.mjs';
import { toChannels } from './images.mjs';
import { identityMatrix } from './presets.mjs';
import { separableConv2dReference, maxAbsDiff } from './reference.mjs';
import { median } from './benchmark.mjs';
import { symmetricScale, formatScale } from './heatmap.mjs';
import { renderMaps, updatePipeline } from './maps.mjs';
import { showError, updateMemory } from './status.mjs';

const TIMED_RUNS = 5;

/** HWC [H,W,C] <-> CHW, for the NCHW data format. */
function hwcToChw({ data, H, W, C }) {
  const out = new Float32Array(data.length);
  for (let p = 0; p < H * W; p++) for (let c = 0; c < C; c++) out[c * H * W + p] = data[p * C + c];
  return out;
}
function chwToHwc(data, C, H, W) {
  const out = new Float32Array(data.length);
  for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) out[p * C + c] = data[c * H * W + p];
  return out;
}

/** A library result {data, shape} as an HWC tensor for drawing, whatever the data format. */
export function resultToHwc(result, format) {
  const [, a, b, c] = result.shape;
  if (format === 'NCHW') return { data: chwToHwc(result.data, a, b, c), H: b, W: c, C: a };
  return { data: result.data, H: a, W: b, C: c };
}

/** The current image with the chosen channels: `input` (HWC, for drawing) and `x`, the library's input tensor. */
export function currentInput() {
  const { C, format, image } = state;
  const input = toChannels(image, C);
  const x = format === 'NCHW'
    ? { data: hwcToChw(input), shape: [1, C, input.H, input.W] }
    : { data: input.data, shape: [1, input.H, input.W, C] };
  return { input, x };
}

/** The settings as the library's options: `geometry` (no activation) and `options` (with it). */
export function currentOptions() {
  const geometry = {
    strides: state.stride, dilations: state.dilation, padding: state.padding, dataFormat: state.format,
  };
  return { geometry, options: { ...geometry, activation: state.activation } };
}

async function computeAndDraw() {
  const { C, K, M, O, format } = state;
  const { input, x } = currentInput();
  const depthwise = { data: state.dw.slice(), shape: [K, K, C, M] };
  const pointwise = { data: state.pw.slice(), shape: [1, 1, C * M, O] };
  const { geometry, options } = currentOptions();

  let mid, out;
  const times = [];
  const t0 = performance.now();
  let tMid = t0, tCreate = t0;
  try {
    // The intermediate: the same separable convolution with an identity pointwise filter.
    mid = await session.lib.separableConv2d(x, depthwise, { data: identityMatrix(C * M), shape: [1, 1, C * M, C * M] }, geometry);
    tMid = performance.now();
    const layer = await session.lib.createSeparableConv2d(depthwise, pointwise, options);
    tCreate = performance.now();
    try {
      for (let i = 0; i < TIMED_RUNS; i++) {
        const start = performance.now();
        out = await layer.run(x);
        times.push(performance.now() - start);
      }
    } finally {
      layer.dispose();
    }
  } catch (error) {
    if (!isLibraryError(error)) throw error;
    if (pending) return null;  // the settings changed meanwhile: recompute instead
    progress.lastError = { code: error.code, message: error.message };
    showError(error);
    updatePipeline(null, null);
    for (const id of ['intermediate-maps', 'output-maps']) $(id).classList.add('stale');
    for (const note of document.querySelectorAll('.stale-note')) note.hidden = false;
    $('status-time').textContent = `rejected: ${error.code}`;
    $('status-time').className = 'bad';
    $('status-diff').textContent = '–';
    $('status-diff').className = '';
    return false;
  }
  if (pending) return null;  // the settings changed meanwhile: recompute instead of drawing this
  const t1 = performance.now();
  progress.lastError = null;
  showError(null);
  for (const note of document.querySelectorAll('.stale-note')) note.hidden = true;
  $('status-time').className = '';

  const midHwc = resultToHwc(mid, format);
  const outHwc = resultToHwc(out, format);
  const names = Array.from({ length: C * M }, (_, c) => midName(c));
  renderMaps($('intermediate-maps'), midHwc, names, $('intermediate-colorbar'));
  renderMaps($('output-maps'), outHwc, Array.from({ length: O }, (_, k) => `out ${k + 1}`), $('output-colorbar'));
  updatePipeline(mid.shape, out.shape);

  // The page's own check: the formula in plain JavaScript, float64.
  const t2 = performance.now();
  const reference = separableConv2dReference(input, { data: depthwise.data, KH: K, KW: K, C, M }, pointwise.data, O, {
    strides: [geometry.strides, geometry.strides], dilations: [geometry.dilations, geometry.dilations],
    padding: geometry.padding, activation: options.activation,
  });
  const diff = Math.max(maxAbsDiff(midHwc.data, reference.mid.data), maxAbsDiff(outHwc.data, reference.out.data));
  const tolerance = 1e-5 * Math.max(1, symmetricScale(reference.mid.data), symmetricScale(reference.out.data));
  progress.lastDiff = diff;
  const ok = diff <= tolerance;
  const diffText = diff === 0 ? '0' : diff.toExponential(1);
  $('status-diff').textContent = ok ? `max |Δ| ${diffText} ✓` : `max |Δ| ${diffText} ✗ (tolerance ${formatScale(tolerance)})`;
  $('status-diff').className = ok ? 'ok' : 'bad';
  $('status-time').textContent = `${formatMs(median(times))} (median of ${TIMED_RUNS} runs)`;
  const t3 = performance.now();
  await updateMemory();
  // Where a recomputation's time went, in ms (for the curious: window.demo.timings).
  progress.timings = { intermediate: tMid - t0, createLayer: tCreate - tMid, runs: times, draw: t2 - t1, reference: t3 - t2 };
  return true;
}

let running = false;
let pending = false;

/** Recomputes soon; changes made while a computation runs coalesce into one more. */
export function scheduleCompute() {
  pending = true;
  if (!session.lib || !session.ready) return;  // main() starts the first computation once the module loads
  progress.busy = true;
  document.body.dataset.state = 'busy';
  if (!running) runLoop();
}

async function runLoop() {
  running = true;
  let ok = true;
  while (pending) {
    pending = false;
    try {
      ok = await computeAndDraw();  // null: skipped, as newer settings are pending
    } catch (error) {
      ok = false;
      progress.lastError = { code: error.code, message: String(error.message || error) };
      showError(error);
      console.error(error);
    }
  }
  running = false;
  progress.busy = false;
  progress.renders++;
  document.body.dataset.state = ok ? 'ready' : 'error';
  document.body.dataset.renders = String(progress.renders);
}
