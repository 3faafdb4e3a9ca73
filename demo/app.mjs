// The demo page: an input image, editable depthwise and pointwise filters, and the library's
// intermediate and final outputs, recomputed on every change. Uses only the package's async API.

import { sampleImage, imageFromFile, toChannels, SAMPLES } from './images.mjs';
import { DEPTHWISE_PRESETS, POINTWISE_PRESETS, depthwisePreset, pointwisePreset, identityMatrix } from './presets.mjs';
import { separableConv2dReference, maxAbsDiff } from './reference.mjs';
import { LAYER, runBenchmark, median, nextPaint } from './benchmark.mjs';
import { loadTfjs } from './tfjs.mjs';
import {
  drawHeatmap, drawGray, drawImage, renderColorBar, symmetricScale, cssColorOf, textColorOf, formatScale,
} from './heatmap.mjs';

const $ = (id) => document.getElementById(id);
const DISPLAY_PX = 160;  // the input's longer side on screen; every map uses the same zoom
const TIMED_RUNS = 5;

let lib = null;  // the imported sepconv-wasm module

const state = {
  image: null,
  imageLabel: '',
  sample: 'shapes',
  C: 3, K: 3, M: 2, O: 2,
  stride: 1, dilation: 1, padding: 'SAME', format: 'NHWC', activation: 'linear',
  dwPreset: 'sobel-xy', dwSeed: 1, dw: null, dwEdited: false,
  pwPreset: 'gray', pwSeed: 1, pw: null, pwEdited: false,
};

/** For tests and the curious: how many renders finished, whether one is in progress, the last benchmark. */
const progress = { renders: 0, busy: false, lastError: null, lastDiff: null, bench: null };
window.demo = progress;

// ---------------------------------------------------------------------------------------------
// Small helpers

const CHANNEL_NAMES = { 3: ['R', 'G', 'B'], 1: ['Y'] };
const channelName = (q) => CHANNEL_NAMES[state.C][q];
const midName = (c) => `${channelName(Math.floor(c / state.M))}·f${(c % state.M) + 1}`;
const shapeText = (shape) => `[${shape.join(',')}]`;
const threadsText = (n) => `${n} thread${n === 1 ? '' : 's'}`;

function formatMs(ms) {
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** A cell's label: two decimals at most, the leading zero dropped when space is short. */
function formatCell(v, compact) {
  let text;
  if (v === 0) text = '0';
  else if (Number.isInteger(v)) text = String(v);
  else if (Math.abs(v) < 0.005) text = v.toExponential(0);
  else text = String(Number(v.toFixed(2)));
  if (compact && text.length > 4) text = text.replace(/^(-?)0\./, '$1.');
  return text.replace(/-/g, '−');
}

const isLibraryError = (error) => error && (error.name === 'SeparableConv2dError' ||
  (lib && error instanceof lib.SeparableConv2dError));

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
function resultToHwc(result, format) {
  const [, a, b, c] = result.shape;
  if (format === 'NCHW') return { data: chwToHwc(result.data, a, b, c), H: b, W: c, C: a };
  return { data: result.data, H: a, W: b, C: c };
}

// ---------------------------------------------------------------------------------------------
// Filters: state, presets, editable grids

function resetDepthwise() {
  state.dw = depthwisePreset(state.dwPreset, state.K, state.C, state.M, state.dwSeed);
  state.dwEdited = false;
}
function resetPointwise() {
  state.pw = pointwisePreset(state.pwPreset, state.C, state.M, state.O, state.pwSeed);
  state.pwEdited = false;
}

function renderPresetButtons(container, presets, current, edited, onPick) {
  if (!container.firstChild) {
    for (const preset of presets) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'chip';
      button.dataset.preset = preset.id;
      button.textContent = preset.label;
      if (preset.title) button.title = preset.title;
      button.addEventListener('click', () => onPick(preset.id));
      container.appendChild(button);
    }
  }
  for (const button of container.children) {
    button.setAttribute('aria-pressed', String(!edited && button.dataset.preset === current));
  }
}

