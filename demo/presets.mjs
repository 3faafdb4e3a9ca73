// Filter presets. Depthwise filters are [KH, KW, C, M] (row-major, as the library takes them),
// the pointwise matrix is [C*M, O].

import { rng } from './images.mjs';

/** Row n of Pascal's triangle: the binomial smoothing kernel of length n + 1. */
function binomial(n) {
  let row = [1];
  for (let i = 0; i < n; i++) row = row.map((v, j) => v + (row[j - 1] || 0)).concat(1);
  return row;
}

/** Convolution of two 1-D kernels. */
function convolve(a, b) {
  const out = new Array(a.length + b.length - 1).fill(0);
  a.forEach((x, i) => b.forEach((y, j) => { out[i + j] += x * y; }));
  return out;
}

const outer = (col, row) => col.map((c) => row.map((r) => c * r));
const normalize = (k) => {
  const sum = k.flat().reduce((s, v) => s + v, 0);
  return k.map((row) => row.map((v) => v / sum));
};

/** The pixel the library's SAME padding centres an even kernel on: floor((K-1)/2). */
const centre = (K) => Math.floor((K - 1) / 2);

function identity(K) {
  const k = outer(new Array(K).fill(0), new Array(K).fill(0));
  k[centre(K)][centre(K)] = 1;
  return k;
}

/** Sobel generalised to any size: binomial smoothing across, binomial derivative along. */
function sobel(K, axis) {
  if (K < 2) return [[0]];
  const smooth = binomial(K - 1);
  const derivative = convolve(binomial(K - 2), [-1, 1]);
  return axis === 'x' ? outer(smooth, derivative) : outer(derivative, smooth);
}

function laplacian(K) {
  if (K === 3) return [[0, 1, 0], [1, -4, 1], [0, 1, 0]];
  if (K < 3) return identity(K).map((row) => row.map((v) => -v));
  // Larger: a Gaussian minus the identity (a high-pass filter of the same shape), scaled.
  const g = normalize(outer(binomial(K - 1), binomial(K - 1)));
  const id = identity(K);
  return g.map((row, i) => row.map((v, j) => 4 * (v - id[i][j])));
}

/** Depthwise presets: each gives the KxK kernel for input channel q and multiplier r. */
export const DEPTHWISE_PRESETS = [
  { id: 'identity', label: 'Identity', kernel: (K) => identity(K) },
  { id: 'box', label: 'Box blur', kernel: (K) => normalize(outer(new Array(K).fill(1), new Array(K).fill(1))) },
  { id: 'gaussian', label: 'Gaussian', kernel: (K) => normalize(outer(binomial(K - 1), binomial(K - 1))) },
  { id: 'sobel-x', label: 'Sobel x', kernel: (K) => sobel(K, 'x') },
  { id: 'sobel-y', label: 'Sobel y', kernel: (K) => sobel(K, 'y') },
  { id: 'sobel-xy', label: 'Sobel x | y', title: 'Sobel x for odd filters, Sobel y for even ones', kernel: (K, q, r) => sobel(K, r % 2 ? 'y' : 'x') },
  { id: 'laplacian', label: 'Laplacian', kernel: (K) => laplacian(K) },
  { id: 'random', label: 'Random', title: 'uniform in [−1, 1]; click again for new values', kernel: null },
];

/** A [K, K, C, M] Float32Array from a preset id; `seed` drives 'random'. */
export function depthwisePreset(id, K, C, M, seed = 1) {
  const preset = DEPTHWISE_PRESETS.find((p) => p.id === id) || DEPTHWISE_PRESETS[0];
  const data = new Float32Array(K * K * C * M);
  const random = rng(seed);
  for (let q = 0; q < C; q++) {
    for (let r = 0; r < M; r++) {
      const k = preset.kernel ? preset.kernel(K, q, r) : null;
      for (let i = 0; i < K; i++) {
        for (let j = 0; j < K; j++) {
          data[((i * K + j) * C + q) * M + r] = k ? k[i][j] : Math.round((random() * 2 - 1) * 100) / 100;
        }
      }
    }
  }
  return data;
}

const LUMA = [0.299, 0.587, 0.114];

export const POINTWISE_PRESETS = [
  { id: 'identity', label: 'Identity', title: 'output k = intermediate channel k' },
  { id: 'gray', label: 'Grayscale mix', title: 'output k = luma-weighted sum of filter (k mod M) over R, G, B' },
  { id: 'random', label: 'Random', title: 'uniform in [−1, 1]; click again for new values' },
];

/** A [C*M, O] Float32Array from a preset id. */
export function pointwisePreset(id, C, M, O, seed = 1) {
  const CM = C * M;
  const data = new Float32Array(CM * O);
  const random = rng(seed);
  for (let q = 0; q < C; q++) {
    for (let r = 0; r < M; r++) {
      const row = q * M + r;
      for (let k = 0; k < O; k++) {
        let v = 0;
        if (id === 'identity') v = row === k ? 1 : 0;
        else if (id === 'gray') v = k % M === r ? (C === 3 ? LUMA[q] : 1) : 0;
        else v = Math.round((random() * 2 - 1) * 100) / 100;
        data[row * O + k] = v;
      }
    }
  }
  return data;
}

/** The C*M x C*M identity: a pointwise step that keeps the depthwise result as it is. */
export function identityMatrix(n) {
  const data = new Float32Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return data;
}
