// The filter editors: the depthwise filters as a grid of K×K kernels and the pointwise matrix,
// each with its presets; a click on a cell opens a number input over it. Edits change state.dw and
// state.pw in place and ask for a recomputation.

import { $, state, channelName, midName, recompute } from './state.mjs';
import { formatCell } from './format.mjs';
import { DEPTHWISE_PRESETS, POINTWISE_PRESETS, depthwisePreset, pointwisePreset } from './presets.mjs';
import { renderColorBar, symmetricScale, cssColorOf, textColorOf } from './heatmap.mjs';

export function resetDepthwise() {
  state.dw = depthwisePreset(state.dwPreset, state.K, state.C, state.M, state.dwSeed);
  state.dwEdited = false;
}
export function resetPointwise() {
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

/**
 * What a click on a preset of filter `key` ('dw' or 'pw') does: the preset's values replace the
 * filter's; 'random' picked again while unedited draws new ones.
 */
function presetPicker(key, reset, render) {
  return (id) => {
    if (id === 'random' && id === state[`${key}Preset`] && !state[`${key}Edited`]) state[`${key}Seed`]++;
    state[`${key}Preset`] = id;
    reset();
    render();
    recompute();
  };
}

function gridLabel(text, className) {
  const label = document.createElement('span');
  label.className = className;
  label.textContent = text;
  return label;
}

/** A grid's first row: an empty corner, then a label over each column. */
function appendColumnLabels(grid, labels) {
  grid.appendChild(document.createElement('span'));
  for (const text of labels) grid.appendChild(gridLabel(text, 'grid-label'));
}

export function renderDepthwise() {
  const { K, C, M, dw } = state;
  renderPresetButtons($('depthwise-presets'), DEPTHWISE_PRESETS, state.dwPreset, state.dwEdited,
    presetPicker('dw', resetDepthwise, renderDepthwise));
  const scale = symmetricScale(dw);
  // Cells as large as fit in about 430 px (at least 14 px); values written in them from 26 px.
  const size = Math.max(14, Math.min(36, Math.floor((430 - M * 14) / (M * K))));
  const grid = $('depthwise-grid');
  grid.replaceChildren();
  grid.style.gridTemplateColumns = `auto repeat(${M}, max-content)`;
  appendColumnLabels(grid, Array.from({ length: M }, (_, r) => `filter ${r + 1}`));
  for (let q = 0; q < C; q++) {
    grid.appendChild(gridLabel(channelName(q), 'grid-label row'));
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
              recompute();
            }));
        }
      }
      grid.appendChild(kernel);
    }
  }
  renderColorBar($('depthwise-colorbar'), scale);
  $('depthwise-shape').textContent = `[${K},${K},${C},${M}]  KH,KW,C,M`;
}

export function renderPointwise() {
  const { C, M, O, pw } = state;
  const CM = C * M;
  renderPresetButtons($('pointwise-presets'), POINTWISE_PRESETS, state.pwPreset, state.pwEdited,
    presetPicker('pw', resetPointwise, renderPointwise));
  const scale = symmetricScale(pw);
  const matrix = document.createElement('div');
  matrix.className = 'matrix';
  matrix.setAttribute('role', 'group');
  matrix.setAttribute('aria-label', 'pointwise filter matrix');
  matrix.style.gridTemplateColumns = `auto repeat(${O}, max-content)`;
  appendColumnLabels(matrix, Array.from({ length: O }, (_, k) => `out ${k + 1}`));
  for (let c = 0; c < CM; c++) {
    matrix.appendChild(gridLabel(midName(c), 'grid-label row'));
    for (let k = 0; k < O; k++) {
      const index = c * O + k;
      matrix.appendChild(makeCell(pw[index], scale, [40, 24], true, `intermediate ${midName(c)} to output ${k + 1}`, (v) => {
        state.pw[index] = v;
        state.pwEdited = true;
        renderPointwise();
        recompute();
      }));
    }
  }
  $('pointwise-grid').replaceChildren(matrix);
  renderColorBar($('pointwise-colorbar'), scale);
  $('pointwise-shape').textContent = `[1,1,${CM},${O}]  1,1,C·M,O`;
}