/** Opens a number input over a cell; Enter or leaving it applies, Esc cancels. */
function editCell(cell, value, apply) {
  document.querySelector('.cell-editor')?.remove();
  const input = document.createElement('input');
  input.type = 'number';
  input.step = '0.1';
  input.className = 'cell-editor';
  input.value = String(Number(value.toPrecision(6)));
  input.setAttribute('aria-label', `new value for ${cell.getAttribute('aria-label')}`);
  const rect = cell.getBoundingClientRect();
  input.style.position = 'absolute';
  input.style.left = `${rect.left + rect.width / 2 + window.scrollX}px`;
  input.style.top = `${rect.top + rect.height / 2 + window.scrollY}px`;
  let done = false;
  const finish = (commit) => {
    if (done) return;
    done = true;
    const v = Number(input.value);
    input.remove();
    if (commit && input.value.trim() !== '' && Number.isFinite(v)) apply(v);
    else cell.focus();
  };
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') { event.preventDefault(); finish(true); }
    if (event.key === 'Escape') { event.preventDefault(); finish(false); }
  });
  input.addEventListener('blur', () => finish(true));
  document.body.appendChild(input);
  input.focus();
  input.select();
}

function makeCell(value, scale, size, showText, label, onEdit) {
  const cell = document.createElement('button');
  cell.type = 'button';
  cell.className = 'cell';
  cell.style.width = `${size[0]}px`;
  cell.style.height = `${size[1]}px`;
  cell.style.background = cssColorOf(value, scale);
  cell.style.color = textColorOf(value, scale);
  if (showText) cell.textContent = formatCell(value, size[0] < 40);
  cell.title = `${label}: ${value}`;
  cell.setAttribute('aria-label', `${label}, value ${Number(value.toPrecision(4))}`);
  cell.addEventListener('click', () => editCell(cell, value, onEdit));
  return cell;
}

function renderDepthwise() {
  const { K, C, M, dw } = state;
  renderPresetButtons($('depthwise-presets'), DEPTHWISE_PRESETS, state.dwPreset, state.dwEdited, (id) => {
    if (id === 'random') state.dwSeed = id === state.dwPreset && !state.dwEdited ? state.dwSeed + 1 : state.dwSeed;
    state.dwPreset = id;
    resetDepthwise();
    renderDepthwise();
    scheduleCompute();
  });
  const scale = symmetricScale(dw);
  // Cells as large as fit in about 430 px (at least 14 px); values written in them from 26 px.
  const size = Math.max(14, Math.min(36, Math.floor((430 - M * 14) / (M * K))));
  const grid = $('depthwise-grid');
  grid.replaceChildren();
  grid.style.gridTemplateColumns = `auto repeat(${M}, max-content)`;
  grid.appendChild(document.createElement('span'));
  for (let r = 0; r < M; r++) {
    const head = document.createElement('span');
    head.className = 'grid-label';
    head.textContent = `filter ${r + 1}`;
    grid.appendChild(head);
  }
  for (let q = 0; q < C; q++) {
    const rowLabel = document.createElement('span');
    rowLabel.className = 'grid-label row';
    rowLabel.textContent = channelName(q);
    grid.appendChild(rowLabel);
    for (let r = 0; r < M; r++) {
      const kernel = document.createElement('div');
      kernel.className = 'kernel';
      kernel.setAttribute('role', 'group');
      kernel.setAttribute('aria-label', `depthwise filter ${r + 1} of channel ${channelName(q)}`);
      kernel.style.gridTemplateColumns = `repeat(${K}, ${size}px)`;
      for (let i = 0; i < K; i++) {
        for (let j = 0; j < K; j++) {
          const index = ((i * K + j) * C + q) * M + r;
          kernel.appendChild(makeCell(dw[index], scale, [size, size], size >= 26,
            `channel ${channelName(q)} filter ${r + 1} row ${i + 1} column ${j + 1}`, (v) => {
              state.dw[index] = v;
              state.dwEdited = true;
              renderDepthwise();
              scheduleCompute();
            }));
        }
      }
      grid.appendChild(kernel);
    }
  }
  renderColorBar($('depthwise-colorbar'), scale);
  $('depthwise-shape').textContent = `[${K},${K},${C},${M}]  KH,KW,C,M`;
}

