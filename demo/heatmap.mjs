// Drawing tensors: a diverging colour map (negative blue, zero white, positive red) on a
// symmetric scale [-max|v|, +max|v|], plus greyscale for the input channels. Canvases hold one
// pixel per value; CSS scales them up with crisp (pixelated) edges.

// ColorBrewer RdBu, with pure white at zero.
const STOPS = [
  [-1, [33, 102, 172]], [-0.75, [67, 147, 195]], [-0.5, [146, 197, 222]], [-0.25, [209, 229, 240]],
  [0, [255, 255, 255]],
  [0.25, [253, 219, 199]], [0.5, [244, 165, 130]], [0.75, [214, 96, 77]], [1, [178, 24, 43]],
];

// A 1025-entry lookup table over t in [-1, 1].
const LUT_SIZE = 1025;
const LUT = new Uint8ClampedArray(LUT_SIZE * 3);
for (let i = 0; i < LUT_SIZE; i++) {
  const t = (i / (LUT_SIZE - 1)) * 2 - 1;
  let s = 0;
  while (s < STOPS.length - 2 && t > STOPS[s + 1][0]) s++;
  const [t0, c0] = STOPS[s];
  const [t1, c1] = STOPS[s + 1];
  const f = (t - t0) / (t1 - t0);
  for (let k = 0; k < 3; k++) LUT[i * 3 + k] = Math.round(c0[k] + (c1[k] - c0[k]) * f);
}

/** The colour of value v on the scale [-scale, scale], as [r, g, b]. NaN is grey. */
export function colorOf(v, scale) {
  if (Number.isNaN(v)) return [128, 128, 128];
  const t = scale > 0 ? Math.max(-1, Math.min(1, v / scale)) : 0;
  const i = Math.round((t + 1) / 2 * (LUT_SIZE - 1)) * 3;
  return [LUT[i], LUT[i + 1], LUT[i + 2]];
}

export const cssColorOf = (v, scale) => `rgb(${colorOf(v, scale).join(',')})`;

/** Text that stays readable on colorOf(v, scale). */
export const textColorOf = (v, scale) => (scale > 0 && Math.abs(v / scale) > 0.62 ? '#fff' : '#1d2230');

/** The symmetric scale for a set of values: max |v| (1 if all are zero). */
export function symmetricScale(data) {
  let max = 0;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]);
    if (a > max) max = a;
  }
  return max > 0 ? max : 1;
}

function sizeCanvas(canvas, W, H, zoom) {
  if (canvas.width !== W) canvas.width = W;
  if (canvas.height !== H) canvas.height = H;
  canvas.style.width = `${Math.round(W * zoom)}px`;
  canvas.style.height = `${Math.round(H * zoom)}px`;
}

/** Channel c of an HWC tensor {data, H, W, C} as a heatmap on [-scale, scale]. */
export function drawHeatmap(canvas, { data, H, W, C }, c, scale, zoom) {
  sizeCanvas(canvas, W, H, zoom);
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(W, H);
  const px = image.data;
  for (let p = 0; p < H * W; p++) {
    const v = data[p * C + c];
    let r = 128, g = 128, b = 128;
    if (!Number.isNaN(v)) {
      const t = Math.max(-1, Math.min(1, v / scale));
      const i = Math.round((t + 1) / 2 * (LUT_SIZE - 1)) * 3;
      r = LUT[i]; g = LUT[i + 1]; b = LUT[i + 2];
    }
    px[p * 4] = r; px[p * 4 + 1] = g; px[p * 4 + 2] = b; px[p * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

/** Channel c of an HWC tensor with values in [0, 1], in greyscale. */
export function drawGray(canvas, { data, H, W, C }, c, zoom) {
  sizeCanvas(canvas, W, H, zoom);
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(W, H);
  const px = image.data;
  for (let p = 0; p < H * W; p++) {
    const v = Math.round(Math.max(0, Math.min(1, data[p * C + c])) * 255);
    px[p * 4] = v; px[p * 4 + 1] = v; px[p * 4 + 2] = v; px[p * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

/** An HWC tensor with 1 or 3 channels in [0, 1] as an image. */
export function drawImage(canvas, { data, H, W, C }, zoom) {
  sizeCanvas(canvas, W, H, zoom);
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(W, H);
  const px = image.data;
  for (let p = 0; p < H * W; p++) {
    for (let k = 0; k < 3; k++) px[p * 4 + k] = Math.round(Math.max(0, Math.min(1, data[p * C + (C === 3 ? k : 0)])) * 255);
    px[p * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

/** Fills a colour bar element: a gradient strip with the scale's end points and zero. */
export function renderColorBar(element, scale) {
  if (!element.firstChild) {
    element.innerHTML = '<span class="cb-strip" aria-hidden="true"></span>' +
      '<span class="cb-labels"><span class="cb-min"></span><span>0</span><span class="cb-max"></span></span>';
    const stops = STOPS.map(([t, c]) => `rgb(${c.join(',')}) ${((t + 1) * 50).toFixed(1)}%`).join(', ');
    element.querySelector('.cb-strip').style.background = `linear-gradient(to right, ${stops})`;
  }
  const text = formatScale(scale);
  element.querySelector('.cb-min').textContent = `−${text}`;
  element.querySelector('.cb-max').textContent = `+${text}`;
  element.setAttribute('aria-label', `colour scale from −${text} (blue) through 0 (white) to +${text} (red)`);
}

export function formatScale(v) {
  if (v === 0) return '0';
  if (Math.abs(v) >= 100 || Math.abs(v) < 0.01) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}
