// The filter editors: the depthwise filters as a grid of K×K kernels and the pointwise matrix,
// each with its presets; a click on a cell opens a number input over it. Edits change state.dw and
// state.pw in place and ask for a recomputation. The Learn panel draws its filters, read-only,
// with the same drawDepthwiseGrid and drawPointwiseMatrix.

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

/** A row of chips, one per preset ({id, label, title?}), `current` pressed unless edited. */
export function renderPresetButtons(container, presets, current, edited, onPick) {
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

/** Colours a cell for `value` on `scale` and labels it. */
function paintCell(cell, value, scale, showText, label) {
  cell.style.background = cssColorOf(value, scale);
  cell.style.color = textColorOf(value, scale);
  if (showText) cell.textContent = formatCell(value, parseInt(cell.style.width, 10) < 40);
  cell.title = `${label}: ${value}`;
  cell.setAttribute('aria-label', `${label}, value ${Number(value.toPrecision(4))}`);
}

/** A cell coloured by its value; a button that opens an editor when onEdit is given. */
function makeCell(value, scale, size, showText, label, onEdit) {
  const cell = document.createElement(onEdit ? 'button' : 'span');
  cell.className = 'cell';
  cell.style.width = `${size[0]}px`;
  cell.style.height = `${size[1]}px`;
  paintCell(cell, value, scale, showText, label);
  if (onEdit) {
    cell.type = 'button';
    cell.addEventListener('click', () => editCell(cell, value, onEdit));
  }
  return cell;
}

/**
 * Whether `container` already shows read-only cells for `layout`: then they are repainted in
 * place (cells[n] = [index into data, label], in the order they were made), which is what the
 * Learn panel's many redraws a second cost, rather than rebuilt.
 */
function repainted(container, layout, cells, data, scale, showText, onEdit) {
  if (onEdit || container.dataset.layout !== layout) {
    container.dataset.layout = onEdit ? '' : layout;
    return false;
  }
  container.querySelectorAll('.cell').forEach((cell, n) => paintCell(cell, data[cells[n][0]], scale, showText, cells[n][1]));
  return true;
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

/** What an edit of filter `key` ('dw' or 'pw') does: the new value, marked edited, redrawn, recomputed. */
function editor(key, render) {
  return (index, v) => {
    state[key][index] = v;
    state[`${key}Edited`] = true;
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

/**
 * Draws depthwise filters dw ([K,K,C,M]) into `grid`: a K×K kernel per input channel (rows) and
 * multiplier (columns), cells at most `maxCell` px and about `width` px in all. onEdit(index, v),
 * if given, makes the cells editable. Returns the colour scale.
 */
export function drawDepthwiseGrid(grid, dw, { K, C, M }, { onEdit = null, width = 430, maxCell = 36 } = {}) {
  const scale = symmetricScale(dw);
  // Cells as large as fit (at least 14 px); values written in them from 26 px.
  const size = Math.max(14, Math.min(maxCell, Math.floor((width - M * 14) / (M * K))));
  const cells = [];
  for (let q = 0; q < C; q++) {
    for (let r = 0; r < M; r++) {
      for (let i = 0; i < K; i++) {
        for (let j = 0; j < K; j++) {
          cells.push([((i * K + j) * C + q) * M + r, `channel ${channelName(q, C)} filter ${r + 1} row ${i + 1} column ${j + 1}`]);
        }
      }
    }
  }
  if (repainted(grid, `${K},${C},${M},${size}`, cells, dw, scale, size >= 26, onEdit)) return scale;
  grid.replaceChildren();
  grid.style.gridTemplateColumns = `auto repeat(${M}, max-content)`;
  appendColumnLabels(grid, Array.from({ length: M }, (_, r) => `filter ${r + 1}`));
  let n = 0;
  for (let q = 0; q < C; q++) {
    grid.appendChild(gridLabel(channelName(q, C), 'grid-label row'));
    for (let r = 0; r < M; r++) {
      const kernel = document.createElement('div');
      kernel.className = 'kernel';
      kernel.setAttribute('role', 'group');
      kernel.setAttribute('aria-label', `depthwise filter ${r + 1} of channel ${channelName(q, C)}`);
      kernel.style.gridTemplateColumns = `repeat(${K}, ${size}px)`;
      for (let t = 0; t < K * K; t++, n++) {
        const [index, label] = cells[n];
        kernel.appendChild(makeCell(dw[index], scale, [size, size], size >= 26, label, onEdit && ((v) => onEdit(index, v))));
      }
      grid.appendChild(kernel);
    }
  }
  return scale;
}

/**
 * Draws the pointwise matrix pw ([C·M, O]) into `container`, a row per intermediate channel;
 * onEdit(index, v), if given, makes the cells editable. Returns the colour scale.
 */
export function drawPointwiseMatrix(container, pw, { C, M, O }, { onEdit = null, cell = [40, 24] } = {}) {
  const scale = symmetricScale(pw);
  const cells = [];
  for (let c = 0; c < C * M; c++) {
    for (let k = 0; k < O; k++) cells.push([c * O + k, `intermediate ${midName(c, C, M)} to output ${k + 1}`]);
  }
  if (repainted(container, `${C},${M},${O},${cell}`, cells, pw, scale, cell[0] >= 26, onEdit)) return scale;
  const matrix = document.createElement('div');
  matrix.className = 'matrix';
  matrix.setAttribute('role', 'group');
  matrix.setAttribute('aria-label', 'pointwise filter matrix');
  matrix.style.gridTemplateColumns = `auto repeat(${O}, max-content)`;
  appendColumnLabels(matrix, Array.from({ length: O }, (_, k) => `out ${k + 1}`));
  for (let c = 0; c < C * M; c++) {
    matrix.appendChild(gridLabel(midName(c, C, M), 'grid-label row'));
    for (let k = 0; k < O; k++) {
      const [index, label] = cells[c * O + k];
      matrix.appendChild(makeCell(pw[index], scale, cell, cell[0] >= 26, label, onEdit && ((v) => onEdit(index, v))));
    }
  }
  container.replaceChildren(matrix);
  return scale;
}

// The two editors: their presets, elements (#depthwise-grid, ...), drawing and shape.
const EDITORS = {
  dw: {
    presets: DEPTHWISE_PRESETS, reset: resetDepthwise, id: 'depthwise', draw: drawDepthwiseGrid,
    shape: ({ K, C, M }) => `[${K},${K},${C},${M}]  KH,KW,C,M`,
  },
  pw: {
    presets: POINTWISE_PRESETS, reset: resetPointwise, id: 'pointwise', draw: drawPointwiseMatrix,
    shape: ({ C, M, O }) => `[1,1,${C * M},${O}]  1,1,C·M,O`,
  },
};

/** Draws the editor of filter `key` ('dw' or 'pw'): its presets, cells, colour bar and shape. */
function renderEditor(key) {
  const { presets, reset, id, draw, shape } = EDITORS[key];
  const render = () => renderEditor(key);
  renderPresetButtons($(`${id}-presets`), presets, state[`${key}Preset`], state[`${key}Edited`], presetPicker(key, reset, render));
  renderColorBar($(`${id}-colorbar`), draw($(`${id}-grid`), state[key], state, { onEdit: editor(key, render) }));
  $(`${id}-shape`).textContent = shape(state);
}

export const renderDepthwise = () => renderEditor('dw');
export const renderPointwise = () => renderEditor('pw');