function renderPointwise() {
  const { C, M, O, pw } = state;
  const CM = C * M;
  renderPresetButtons($('pointwise-presets'), POINTWISE_PRESETS, state.pwPreset, state.pwEdited, (id) => {
    if (id === 'random') state.pwSeed = id === state.pwPreset && !state.pwEdited ? state.pwSeed + 1 : state.pwSeed;
    state.pwPreset = id;
    resetPointwise();
    renderPointwise();
    scheduleCompute();
  });
  const scale = symmetricScale(pw);
  const matrix = document.createElement('div');
  matrix.className = 'matrix';
  matrix.setAttribute('role', 'group');
  matrix.setAttribute('aria-label', 'pointwise filter matrix');
  matrix.style.gridTemplateColumns = `auto repeat(${O}, max-content)`;
  matrix.appendChild(document.createElement('span'));
  for (let k = 0; k < O; k++) {
    const head = document.createElement('span');
    head.className = 'grid-label';
    head.textContent = `out ${k + 1}`;
    matrix.appendChild(head);
  }
  for (let c = 0; c < CM; c++) {
    const rowLabel = document.createElement('span');
    rowLabel.className = 'grid-label row';
    rowLabel.textContent = midName(c);
    matrix.appendChild(rowLabel);
    for (let k = 0; k < O; k++) {
      const index = c * O + k;
      matrix.appendChild(makeCell(pw[index], scale, [40, 24], true, `intermediate ${midName(c)} to output ${k + 1}`, (v) => {
        state.pw[index] = v;
        state.pwEdited = true;
        renderPointwise();
        scheduleCompute();
      }));
    }
  }
  $('pointwise-grid').replaceChildren(matrix);
  renderColorBar($('pointwise-colorbar'), scale);
  $('pointwise-shape').textContent = `[1,1,${CM},${O}]  1,1,C·M,O`;
}

// ---------------------------------------------------------------------------------------------
// Maps (canvases), reused between renders when their number does not change

function mapFigures(container, count) {
  while (container.children.length > count) container.lastChild.remove();
  while (container.children.length < count) {
    const figure = document.createElement('figure');
    figure.className = 'map';
    figure.appendChild(document.createElement('canvas'));
    figure.appendChild(document.createElement('figcaption'));
    container.appendChild(figure);
  }
  return [...container.children];
}

function zoom() {
  return Math.min(4, DISPLAY_PX / Math.max(state.image.H, state.image.W));
}

function renderInput() {
  const image = state.image;
  const input = toChannels(image, state.C);
  const z = zoom();
  const figures = mapFigures($('input-maps'), 1 + state.C);
  drawImage(figures[0].querySelector('canvas'), image, z);
  figures[0].querySelector('figcaption').innerHTML = `<b>${state.imageLabel}</b> ${image.W}×${image.H}`;
  for (let q = 0; q < state.C; q++) {
    const figure = figures[q + 1];
    drawGray(figure.querySelector('canvas'), input, q, z);
    figure.querySelector('figcaption').innerHTML = `<b>${channelName(q)}</b> ${state.C === 1 ? 'luma' : 'channel'}`;
  }
  for (const figure of figures) {
    const canvas = figure.querySelector('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', figure.querySelector('figcaption').textContent);
  }
}

function renderMaps(container, tensor, names, colorbar) {
  const scale = symmetricScale(tensor.data);
  const figures = mapFigures(container, tensor.C);
  figures.forEach((figure, c) => {
    const canvas = figure.querySelector('canvas');
    drawHeatmap(canvas, tensor, c, scale, zoom());
    figure.querySelector('figcaption').innerHTML = `<b>${names[c]}</b> ${tensor.W}×${tensor.H}`;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `${names[c]}, ${tensor.W} by ${tensor.H}`);
  });
  renderColorBar(colorbar, scale);
  container.classList.remove('stale');
}

