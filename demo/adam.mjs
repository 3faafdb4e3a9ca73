// Adam (Kingma & Ba, 2015), the optimizer the Learn mode trains the filters with. For each weight
// θ with gradient g, at step t = 1, 2, ...:
//   m = β1·m + (1 − β1)·g            running mean of the gradient
//   v = β2·v + (1 − β2)·g²           running mean of its square
//   θ = θ − lr · m̂ / (√v̂ + ε)       m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t) undo the zero start
// Each weight's step is about lr whatever its gradient's scale, so the depthwise filters, the
// pointwise matrix and the bias learn at one rate though their gradients differ by orders of magnitude.

export class Adam {
  /**
   * params: the Float32Arrays to train, updated in place by step().
   * lr: the step size; beta1, beta2, epsilon: as in the formula (the paper's defaults).
   */
  constructor(params, { lr = 0.01, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = {}) {
    this.params = params;
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.m = params.map((p) => new Float64Array(p.length));
    this.v = params.map((p) => new Float64Array(p.length));
    this.t = 0;
  }

  /** One update from `grads`, one array per parameter, in the constructor's order and lengths. */
  step(grads) {
    this.t++;
    const { beta1, beta2, epsilon, lr } = this;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    this.params.forEach((theta, i) => {
      const g = grads[i], m = this.m[i], v = this.v[i];
      if (g.length !== theta.length) throw new Error(`Adam: gradient ${i} has ${g.length} values, its parameter ${theta.length}`);
      for (let j = 0; j < theta.length; j++) {
        m[j] = beta1 * m[j] + (1 - beta1) * g[j];
        v[j] = beta2 * v[j] + (1 - beta2) * g[j] * g[j];
        theta[j] -= lr * (m[j] / c1) / (Math.sqrt(v[j] / c2) + epsilon);
      }
    });
  }
}
