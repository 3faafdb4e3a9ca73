// The loss curve: loss against step on a logarithmic loss axis (a fall by 10x is one decade,
// whatever the loss's scale), drawn on a canvas at the screen's pixel density.

const PAD = { left: 46, right: 10, top: 10, bottom: 24 };

/** The canvas's drawing context, its backing store sized to its CSS size × devicePixelRatio. */
function context(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return { ctx, width, height };
}

/** A power of ten as an axis label: 0.01 down to 10^-2, then 1e-3, 1e-4, ... */
const decadeText = (e) => (e >= -2 && e <= 3 ? String(10 ** e) : `1e${e}`.replace('-', '−'));

/** A step count as an axis label: 1500 -> 1.5k. */
const stepText = (n) => (n >= 1000 ? `${Number((n / 1000).toPrecision(3))}k` : String(n));

/**
 * Draws losses (one per step) as a line, a zero at the axis' bottom: steps 0..max(n, minSteps) across,
 * whole decades of loss up the side.
 */
export function drawLossChart(canvas, losses, { minSteps = 100 } = {}) {
  const { ctx, width, height } = context(canvas);
  let n = losses.length;
  let low = Infinity, high = -Infinity;
  for (const loss of losses) {
    if (loss > 0 && loss < low) low = loss;
    if (loss > high) high = loss;
  }
  if (!(high > 0)) n = 0;  // nothing a log axis can show (all zero): the empty chart
  const top = n ? Math.ceil(Math.log10(high)) : 0;
  const bottom = n ? Math.min(Math.floor(Math.log10(low)), top - 1) : -1;
  const steps = Math.max(n, minSteps);
  const plotW = width - PAD.left - PAD.right, plotH = height - PAD.top - PAD.bottom;
  const xOf = (i) => PAD.left + (i / steps) * plotW;
  const yOf = (loss) => PAD.top + ((top - Math.log10(loss)) / (top - bottom)) * plotH;

  ctx.font = '11px ui-monospace, "DejaVu Sans Mono", monospace';
  ctx.lineWidth = 1;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  const every = Math.ceil((top - bottom) / 6);  // at most 7 labelled decades
  for (let e = bottom; e <= top; e++) {
    const y = Math.round(yOf(10 ** e)) + 0.5;
    ctx.strokeStyle = e % every ? '#f0f1f6' : '#dfe2ea';
    ctx.beginPath();
    ctx.moveTo(PAD.left, y);
    ctx.lineTo(width - PAD.right, y);
    ctx.stroke();
    if (e % every === 0) {
      ctx.fillStyle = '#5d6477';
      ctx.fillText(decadeText(e), PAD.left - 6, y);
    }
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const i of [0, Math.round(steps / 2), steps]) {
    ctx.fillStyle = '#5d6477';
    ctx.fillText(stepText(i), Math.min(xOf(i), width - PAD.right - 12), height - PAD.bottom + 6);
  }
  if (!n) return;

  // One point per pixel column at most (the column's first), and the latest.
  ctx.strokeStyle = '#4453c7';
  ctx.lineWidth = 1.6;
  ctx.lineJoin = 'round';
  ctx.beginPath();
  let column = -1;
  for (let i = 0; i < n; i++) {
    const x = xOf(i);
    if (Math.floor(x) === column && i !== n - 1) continue;
    column = Math.floor(x);
    const y = yOf(Math.max(losses[i], 10 ** bottom));
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  }
  ctx.stroke();
}