function updatePipeline(midShape, outShape) {
  const { C, K, M, O, format, image } = state;
  const inShape = format === 'NCHW' ? [1, C, image.H, image.W] : [1, image.H, image.W, C];
  $('input-shape').textContent = `${shapeText(inShape)}  ${format === 'NCHW' ? 'N,C,H,W' : 'N,H,W,C'}`;
  $('pipe-input').textContent = shapeText(inShape);
  $('pipe-depthwise').textContent = shapeText([K, K, C, M]);
  $('pipe-pointwise').textContent = shapeText([1, 1, C * M, O]);
  $('pipe-intermediate').textContent = midShape ? shapeText(midShape) : '–';
  $('pipe-output').textContent = outShape ? shapeText(outShape) : '–';
  const order = format === 'NCHW' ? 'N,C,H,W' : 'N,H,W,C';
  $('intermediate-shape').textContent = midShape ? `${shapeText(midShape)}  ${order}` : '–';
  $('output-shape').textContent = outShape ? `${shapeText(outShape)}  ${order}` : '–';
}

// ---------------------------------------------------------------------------------------------
// Computing: the library (intermediate and output), timing, and the JS reference check

function showError(error) {
  const box = $('error');
  if (!error) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const code = document.createElement('span');
  code.className = 'code';
  code.textContent = error.code ? `${error.name} ${error.code}` : (error.name || 'Error');
  const message = document.createElement('span');
  message.className = 'message';
  message.textContent = error.message;
  box.replaceChildren(code, message);
  box.hidden = false;
}

