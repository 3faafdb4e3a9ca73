// The demo's own check: tf.nn.separable_conv2d in plain JavaScript, straight from the formula
//   mid[i,j,q*M+r] = sum_{di,dj} x[sh*i + dh*di - padTop, sw*j + dw*dj - padLeft, q] * dw[di,dj,q,r]
//   out[i,j,k]     = act( sum_q mid[i,j,q] * pw[q,k] )
// with zeros outside the image, float64 accumulation, batch 1, NHWC. Written independently of
// the library (no shared code) so that comparing the two means something.

/** TensorFlow's output size and leading padding for one spatial axis. */
export function axisGeometry(size, kernel, stride, dilation, padding) {
  const effective = (kernel - 1) * dilation + 1;
  if (padding === 'SAME') {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + effective - size, 0);
    return { out, before: Math.floor(total / 2) };
  }
  return { out: Math.ceil((size - effective + 1) / stride), before: 0 };
}

/**
 * The depthwise step. x: {data, H, W, C} (HWC), filter: {data, KH, KW, C, M} ([KH,KW,C,M]).
 * Returns {data: Float64Array (HWC with C*M channels), H, W, C}.
 */
export function depthwiseReference(x, filter, { strides, dilations, padding }) {
  const { H, W, C } = x;
  const { KH, KW, M } = filter;
  const [sh, sw] = strides;
  const [dh, dw] = dilations;
  const rows = axisGeometry(H, KH, sh, dh, padding);
  const cols = axisGeometry(W, KW, sw, dw, padding);
  const OH = rows.out, OW = cols.out, CM = C * M;
  const out = new Float64Array(OH * OW * CM);
  const xd = x.data, fd = filter.data;
  for (let i = 0; i < OH; i++) {
    for (let j = 0; j < OW; j++) {
      const o = (i * OW + j) * CM;
      for (let di = 0; di < KH; di++) {
        const y = sh * i + dh * di - rows.before;
        if (y < 0 || y >= H) continue;
        for (let dj = 0; dj < KW; dj++) {
          const xx = sw * j + dw * dj - cols.before;
          if (xx < 0 || xx >= W) continue;
          const xi = (y * W + xx) * C;
          const fi = (di * KW + dj) * C * M;
          for (let q = 0; q < C; q++) {
            const v = xd[xi + q];
            for (let r = 0; r < M; r++) out[o + q * M + r] += v * fd[fi + q * M + r];
          }
        }
      }
    }
  }
  return { data: out, H: OH, W: OW, C: CM };
}

/** The pointwise step: mid {data, H, W, C} times pw ([C, O] row-major), then the activation. */
export function pointwiseReference(mid, pw, O, activation = 'linear') {
  const { H, W, C } = mid;
  const out = new Float64Array(H * W * O);
  const md = mid.data;
  for (let p = 0; p < H * W; p++) {
    const mi = p * C, oi = p * O;
    for (let q = 0; q < C; q++) {
      const v = md[mi + q];
      if (v === 0) continue;
      const wi = q * O;
      for (let k = 0; k < O; k++) out[oi + k] += v * pw[wi + k];
    }
  }
  if (activation === 'relu' || activation === 'relu6') {
    const top = activation === 'relu6' ? 6 : Infinity;
    for (let i = 0; i < out.length; i++) out[i] = Math.min(Math.max(out[i], 0), top);
  }
  return { data: out, H, W, C: O };
}

/** Both steps: returns {mid, out}, each {data: Float64Array, H, W, C}. */
export function separableConv2dReference(x, filter, pw, O, options) {
  const mid = depthwiseReference(x, filter, options);
  return { mid, out: pointwiseReference(mid, pw, O, options.activation) };
}

/** max |a[i] - b[i]| over two equally long arrays. */
export function maxAbsDiff(a, b) {
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > max || Number.isNaN(d)) max = d;
  }
  return max;
}
