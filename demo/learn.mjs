// Learning the filters: a separable layer started from random weights is trained to reproduce a
// target output on one input, by gradient descent (Adam) on
//   L = mean((y − target)²),   dL/dy = 2·(y − target) / n   (n = number of output values),
// y being the layer's output. sepconv-wasm gives y (layer.run) and the gradients of L with
// respect to the depthwise filters, the pointwise matrix and the bias (layer.backward with that
// dL/dy); no DOM here, so that the page and scripts can both drive it.

import { Adam } from './adam.mjs';
import { depthwisePreset, pointwisePreset } from './presets.mjs';

const GRADIENTS = ['depthwiseFilter', 'pointwiseFilter', 'bias'];

/**
 * L = mean((y − target)²); writes dL/dy = 2·(y − target)/n into dy. float64 sum.
 * Returns L.
 */
export function meanSquaredError(y, target, dy) {
  const n = y.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = y[i] - target[i];
    sum += d * d;
    dy[i] = (2 * d) / n;
  }
  return sum / n;
}

/**
 * Random starting filters: uniform, scaled by 1/√(fan-in) so that the first output has about
 * the input's scale (K·K taps per depthwise output, C·M inputs per pointwise one); bias 0.
 */
export function randomWeights({ K, C, M, O }, seed) {
  const dw = depthwisePreset('random', K, C, M, seed).map((v) => v / K);
  const pw = pointwisePreset('random', C, M, O, seed + 1).map((v) => v / Math.sqrt(C * M));
  return { dw, pw, bias: new Float32Array(O) };
}

export class Trainer {
  /**
   * lib: sepconv-wasm. x: the input tensor {data, shape}; target: the output to learn
   * ({data, shape}, the layer's output shape); dims {K, C, M, O}; options: the layer's
   * (strides, padding, ...; bias is added); lr: Adam's step size.
   */
  static async create(lib, { x, target, dims, options, seed = 1, lr = 0.02 }) {
    const weights = randomWeights(dims, seed);
    const { K, C, M, O } = dims;
    const dwTensor = { data: weights.dw, shape: [K, K, C, M] };
    const pwTensor = { data: weights.pw, shape: [1, 1, C * M, O] };
    const layer = await lib.createSeparableConv2d(dwTensor, pwTensor, { ...options, bias: weights.bias });
    return new Trainer(layer, x, target, weights, dwTensor, pwTensor, lr);
  }

  constructor(layer, x, target, weights, dwTensor, pwTensor, lr) {
    this.layer = layer;
    this.x = x;
    this.target = target;
    this.weights = weights;
    this.dwTensor = dwTensor;
    this.pwTensor = pwTensor;
    this.adam = new Adam([weights.dw, weights.pw, weights.bias], { lr });
    this.y = new Float32Array(target.data.length);  // the latest output, reused by every step
    this.dy = { data: new Float32Array(target.data.length), shape: target.shape };
    this.steps = 0;
  }

  /** The output for the current weights, into this.y. */
  async forward() {
    await this.layer.run(this.x, { output: this.y });
  }

  /**
   * One step: the output and its loss for the current weights, their gradients, one Adam
   * update, the new weights packed into the layer. Returns the loss before the update.
   */
  async step() {
    await this.forward();
    const loss = meanSquaredError(this.y, this.target.data, this.dy.data);
    const g = await this.layer.backward(this.x, this.dy, { gradients: GRADIENTS });
    this.adam.step([g.dDepthwiseFilter.data, g.dPointwiseFilter.data, g.dBias.data]);
    this.layer.setWeights(this.dwTensor, this.pwTensor, this.weights.bias);
    this.steps++;
    return loss;
  }

  dispose() {
    this.layer.dispose();
  }
}
