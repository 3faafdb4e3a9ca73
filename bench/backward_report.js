'use strict';

// The backward benchmark's results (bench/backward.js): per layer the forward and backward times
// of sepconv-wasm at 1 and 2 threads, TensorFlow.js's gradients, the markdown table and the
// issue's targets, each met or not.

const { geomean } = require('./stats');
const { describeLayer, formatRounds, fixed, times } = require('./report');

/**
 * The arithmetic of all three gradients, multiply and add counted as 2 flops as for the forward
 * pass, per output pixel and intermediate channel (C*M of them): dMid = dy·pwᵀ (O), dPointwise
 * += mid·dy (O), dDepthwise += x·dMid (K·K) and dx += dw·dMid (K·K), padding taps included as
 * the forward count includes them: twice the forward's flops. Not counted: the depthwise pass
 * sepconv-wasm recomputes for mid (K·K more) instead of keeping the forward's intermediate, and
 * the forward pass tf.grads runs first: both are work an implementation chooses to do, so
 * GFLOP/s measure the same useful work for every engine.
 */
const backwardFlops = (layer) => 2 * layer.flops;

// The issue's targets (issue 13, Benchmark).
const TARGETS = { geomeanRatio: 2.5, layerRatio: 3.5, vsTfjs: 30, threadSpeedup: 1.7, threadLayerMflop: 50 };

/**
 * A layer's row. timings: 'fwd-1t', 'bwd-1t', 'fwd-2t', 'bwd-2t' from measureInterleaved;
 * errors2t: sepconv at 2 threads against 1 thread; tfjs: per engine name
 * { ms, p25, p75, calls, maxRelErr } or { unsupported: message } or { skipped: why }.
 */
function backwardRow(layer, timings, errors2t, tfjs, rounds) {
  const t = timings;
  const cpu = tfjs['tfjs-cpu'] || {};
  return {
    layer,
    timings,
    rounds,
    errors2t,
    tfjs,
    ratio1t: t['bwd-1t'].ms / t['fwd-1t'].ms,
    ratio2t: t['bwd-2t'].ms / t['fwd-2t'].ms,
    gflops1t: backwardFlops(layer) / t['bwd-1t'].ms / 1e6,
    gflops2t: backwardFlops(layer) / t['bwd-2t'].ms / 1e6,
    speedup2t: t['bwd-1t'].ms / t['bwd-2t'].ms,
    vsTfjs: Number.isFinite(cpu.ms) ? cpu.ms / t['bwd-1t'].ms : NaN,
  };
}

// tfjs's times go from milliseconds (tiny) to tens of seconds.
const msCell = (ms) => fixed(ms, ms < 100 ? 3 : 0);

const tfjsCell = (r) => {
  if (r.unsupported) return 'unsupported';
  if (r.skipped) return `skipped (${r.skipped})`;
  return `${msCell(r.ms)} ms (${r.calls} call${r.calls === 1 ? '' : 's'}; other processes ${fixed(r.othersCores, 2)} cores), err ${r.maxRelErr.toExponential(1)}`;
};

/** The progress lines printed as each layer is done. */
function formatBackwardLayer(row) {
  const t = row.timings;
  const line = (threads) => `  ${threads}: forward ${fixed(t[`fwd-${threads}`].ms, 3)} ms, backward ${fixed(t[`bwd-${threads}`].ms, 3)} ms ` +
    `[${fixed(t[`bwd-${threads}`].p25, 3)}..${fixed(t[`bwd-${threads}`].p75, 3)}] on ${fixed(t[`bwd-${threads}`].cores, 2)} cores, ` +
    `${fixed(threads === '1t' ? row.gflops1t : row.gflops2t, 1)} GFLOP/s, backward/forward ${times(threads === '1t' ? row.ratio1t : row.ratio2t)}`;
  const tfjs = Object.entries(row.tfjs).map(([name, r]) => `${name} ${tfjsCell(r)}${r.unsupported ? `: ${r.unsupported}` : ''}`);
  return [
    `== ${row.layer.name}: ${describeLayer(row.layer)}; backward ${(backwardFlops(row.layer) / 1e6).toPrecision(3)} MFLOP`,
    line('1t'),
    line('2t'),
    `  2t gradients against 1t: max rel err ${row.errors2t.toExponential(1)}; backward 2t/1t ${times(row.speedup2t)}`,
    `  ${tfjs.join('\n  ')}`,
    formatRounds(row.rounds),
  ].join('\n');
}

