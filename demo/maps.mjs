// The maps: the input image and its channels, the intermediate and output channels as heatmaps
// (canvases reused between renders when their number does not change), and the shapes shown
// along the pipeline.

import { $, state, channelName } from './state.mjs';
import { shapeText } from './format.mjs';
import { toChannels } from './images.mjs';
import { drawHeatmap, drawGray, drawImage, renderColorBar, symmetricScale } from './heatmap.mjs';

const DISPLAY_PX = 160;  // the input's longer side on screen; every map uses the same zoom

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

export function renderInput() {
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

/** Each channel of an HWC tensor as a heatmap, on `scale` (default: the tensor's own max |v|). */
export function renderMaps(container, tensor, names, colorbar, scale = symmetricScale(tensor.data)) {
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

export function updatePipeline(midShape, outShape) {
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
