'use strict';
// An independent float64 implementation of tf.nn.separable_conv2d, written
// straight from TensorFlow's definition. It is deliberately naive (one loop per
// index of the formula) so that it shares no structure — and therefore no bugs —
// with the optimized wasm kernels it is used to check.
//
//   out[b,i,j,k] = sum_{di,dj,q,r} in[b, sh*i + dh*di - padTop, sw*j + dw*dj - padLeft, q]
//                                  * dw[di,dj,q,r] * pw[0,0,q*M+r,k]
//
// with zeros outside the image. Strides apply to the depthwise step only; the
// filters keep their [KH,KW,C,M] / [1,1,C*M,O] layout in both data formats.

/** Extent of a kernel of size k with dilation d: (k-1)*d + 1. */
function effectiveKernelSize(k, d) {
  return (k - 1) * d + 1;
}

/**
 * TensorFlow's windowed output size along one spatial axis
 * (GetWindowedOutputSizeVerbose).
 *   padding: 'SAME' | 'VALID' | [before, after]
 * Returns { out, before, after }. `out` may be < 1 (callers decide what that
 * means); it is never computed from the library.
 */
function outputSizeAndPads(inSize, k, s, d, padding) {
  const eff = effectiveKernelSize(k, d);
  if (padding === 'SAME') {
    const out = Math.ceil(inSize / s);
    const total = Math.max((out - 1) * s + eff - inSize, 0);
    // The smaller half goes before: an odd total puts the extra pixel after.
    const before = Math.floor(total / 2);
    return { out, before, after: total - before };
  }
  if (padding === 'VALID') {
    return { out: Math.ceil((inSize - eff + 1) / s), before: 0, after: 0 };
  }
  const [before, after] = padding;
  return { out: Math.floor((inSize + before + after - eff) / s) + 1, before, after };
}

/**
 * Layout helpers: the spatial/channel positions of the 4 dims for a data format.
 * Returned as index getters so the reference never materialises a transpose.
 */
function layout(dataFormat) {
  if (dataFormat === 'NCHW') {
    return {
      dims: (shape) => ({ n: shape[0], c: shape[1], h: shape[2], w: shape[3] }),
      shape: (n, h, w, c) => [n, c, h, w],
      index: (shape, b, y, x, c) => ((b * shape[1] + c) * shape[2] + y) * shape[3] + x,
    };
  }
  return {
    dims: (shape) => ({ n: shape[0], h: shape[1], w: shape[2], c: shape[3] }),
    shape: (n, h, w, c) => [n, h, w, c],
    index: (shape, b, y, x, c) => ((b * shape[1] + y) * shape[2] + x) * shape[3] + c,
  };
}

/**
 * The spatial geometry of a normalized spec (see separableConv2dReference).
 * Returns { outH, outW, padTop, padBottom, padLeft, padRight }.
 */
function geometry(inH, inW, KH, KW, spec) {
  const [sh, sw] = spec.strides;
  const [dh, dw] = spec.dilations || [1, 1];
  const padH = typeof spec.padding === 'string' ? spec.padding : spec.padding[0];
  const padW = typeof spec.padding === 'string' ? spec.padding : spec.padding[1];
  const h = outputSizeAndPads(inH, KH, sh, dh, padH);
  const w = outputSizeAndPads(inW, KW, sw, dw, padW);
  return {
    outH: h.out, outW: w.out,
    padTop: h.before, padBottom: h.after, padLeft: w.before, padRight: w.after,
  };
}

/**
 * separable_conv2d in float64.
 *   x, depthwise, pointwise: { data: ArrayLike<number>, shape }
 *   spec: {
 *     strides: [sh, sw], dilations: [dh, dw] (default [1,1]),
 *     padding: 'SAME' | 'VALID' | [[top, bottom], [left, right]],
 *     dataFormat: 'NHWC' | 'NCHW' (default 'NHWC'),
 *   }
 * Returns { data: Float64Array, shape } in the spec's data format.
 */
