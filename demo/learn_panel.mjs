// The Learn panel: the visitor picks a target (the output of preset filters on the current image,
// or of the filters as edited above); the page starts from random filters and trains them with
// learn.mjs, drawing the loss curve, the learned output and filters as they converge. Each step is
// awaited (the library computes it in its threads) and the panel redraws once per animation
// frame, so the page stays responsive. A change of the settings, image or target starts again.

import { $, state, session, progress, onRecompute, isLibraryError } from './state.mjs';
import { shapeText } from './format.mjs';
import { depthwisePreset, pointwisePreset } from './presets.mjs';
import { drawDepthwiseGrid, drawPointwiseMatrix, renderPresetButtons } from './filters.mjs';
import { renderMaps } from './maps.mjs';
import { renderColorBar, symmetricScale, formatScale } from './heatmap.mjs';
import { currentInput, currentOptions, resultToHwc } from './compute.mjs';
import { drawLossChart } from './loss_chart.mjs';
import { Trainer } from './learn.mjs';

const TARGETS = [
  { id: 'edges', label: 'Edges', title: 'Sobel x | y filters, grayscale mix', dw: 'sobel-xy', pw: 'gray' },
  { id: 'blur', label: 'Blur', title: 'Gaussian filters, grayscale mix', dw: 'gaussian', pw: 'gray' },
  { id: 'mix', label: 'Colour mix', title: 'identity filters, a random mix of the channels', dw: 'identity', pw: 'random' },
  { id: 'yours', label: 'Your filters', title: 'the depthwise and pointwise filters above, as you set them' },
];
const MIX_SEED = 7;  // the 'Colour mix' target's random pointwise matrix
const MAX_MS_WITHOUT_FRAME = 100;  // see train()
const FILTERS_EVERY_MS = 200;  // see drawFrames()

/** What the tests read: the panel's status, its progress and the problem it trains on. */
const learn = {
  target: 'edges', status: 'idle', lr: 0.01, seed: 1,
  steps: 0, loss: null, firstLoss: null, stepsPerSecond: 0, frames: 0, problem: null,
};
progress.learn = learn;

let trainer = null;
let losses = [];
let wantTraining = false;
let preparedKey = null;  // the problemKey() the trainer was made for
let looping = false;

/** The target's filters for the current shapes. */
function targetFilters(id, { K, C, M, O }) {
  if (id === 'yours') return { dw: state.dw.slice(), pw: state.pw.slice() };
  const target = TARGETS.find((t) => t.id === id);
  return { dw: depthwisePreset(target.dw, K, C, M, MIX_SEED), pw: pointwisePreset(target.pw, C, M, O, MIX_SEED) };
}

/** Everything the problem depends on, so that edits which change nothing learned keep the training. */
function problemKey() {
  const { C, K, M, O, stride, dilation, padding, format, activation, image } = state;
  const filters = learn.target === 'yours' ? [...state.dw, '|', ...state.pw] : [];
  return { image, text: JSON.stringify([learn.target, learn.seed, C, K, M, O, stride, dilation, padding, format, activation, filters]) };
}
const sameProblem = (a, b) => a && b && a.image === b.image && a.text === b.text;

function setStatus(status) {
  learn.status = status;
  document.body.dataset.learn = status;
  $('learn-train').disabled = !session.ready || status === 'training';
  $('learn-stop').disabled = status !== 'training';
  $('learn-reset').disabled = !session.ready;
}

function showLearnError(error) {
  const box = $('learn-error');
  box.hidden = !error;
  box.textContent = error ? `${error.code ? `${error.code}: ` : ''}${error.message}` : '';
}

/** A new trainer for the current settings, image and target; false if the library refuses them. */
async function prepare() {
  const key = problemKey();
  preparedKey = key;
  trainer?.dispose();
  trainer = null;
  losses = [];
  Object.assign(learn, { steps: 0, loss: null, firstLoss: null, stepsPerSecond: 0, problem: null });
  const { K, C, M, O } = state;
  const dims = { K, C, M, O };
  const { input, x } = currentInput();
  const { options } = currentOptions();
  const filters = targetFilters(learn.target, dims);
  let target, next;
  try {
    target = await session.lib.separableConv2d(x, { data: filters.dw, shape: [K, K, C, M] },
      { data: filters.pw, shape: [1, 1, C * M, O] }, options);
    next = await Trainer.create(session.lib, { x, target, dims, options, seed: learn.seed, lr: learn.lr });
    await next.forward();
  } catch (error) {
    if (!isLibraryError(error)) throw error;
    next?.dispose();
    preparedKey = null;
    showLearnError(error);
    for (const id of ['learn-target-maps', 'learn-output-maps']) $(id).classList.add('stale');
    return false;
  }
  showLearnError(null);
  trainer = next;
  const { dw, pw, bias } = trainer.weights;
  learn.problem = {
    input, dims, options, target: filters, initial: { dw: dw.slice(), pw: pw.slice(), bias: bias.slice() }, weights: trainer.weights,
  };
  $('learn-shape').textContent = `${shapeText(target.shape)}  ${options.dataFormat === 'NCHW' ? 'N,O,H,W' : 'N,H,W,O'}`;
  renderMaps($('learn-target-maps'), resultToHwc(target, options.dataFormat), outputNames(O), $('learn-colorbar'));
  draw();
  return true;
}

