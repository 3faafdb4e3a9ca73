// How the page writes numbers, shapes and times.

export const shapeText = (shape) => `[${shape.join(',')}]`;
export const threadsText = (n) => `${n} thread${n === 1 ? '' : 's'}`;

export function formatMs(ms) {
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** A cell's label: two decimals at most, fewer digits when space is short. */
export function formatCell(v, compact) {
  let text;
  if (v === 0) text = '0';
  else if (Number.isInteger(v)) text = String(v);
  else if (Math.abs(v) < 0.005) text = v.toExponential(0);
  else text = String(Number(v.toFixed(2)));
  if (compact && text.length > 4) {
    // At most 4 characters: −.25, −2.1, −12; a tiny −1e−3 is written 0 (its colour and title say more).
    const a = Math.abs(v);
    if (a < 0.005) text = '0';
    else if (a < 1) text = text.replace(/^(-?)0\./, '$1.');
    else text = String(Number(v.toFixed(a < 10 ? 1 : 0)));
  }
  return text.replace(/-/g, '−');
}