function separableConv2dReference(x, depthwise, pointwise, spec) {
  const fmt = layout(spec.dataFormat || 'NHWC');
  const { n: N, h: H, w: W, c: C } = fmt.dims(x.shape);
  const [KH, KW, C2, M] = depthwise.shape;
  const [, , CM, O] = pointwise.shape;
  if (C2 !== C || CM !== C * M) throw new Error('reference: inconsistent shapes');
  const [sh, sw] = spec.strides;
  const [dh, dw] = spec.dilations || [1, 1];
  const { outH, outW, padTop, padLeft } = geometry(H, W, KH, KW, spec);
  if (outH < 1 || outW < 1) throw new Error(`reference: output ${outH}x${outW} is empty`);

  const outShape = fmt.shape(N, outH, outW, O);
  const out = new Float64Array(N * outH * outW * O);
  const mid = new Float64Array(C * M); // depthwise result at one output pixel
  for (let b = 0; b < N; b++) {
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        mid.fill(0);
        for (let di = 0; di < KH; di++) {
          const y = sh * i + dh * di - padTop;
          if (y < 0 || y >= H) continue;
          for (let dj = 0; dj < KW; dj++) {
            const xx = sw * j + dw * dj - padLeft;
            if (xx < 0 || xx >= W) continue;
            for (let q = 0; q < C; q++) {
              const v = x.data[fmt.index(x.shape, b, y, xx, q)];
              for (let r = 0; r < M; r++) {
                mid[q * M + r] += v * depthwise.data[((di * KW + dj) * C + q) * M + r];
              }
            }
          }
        }
        for (let k = 0; k < O; k++) {
          let acc = 0;
          for (let qr = 0; qr < C * M; qr++) acc += mid[qr] * pointwise.data[qr * O + k];
          out[fmt.index(outShape, b, i, j, k)] = acc;
        }
      }
    }
  }
  return { data: out, shape: outShape };
}

/**
 * The normalized spec the references take, from the public API's options (any spelling the
 * API accepts): strides a number, [sh, sw] or four values in the data format's order;
 * dilations absent, a number or [dh, dw]; padding a string in any case or four [before, after]
 * pairs in the data format's order; dataFormat absent (NHWC) or 'NHWC' | 'NCHW'.
 * Throws on anything else: the references must not guess.
 */
function specFromOptions(options) {
  const dataFormat = options.dataFormat === undefined ? 'NHWC' : options.dataFormat;
  if (dataFormat !== 'NHWC' && dataFormat !== 'NCHW') throw new Error(`reference: dataFormat ${dataFormat}`);
  const nchw = dataFormat === 'NCHW';
  const hw = (four) => (nchw ? [four[2], four[3]] : [four[1], four[2]]);
  const pair = (v, name) => {
    if (typeof v === 'number') return [v, v];
    if (v.length === 2) return [v[0], v[1]];
    if (v.length === 4 && name === 'strides') return hw(v);
    throw new Error(`reference: ${name} ${JSON.stringify(v)}`);
  };
  let padding;
  if (typeof options.padding === 'string') padding = options.padding.toUpperCase();
  else if (options.padding.length === 4) padding = hw(options.padding).map((p) => [p[0], p[1]]);
  else throw new Error(`reference: padding ${JSON.stringify(options.padding)}`);
  return {
    strides: pair(options.strides, 'strides'),
    dilations: options.dilations === undefined ? [1, 1] : pair(options.dilations, 'dilations'),
    padding,
    dataFormat,
  };
}

/**
 * The layer's epilogue in float64, applied to a separableConv2dReference result:
 *   out = act(conv + bias[k]),  relu = max(v, 0),  relu6 = min(max(v, 0), 6)
 * where k is the output channel (the last axis in NHWC, axis 1 in NCHW). `bias`
 * may be undefined (no bias); `activation` undefined means 'linear'. NaN stays
 * NaN under every activation. Returns a new { data: Float64Array, shape }.
 */
function applyBiasActivation(result, bias, activation, dataFormat) {
  const act = activation === undefined ? 'linear' : activation;
  if (!['linear', 'relu', 'relu6'].includes(act)) throw new Error(`reference: unknown activation ${act}`);
  const nchw = dataFormat === 'NCHW';
  const O = nchw ? result.shape[1] : result.shape[3];
  const plane = nchw ? result.shape[2] * result.shape[3] : 1; // elements per channel run
  if (bias !== undefined && bias.length !== O) throw new Error('reference: bias length != O');
  const out = new Float64Array(result.data.length);
  for (let i = 0; i < out.length; i++) {
    let v = result.data[i];
    if (bias !== undefined) v += bias[Math.floor(i / plane) % O];
    // Written with comparisons that are false for NaN, so NaN passes through.
    if (act !== 'linear' && v < 0) v = 0;
    if (act === 'relu6' && v > 6) v = 6;
    out[i] = v;
  }
  return { data: out, shape: result.shape.slice() };
}

/**
 * The public call's result in float64: separableConv2d(x, dw, pw, options) with the
 * options' bias and activation. Returns { data: Float64Array, shape }.
 */
function forwardReference(x, depthwise, pointwise, options) {
  const spec = specFromOptions(options);
  const raw = separableConv2dReference(x, depthwise, pointwise, spec);
  return applyBiasActivation(raw, options.bias, options.activation, spec.dataFormat);
}

module.exports = {
  effectiveKernelSize,
  outputSizeAndPads,
  geometry,
  layout,
  specFromOptions,
  separableConv2dReference,
  applyBiasActivation,
  forwardReference,
};
