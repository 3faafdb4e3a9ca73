// The image picker: the sample buttons, the file input and drag and drop anywhere on the page.
// A new image becomes the input and asks for a recomputation.

import { $, state, recompute } from './state.mjs';
import { sampleImage, imageFromFile, SAMPLES } from './images.mjs';
import { drawImage } from './heatmap.mjs';
import { renderInput } from './maps.mjs';

function setImage(image, label) {
  state.image = image;
  state.imageLabel = label;
  renderInput();
  recompute();
}

export function renderSamples() {
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

export function wireImageInputs() {
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