/** The markdown table; reasons an engine is unsupported become footnotes (a), (b), ... */
function backwardTable(rows) {
  const reasons = [];
  const note = (message) => {
    if (!reasons.includes(message)) reasons.push(message);
    return `(${String.fromCharCode(97 + reasons.indexOf(message))})`;
  };
  const tfjsMs = (r) => (r.unsupported ? `unsupported ${note(r.unsupported)}` : r.skipped ? `not run (${r.skipped})` : msCell(r.ms));
  const err = (r) => (Number.isFinite(r.maxRelErr) ? r.maxRelErr.toExponential(1) : 'n/a');
  const lines = [
    '| layer | MFLOP fwd / bwd | 1t fwd ms | 1t bwd ms | 1t bwd/fwd | 1t bwd GFLOP/s | 2t fwd ms | 2t bwd ms (cores) | 2t bwd GFLOP/s | bwd 2t/1t | tfjs-cpu tf.grads ms | 1t vs tfjs-cpu | tfjs-wasm | max rel err: 2t, tfjs-cpu vs 1t |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|',
  ];
  for (const row of rows) {
    const t = row.timings;
    const cpu = row.tfjs['tfjs-cpu'];
    const wasm = row.tfjs['tfjs-wasm'];
    lines.push(`| ${row.layer.name}${row.rounds.disturbed ? ' *' : ''} | ${(row.layer.flops / 1e6).toPrecision(3)} / ${(backwardFlops(row.layer) / 1e6).toPrecision(3)} | ` +
      `${fixed(t['fwd-1t'].ms, 3)} | ${fixed(t['bwd-1t'].ms, 3)} | ${times(row.ratio1t)} | ${fixed(row.gflops1t, 1)} | ` +
      `${fixed(t['fwd-2t'].ms, 3)} | ${fixed(t['bwd-2t'].ms, 3)} (${fixed(t['bwd-2t'].cores, 2)}) | ${fixed(row.gflops2t, 1)} | ${times(row.speedup2t)} | ` +
      `${cpu ? tfjsMs(cpu) : 'n/a'} | ${times(row.vsTfjs)} | ${wasm ? tfjsMs(wasm) : 'n/a'} | ${row.errors2t.toExponential(1)}, ${cpu ? err(cpu) : 'n/a'} |`);
  }
  lines.push(`| **geomean** | | | | **${times(geomean(rows.map((r) => r.ratio1t)))}** | | | | | ` +
    `**${times(geomean(rows.map((r) => r.speedup2t)))}** | | **${times(geomean(rows.map((r) => r.vsTfjs)))}** | | |`);
  const notes = reasons.map((message, i) => `(${String.fromCharCode(97 + i)}) ${message}`);
  if (rows.some((r) => r.rounds.disturbed)) notes.push('\\* machine busy throughout this layer: its numbers are unreliable');
  return [...lines, ...(notes.length ? ['', notes.join('<br>\n')] : [])].join('\n');
}

/** The layers' names where pick(row) fails test, comma-separated ('' if none). */
const failing = (rows, pick, test) => rows.filter((r) => !test(pick(r))).map((r) => r.layer.name).join(', ');

/**
 * The issue's targets: [{ label, value, met }]; met is undefined when no layer measured it (tfjs
 * skipped everywhere, no layer above 50 MFLOP).
 */
function evaluateTargets(rows) {
  const withTfjs = rows.filter((r) => Number.isFinite(r.vsTfjs));
  const big = rows.filter((r) => r.layer.flops > TARGETS.threadLayerMflop * 1e6);
  const ratioMean = geomean(rows.map((r) => r.ratio1t));
  const ratioMax = Math.max(...rows.map((r) => r.ratio1t));
  const tooSlow = failing(rows, (r) => r.ratio1t, (v) => v <= TARGETS.layerRatio);
  const vsTfjs = geomean(withTfjs.map((r) => r.vsTfjs));
  const scaling = Math.min(...big.map((r) => r.speedup2t));
  const unscaled = failing(big, (r) => r.speedup2t, (v) => v >= TARGETS.threadSpeedup);
  const measured = (count, met) => (count > 0 ? met : undefined);
  return [{
    label: `one thread: backward ≤ ${TARGETS.geomeanRatio}x forward by geomean`,
    value: times(ratioMean),
    met: measured(rows.length, ratioMean <= TARGETS.geomeanRatio),
  }, {
    label: `one thread: backward ≤ ${TARGETS.layerRatio}x forward on every layer`,
    value: `highest ${times(ratioMax)}${tooSlow ? `; above: ${tooSlow}` : ''}`,
    met: measured(rows.length, !tooSlow),
  }, {
    label: `one thread: ≥ ${TARGETS.vsTfjs}x faster than tfjs-cpu's tf.grads by geomean`,
    value: `${times(vsTfjs)} over the ${withTfjs.length} layer(s) tfjs-cpu computed`,
    met: measured(withTfjs.length, vsTfjs >= TARGETS.vsTfjs),
  }, {
    label: `backward: 2 threads ≥ ${TARGETS.threadSpeedup}x one thread on layers above ${TARGETS.threadLayerMflop} MFLOP`,
    value: `lowest ${times(scaling)} over ${big.length} layer(s)${unscaled ? `; below: ${unscaled}` : ''}`,
    met: measured(big.length, !unscaled),
  }];
}

function formatTargets(targets) {
  const verdict = (met) => (met === undefined ? 'not measured' : met ? 'met' : 'NOT MET');
  return ['Targets (issue 13):', ...targets.map((t) => `- ${t.label}: ${t.value}: **${verdict(t.met)}**`)].join('\n');
}

module.exports = { backwardFlops, backwardRow, formatBackwardLayer, backwardTable, evaluateTargets, formatTargets };