const outputNames = (O) => Array.from({ length: O }, (_, k) => `out ${k + 1}`);

function record(loss) {
  losses.push(loss);
  learn.steps = trainer.steps;
  learn.loss = loss;
  if (learn.firstLoss === null) learn.firstLoss = loss;
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

/**
 * Trains until Stop or a change of the problem, awaiting each step; drawFrames() draws meanwhile.
 * Each step's library calls resolve from the library's threads, which lets the page render between
 * steps; a build that computes on the page's thread gets a frame every 100 ms.
 */
async function train() {
  let yielded = performance.now();
  while (wantTraining && sameProblem(preparedKey, problemKey())) {
    record(await trainer.step());
    if (performance.now() - yielded > MAX_MS_WITHOUT_FRAME) {
      await nextFrame();
      yielded = performance.now();
    }
  }
}

/**
 * Draws at each animation frame where training went on, while it does (hidden tabs have no
 * frames); the filters' cells, whose text and labels cost the page a layout, 5 times a second.
 */
async function drawFrames() {
  let drawn = -1;
  let filtersDrawn = 0;
  let rate = { time: performance.now(), steps: learn.steps };
  for (;;) {
    await nextFrame();
    if (learn.status !== 'training') return;
    const now = performance.now();
    if (now - rate.time >= 500) {
      learn.stepsPerSecond = ((learn.steps - rate.steps) * 1000) / (now - rate.time);
      rate = { time: now, steps: learn.steps };
    }
    if (learn.steps !== drawn) {
      drawn = learn.steps;
      const filters = now - filtersDrawn >= FILTERS_EVERY_MS;
      if (filters) filtersDrawn = now;
      draw({ filters });
    }
  }
}

/** The one loop that prepares and trains, so that no two library calls on the trainer overlap. */
async function loop() {
  if (looping || !session.ready) return;
  looping = true;
  try {
    let refused = false;
    while (true) {
      if (!sameProblem(preparedKey, problemKey())) {
        refused = !(await prepare());
        if (refused) {
          wantTraining = false;
          break;
        }
      } else if (wantTraining && trainer) {
        if (learn.status !== 'training') {
          setStatus('training');
          drawFrames();
        }
        await train();
      } else {
        break;
      }
    }
    setStatus(refused ? 'error' : learn.steps ? 'stopped' : 'idle');
    draw();
  } catch (error) {
    wantTraining = false;
    showLearnError(error);
    setStatus('error');
    console.error(error);
  } finally {
    looping = false;
  }
}

/** Draws the loss curve, the numbers, the learned output and (unless told not to) the filters. */
function draw({ filters = true } = {}) {
  learn.frames++;
  drawLossChart($('learn-chart'), losses);
  $('learn-steps').textContent = String(learn.steps);
  $('learn-loss').textContent = learn.loss === null ? '–' : learn.loss.toExponential(2);
  $('learn-fall').textContent = learn.loss > 0 ? `${formatScale(learn.firstLoss / learn.loss)}×` : '–';
  $('learn-speed').textContent = learn.stepsPerSecond ? learn.stepsPerSecond.toFixed(0) : '–';
  if (!trainer) return;
  const { dims, options } = learn.problem;
  const targetScale = symmetricScale(trainer.target.data);
  renderMaps($('learn-output-maps'), resultToHwc({ data: trainer.y, shape: trainer.target.shape }, options.dataFormat),
    outputNames(dims.O), $('learn-colorbar'), targetScale);
  if (!filters) return;
  const { dw, pw, bias } = trainer.weights;
  renderColorBar($('learn-depthwise-colorbar'), drawDepthwiseGrid($('learn-depthwise'), dw, dims, { width: 250, maxCell: 26 }));
  renderColorBar($('learn-pointwise-colorbar'), drawPointwiseMatrix($('learn-pointwise'), pw, dims, { cell: [34, 20] }));
  $('learn-bias').textContent = `bias: ${[...bias].map((b) => `${b < 0 ? '−' : ''}${formatScale(Math.abs(b))}`).join(', ')}`;
}

function renderTargets() {
  renderPresetButtons($('learn-targets'), TARGETS, learn.target, false, (id) => {
    learn.target = id;
    renderTargets();
    loop();
  });
}

/** Wires the panel (at start, before the library loads). */
export function wireLearn() {
  renderTargets();
  setStatus('idle');
  drawLossChart($('learn-chart'), losses);
  $('learn-rate').value = String(learn.lr);
  $('learn-rate').addEventListener('change', (event) => {
    learn.lr = Number(event.target.value);
    if (trainer) trainer.adam.lr = learn.lr;  // takes effect at the next step, no restart
  });
  $('learn-train').addEventListener('click', () => {
    wantTraining = true;
    loop();
  });
  $('learn-stop').addEventListener('click', () => { wantTraining = false; });
  $('learn-reset').addEventListener('click', () => {
    learn.seed++;  // new random filters
    loop();
  });
  onRecompute(loop);
}

/** Once the library is ready: the first target and random filters, drawn, waiting for Train. */
export function startLearn() {
  setStatus('idle');
  loop();
}
