// What the page's modules share: its settings and filters, the library once loaded, the progress
// the tests read, and the one way to ask for a recomputation (compute.mjs answers it; the editors
// and controls only ask, so they need not import the computing code).

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

let recomputeHandler = () => {};

/** Asks for the outputs to be recomputed for the current state. */
export const recompute = () => recomputeHandler();

/** Sets what recompute() does (once, at start). */
export function onRecompute(handler) {
  recomputeHandler = handler;
}

const CHANNEL_NAMES = { 3: ['R', 'G', 'B'], 1: ['Y'] };
export const channelName = (q) => CHANNEL_NAMES[state.C][q];
export const midName = (c) => `${channelName(Math.floor(c / state.M))}·f${(c % state.M) + 1}`;

export const isLibraryError = (error) => error && (error.name === 'SeparableConv2dError' ||
  (session.lib && error instanceof session.lib.SeparableConv2dError));
