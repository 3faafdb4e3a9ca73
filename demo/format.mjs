// How the page writes numbers, shapes and times.

export const shapeText = (shape) => `[${shape.join(',')}]`;
export const threadsText = (n) => `${n} thread${n === 1 ? '' : 's'}`;

export function formatMs(ms) {
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** A cell's label: two decimals at most, the leading zero dropped when space is short (and −1e−3 written 0). */
export function formatCell(v, compact) {
  let text;
  if (v === 0) text = '0';
  else if (Number.isInteger(v)) text = String(v);
  else if (Math.abs(v) < 0.005) text = v.toExponential(0);
  else text = String(Number(v.toFixed(2)));
  if (compact && text.length > 4) text = Math.abs(v) < 0.005 ? '0' : text.replace(/^(-?)0\./, '$1.');
  return text.replace(/-/g, '−');
}
