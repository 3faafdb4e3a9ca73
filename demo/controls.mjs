// The settings form: every change updates the state, rebuilds the filters whose shape changed
// and asks for a recomputation.

import { $, state, recompute } from './state.mjs';
import { resetDepthwise, resetPointwise, renderDepthwise, renderPointwise } from './filters.mjs';
import { renderInput } from './maps.mjs';

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
  recompute();
}

export function wireControls() {
  $('controls').addEventListener('change', readControls);
}
