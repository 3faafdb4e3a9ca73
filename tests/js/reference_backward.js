'use strict';
// The gradients of separable_conv2d in float64, written straight from the chain rule, as the
// oracle for the library's backward pass. For
//
//   z[b,i,j,k] = sum_{qr} mid[b,i,j,qr] * pw[qr,k] + bias[k]
//   mid[b,i,j,q*M+r] = sum_{di,dj} x[b, sh*i + dh*di - padTop, sw*j + dw*dj - padLeft, q] * dw[di,dj,q,r]
//   y = act(z),   L = sum(dy * y)
//
// with g = dy * act'(y), read from the output y as TensorFlow's ReluGrad / Relu6Grad do
// (relu passes where y > 0, relu6 where 0 < y < 6, linear everywhere):
//
//   dBias[k]        = sum_{b,i,j} g[b,i,j,k]
//   dPw[qr,k]       = sum_{b,i,j} mid[b,i,j,qr] * g[b,i,j,k]
//   dMid[b,i,j,qr]  = sum_k g[b,i,j,k] * pw[qr,k]
//   dDw[di,dj,q,r]  = sum_{b,i,j} dMid[b,i,j,q*M+r] * x[b, sh*i + dh*di - padTop, sw*j + dw*dj - padLeft, q]
//   dx[b,y,x,q]     = sum of dMid[b,i,j,q*M+r] * dw[di,dj,q,r] over the (i,j,di,dj,r) whose tap reads (y,x)
//
// taps outside the image read zeros and so contribute nothing. Naive loops on purpose: this
// shares no structure with the fused kernels it checks. tests/js/reference_backward.test.js
// checks it by finite differences of the forward reference and against TensorFlow.js.

const { layout, geometry, specFromOptions, separableConv2dReference, applyBiasActivation } = require('./reference');

const ALL_GRADIENTS = ['x', 'depthwiseFilter', 'pointwiseFilter', 'bias'];

/** act'(y) as TensorFlow computes it from the op's output y. */
function activationGradient(activation) {
  if (activation === 'relu') return (y) => (y > 0 ? 1 : 0);
  if (activation === 'relu6') return (y) => (y > 0 && y < 6 ? 1 : 0);
  if (activation === undefined || activation === 'linear') return () => 1;
  throw new Error(`reference: unknown activation ${activation}`);
}

/** The identity [1,1,CM,CM] pointwise filter: the forward reference then returns the depthwise result. */
function identityPointwise(CM) {
  const data = new Float64Array(CM * CM);
  for (let i = 0; i < CM; i++) data[i * CM + i] = 1;
  return { data, shape: [1, 1, CM, CM] };
}

/**
 * The pre-activation z = separable_conv2d(x, dw, pw) + bias in float64 and how close it comes to
 * the activation's kinks: { z: { data: Float64Array, shape }, margin }, where margin is
 * min |z - kink| over the elements not exactly at a kink (kinks 0 for relu, 0 and 6 for relu6;
 * Infinity for linear or an empty output). A float32 implementation may take the other side of a
 * kink where the margin is within its rounding error, so comparisons of gradients need a margin
 * well above it. Elements exactly at a kink are left out: they are the windows that read only
 * padding, with no bias (z is 0 whatever the weights, in any precision, and act'(0) = 0).
 */
function preActivation(x, depthwise, pointwise, options) {
  const spec = specFromOptions(options);
  const z = applyBiasActivation(separableConv2dReference(x, depthwise, pointwise, spec), options.bias, 'linear', spec.dataFormat);
  const kinks = options.activation === 'relu' ? [0] : options.activation === 'relu6' ? [0, 6] : [];
  let margin = Infinity;
  for (const v of z.data) {
    for (const k of kinks) if (v !== k) margin = Math.min(margin, Math.abs(v - k));
  }
  return { z, margin };
}

/** The names in options.gradients, checked; by default all ('bias' only when there is a bias). */
function requestedGradients(options) {
  const hasBias = options.bias !== undefined;
  if (options.gradients === undefined) return ALL_GRADIENTS.filter((n) => n !== 'bias' || hasBias);
  for (const name of options.gradients) {
    if (!ALL_GRADIENTS.includes(name) || (name === 'bias' && !hasBias)) throw new Error(`reference: gradient ${name}`);
  }
  return options.gradients;
}

