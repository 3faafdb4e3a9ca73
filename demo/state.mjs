// What the page's modules share: its settings and filters, the library once loaded, the progress
// the tests read, and the one way to ask for a recomputation (compute.mjs and learn_panel.mjs
// answer it; the editors and controls only ask, so they need not import the computing code).

export const $ = (id) => document.getElementById(id);

export const state = {
  image: null,
  imageLabel: '',
  sample: 'shapes',
  C: 3, K: 3, M: 2, O: 2,
  stride: 1, dilation: 1, padding: 'SAME', format: 'NHWC', activation: 'linear',
  dwPreset: 'sobel-xy', dwSeed: 1, dw: null, dwEdited: false,
  pwPreset: 'gray', pwSeed: 1, pw: null, pwEdited: false,
};

/** The imported sepconv-wasm module, and whether its init() has finished. */
export const session = { lib: null, ready: false };

/** For tests and the curious: how many renders finished, whether one is in progress, the last benchmark. */
export const progress = { renders: 0, busy: false, lastError: null, lastDiff: null, bench: null };
window.demo = progress;

const recomputeHandlers = [];

/** Asks for the outputs to be recomputed for the current state. */
export const recompute = () => recomputeHandlers.forEach((handler) => handler());

/** Adds what recompute() does (at start: the computing and the learning panel each add theirs). */
export function onRecompute(handler) {
  recomputeHandlers.push(handler);
}

const CHANNEL_NAMES = { 3: ['R', 'G', 'B'], 1: ['Y'] };
export const channelName = (q, C = state.C) => CHANNEL_NAMES[C][q];
export const midName = (c, C = state.C, M = state.M) => `${channelName(Math.floor(c / M), C)}·f${(c % M) + 1}`;

export const isLibraryError = (error) => error && (error.name === 'SeparableConv2dError' ||
  (session.lib && error instanceof session.lib.SeparableConv2dError));
