// The demo page: an input image, editable depthwise and pointwise filters, and the library's
// intermediate and final outputs, recomputed on every change. Uses only the package's async API.
// This file starts the page; each job has its module: filters.mjs (the filter editors), maps.mjs
// (drawing), compute.mjs (the library's calls), controls.mjs and image_picker.mjs (the inputs),
// benchmark_panel.mjs, learn_panel.mjs (training the filters: learn.mjs, adam.mjs, loss_chart.mjs),
// status.mjs, and state.mjs for what they share.

import { $, state, session, onRecompute } from './state.mjs';
import { sampleImage, SAMPLES } from './images.mjs';
import { resetDepthwise, resetPointwise, renderDepthwise, renderPointwise } from './filters.mjs';
import { renderInput, updatePipeline } from './maps.mjs';
import { scheduleCompute } from './compute.mjs';
import { wireControls } from './controls.mjs';
import { renderSamples, wireImageInputs } from './image_picker.mjs';
import { wireBenchmark } from './benchmark_panel.mjs';
import { wireLearn, startLearn } from './learn_panel.mjs';
import { showError, showBackend, showBackendFailure } from './status.mjs';

async function main() {
  onRecompute(scheduleCompute);
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
  wireControls();
  wireBenchmark();
  wireLearn();

  try {
    session.lib = await import('/dist/web/sepconv-wasm.mjs');
  } catch (error) {
    showBackendFailure('not built: run `bash scripts/build.sh` (npm start does)');
    document.body.dataset.state = 'error';
    throw error;
  }
  try {
    await session.lib.init();
  } catch (error) {
    showBackendFailure(`unavailable: ${error.message}`);
    showError(error);
    document.body.dataset.state = 'error';
    return;
  }
  showBackend(await session.lib.getBackendInfo());

  $('bench-button').disabled = false;
  session.ready = true;
  scheduleCompute();
  startLearn();
}

main();