/**
 * The gradients of L = sum(dy * y) for y = separableConv2d(x, depthwise, pointwise, options),
 * in float64. Arguments as the public API's separableConv2dBackward:
 *   x, depthwise, pointwise, dy: { data: ArrayLike<number>, shape }; dy has the forward
 *     output's shape in the data format's order;
 *   options: the forward call's options (strides, padding, dataFormat, dilations, bias,
 *     activation; others ignored) plus an optional `gradients`, a subset of
 *     ['x', 'depthwiseFilter', 'pointwiseFilter', 'bias'] (default all; 'bias' only when
 *     options.bias is given).
 * Returns { dx, dDepthwiseFilter, dPointwiseFilter, dBias }, each { data: Float64Array, shape }
 * with the shape of x, depthwise, pointwise and [O], present when requested. A batch of 0 gives
 * an empty dx and zero filter and bias gradients. Throws a plain Error on a dy of another shape
 * or an unknown gradient name.
 */
function separableConv2dBackwardReference(x, depthwise, pointwise, dy, options) {
  const spec = specFromOptions(options);
  const fmt = layout(spec.dataFormat);
  const { n: N, h: H, w: W, c: C } = fmt.dims(x.shape);
  const [KH, KW, , M] = depthwise.shape;
  const O = pointwise.shape[3];
  const CM = C * M;
  const [sh, sw] = spec.strides;
  const [dh, dw] = spec.dilations;
  const wanted = requestedGradients(options);

  const { outH, outW, padTop, padLeft } = geometry(H, W, KH, KW, spec);
  const outShape = fmt.shape(N, outH, outW, O);
  if (JSON.stringify(Array.from(dy.shape)) !== JSON.stringify(outShape)) {
    throw new Error(`reference: dy must have shape ${JSON.stringify(outShape)}; got ${JSON.stringify(dy.shape)}`);
  }
  const y = applyBiasActivation(separableConv2dReference(x, depthwise, pointwise, spec), options.bias, options.activation, spec.dataFormat);
  const mid = separableConv2dReference(x, depthwise, identityPointwise(CM), spec);
  const actGrad = activationGradient(options.activation);

  const dx = new Float64Array(x.data.length);
  const dDw = new Float64Array(depthwise.data.length);
  const dPw = new Float64Array(pointwise.data.length);
  const dBias = new Float64Array(O);
  const g = new Float64Array(O); // g at one output pixel
  const dMid = new Float64Array(CM); // dMid at one output pixel
  for (let b = 0; b < N; b++) {
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        for (let k = 0; k < O; k++) {
          const at = fmt.index(outShape, b, i, j, k);
          g[k] = dy.data[at] * actGrad(y.data[at]);
          dBias[k] += g[k];
        }
        for (let qr = 0; qr < CM; qr++) {
          const m = mid.data[fmt.index(mid.shape, b, i, j, qr)];
          let acc = 0;
          for (let k = 0; k < O; k++) {
            dPw[qr * O + k] += m * g[k];
            acc += g[k] * pointwise.data[qr * O + k];
          }
          dMid[qr] = acc;
        }
        for (let di = 0; di < KH; di++) {
          const yy = sh * i + dh * di - padTop;
          if (yy < 0 || yy >= H) continue;
          for (let dj = 0; dj < KW; dj++) {
            const xx = sw * j + dw * dj - padLeft;
            if (xx < 0 || xx >= W) continue;
            for (let q = 0; q < C; q++) {
              const at = fmt.index(x.shape, b, yy, xx, q);
              for (let r = 0; r < M; r++) {
                const f = ((di * KW + dj) * C + q) * M + r;
                dDw[f] += dMid[q * M + r] * x.data[at];
                dx[at] += dMid[q * M + r] * depthwise.data[f];
              }
            }
          }
        }
      }
    }
  }

  const all = {
    x: ['dx', dx, x.shape],
    depthwiseFilter: ['dDepthwiseFilter', dDw, depthwise.shape],
    pointwiseFilter: ['dPointwiseFilter', dPw, pointwise.shape],
    bias: ['dBias', dBias, [O]],
  };
  const result = {};
  for (const name of wanted) {
    const [key, data, shape] = all[name];
    result[key] = { data, shape: Array.from(shape) };
  }
  return result;
}

module.exports = { ALL_GRADIENTS, requestedGradients, separableConv2dBackwardReference, preActivation };