async function computeAndDraw() {
  const { C, K, M, O, format, image } = state;
  const input = toChannels(image, C);
  const x = format === 'NCHW'
    ? { data: hwcToChw(input), shape: [1, C, input.H, input.W] }
    : { data: input.data, shape: [1, input.H, input.W, C] };
  const depthwise = { data: state.dw.slice(), shape: [K, K, C, M] };
  const pointwise = { data: state.pw.slice(), shape: [1, 1, C * M, O] };
  const geometry = {
    strides: state.stride, dilations: state.dilation, padding: state.padding, dataFormat: format,
  };
  const options = { ...geometry, activation: state.activation };

  let mid, out;
  const times = [];
  const t0 = performance.now();
  let tMid = t0, tCreate = t0;
  try {
    // The intermediate: the same separable convolution with an identity pointwise filter.
    mid = await lib.separableConv2d(x, depthwise, { data: identityMatrix(C * M), shape: [1, 1, C * M, C * M] }, geometry);
    tMid = performance.now();
    const layer = await lib.createSeparableConv2d(depthwise, pointwise, options);
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

async function updateMemory() {
  const memory = await lib.getMemoryInfo();
  if (memory) {
    const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0)} MiB`;
    $('status-memory').textContent = `wasm ${mib(memory.wasmMemoryBytes)}, ${mib(memory.heapBytesInUse)} in use`;
  }
}

let running = false;
let pending = false;
let backendReady = false;

/** Recomputes soon; changes made while a computation runs coalesce into one more. */
function scheduleCompute() {
  pending = true;
  if (!lib || !backendReady) return;  // main() starts the first computation once the module loads
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

// ---------------------------------------------------------------------------------------------
// Controls, images

function readControls() {
  const form = $('controls');
  const value = (name) => form.elements[name].value;
  const before = { C: state.C, K: state.K, M: state.M, O: state.O };
  state.C = Number(value('channels'));
  state.K = Number(value('kernel'));
  state.M = Number(value('multiplier'));
  state.O = Number(value('outputs'));
  state.stride = Number(value('stride'));
  state.dilation = Number(value('dilation'));
  state.padding = value('padding');
  state.format = value('format');
  state.activation = value('activation');
  if (before.C !== state.C || before.K !== state.K || before.M !== state.M) {
    resetDepthwise();
    renderDepthwise();
  }
  if (before.C !== state.C || before.M !== state.M || before.O !== state.O) {
    resetPointwise();
    renderPointwise();
  }
  if (before.C !== state.C) renderInput();
  scheduleCompute();
}

function setImage(image, label) {
  state.image = image;
  state.imageLabel = label;
  renderInput();
  scheduleCompute();
}

function renderSamples() {
  const container = $('samples');
  for (const sample of SAMPLES) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'chip sample';
    button.dataset.sample = sample.id;
    const thumb = document.createElement('canvas');
    thumb.setAttribute('aria-hidden', 'true');
    drawImage(thumb, sampleImage(sample.id), 26 / 80);
    button.append(thumb, sample.label);
    button.addEventListener('click', () => {
      state.sample = sample.id;
      markSample();
      setImage(sampleImage(sample.id), sample.label);
    });
    container.appendChild(button);
  }
  markSample();
}

function markSample() {
  for (const button of $('samples').children) {
    button.setAttribute('aria-pressed', String(button.dataset.sample === state.sample));
  }
}

async function loadFile(file) {
  const status = $('file-status');
  status.className = 'drop-status';
  status.textContent = `reading ${file.name}…`;
  try {
    const image = await imageFromFile(file);
    state.sample = null;
    markSample();
    status.textContent = `${file.name}: ${image.W}×${image.H}`;
    setImage(image, file.name.length > 18 ? `${file.name.slice(0, 16)}…` : file.name);
  } catch (error) {
    status.className = 'drop-status bad';
    status.textContent = error.message;
  }
}

function wireImageInputs() {
  $('file').addEventListener('change', (event) => {
    const file = event.target.files[0];
    if (file) loadFile(file);
    event.target.value = '';
  });
  const zone = $('dropzone');
  let depth = 0;
  window.addEventListener('dragenter', (event) => {
    if (!event.dataTransfer?.types.includes('Files')) return;
    depth++;
    zone.classList.add('over');
  });
  window.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) zone.classList.remove('over');
  });
  window.addEventListener('dragover', (event) => event.preventDefault());
  window.addEventListener('drop', (event) => {
    event.preventDefault();
    depth = 0;
    zone.classList.remove('over');
    const file = [...(event.dataTransfer?.files || [])].find((f) => f.type.startsWith('image/'));
    if (file) loadFile(file);
  });
}

// ---------------------------------------------------------------------------------------------
// Benchmark: sepconv-wasm against TensorFlow.js's WASM backend (demo/benchmark.mjs)

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
    const result = await runBenchmark({ lib, tf: tfjs.tf, ...BENCH, onProgress: show });
    progress.bench = result;
    const [sepconvRun, tfjsRun] = result.engines;
    const info = await lib.getBackendInfo();
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

// ---------------------------------------------------------------------------------------------
// Start

async function main() {
  resetDepthwise();
  resetPointwise();
  renderSamples();
  state.image = sampleImage(state.sample);
  state.imageLabel = SAMPLES.find((s) => s.id === state.sample).label;
  renderInput();
  renderDepthwise();
  renderPointwise();
  updatePipeline(null, null);
  wireImageInputs();
  $('controls').addEventListener('change', readControls);
  $('bench-button').addEventListener('click', onBenchmark);

  try {
    lib = await import('/dist/web/sepconv-wasm.mjs');
  } catch (error) {
    $('status-backend').textContent = 'not built: run `bash scripts/build.sh` (npm start does)';
    $('status-backend').className = 'bad';
    document.body.dataset.state = 'error';
    throw error;
  }
  try {
    await lib.init();
  } catch (error) {
    $('status-backend').textContent = `unavailable: ${error.message}`;
    $('status-backend').className = 'bad';
    showError(error);
    document.body.dataset.state = 'error';
    return;
  }
  const info = await lib.getBackendInfo();
  $('status-backend').textContent =
    `${info.variant} · ${threadsText(info.threads)}` +
    `${info.crossOriginIsolated ? ' · cross-origin isolated' : ''}`;
  $('status-backend').dataset.variant = info.variant;
  $('status-backend').dataset.threads = String(info.threads);

  $('bench-button').disabled = false;
  backendReady = true;
  scheduleCompute();
}

main();
