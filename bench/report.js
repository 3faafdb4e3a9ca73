'use strict';

// Turns measurements into the printed tables and the --json document.

const { geomean } = require('./stats');

// The speed-ups the issue asks for: [label, engine, baseline]; a value is baseline ms / engine
// ms, so above 1 means `engine` is faster.
const RATIOS = [
  ['sepconv-1t vs tfjs-wasm', 'sepconv-1t', 'tfjs-wasm'],
  ['sepconv-2t vs ort-2t', 'sepconv-2t', 'ort-2t'],
  ['sepconv-2t vs sepconv-1t', 'sepconv-2t', 'sepconv-1t'],
  ['sepconv-2t-wt vs sepconv-1t-wt', 'sepconv-2t-wt', 'sepconv-1t-wt'],
];
const PEAK_ENGINE = 'sepconv-1t';

/**
 * True when the CPU the process used while an engine was timed does not fit its thread count:
 * a 2-thread engine on much less than 2 cores, a 1-thread engine on clearly more or less than
 * 1. Calls under 0.5 ms are exempt: too short to split, and to measure cores.
 */
function coresSuspicious(e) {
  if (!Number.isFinite(e.cores) || !(e.ms >= 0.5)) return false;
  return e.threads > 1 ? e.cores < 1.3 : (e.cores > 1.3 || e.cores < 0.8);
}
const SUSPICIOUS_NOTE = '  ? cores do not fit the engine\'s thread count: another process or engine overlapped the ' +
  'timing, or (if the other 2-thread engine shows ~2 cores here) the engine left its second thread idle';

const pad = (value, width) => String(value).padStart(width);
const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const times = (value) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a');

/** Adds GFLOP/s, % of peak and ratios to one layer's raw results. */
function summarizeLayer(layer, results, peakGflops, rounds) {
  const engines = {};
  for (const [name, r] of Object.entries(results)) {
    const gflops = layer.flops / r.ms / 1e6;
    engines[name] = {
      ...r,
      gflops,
      percentOfPeak: name === PEAK_ENGINE ? (100 * gflops) / peakGflops : undefined,
    };
    engines[name].coresSuspicious = coresSuspicious(engines[name]);
  }
  const ratios = {};
  for (const [label, engine, baseline] of RATIOS) {
    ratios[label] = engines[engine] && engines[baseline] ? engines[baseline].ms / engines[engine].ms : NaN;
  }
  return { layer, engines, ratios, rounds };
}

function describeLayer(l) {
  return `x ${l.N}x${l.H}x${l.W}x${l.C}, K${l.K} M${l.M} O${l.O}, stride ${l.stride}, ${l.padding}, ` +
    `dilation ${l.dilation} -> ${l.N}x${l.OH}x${l.OW}x${l.O}; ${(l.flops / 1e6).toPrecision(3)} MFLOP`;
}

function formatRounds(r) {
  const load = Number.isFinite(r.othersCoresMedian) ? `other processes' load: median ${r.othersCoresMedian.toFixed(2)} cores` : 'other processes\' load unknown';
  const note = r.disturbed ? '; MACHINE BUSY: too few quiet rounds, all kept, numbers unreliable' : '';
  return `  rounds: ${r.used} used of ${r.run} (${load})${note}`;
}

function formatLayer({ layer, engines, ratios, rounds }, referenceName) {
  const lines = [`== ${layer.name}: ${describeLayer(layer)}`];
  lines.push(`  ${'engine'.padEnd(15)}${pad('ms/call', 10)}${pad('p25..p75', 18)}${pad('GFLOP/s', 9)}${pad('% peak', 8)}${pad('cores ', 7)}  max rel err`);
  for (const [name, e] of Object.entries(engines)) {
    const spread = `${fixed(e.p25, 3)}..${fixed(e.p75, 3)}`;
    const peak = e.percentOfPeak === undefined ? '' : `${fixed(e.percentOfPeak, 1)}%`;
    const err = name === referenceName ? 'reference' : (Number.isFinite(e.maxRelErr) ? e.maxRelErr.toExponential(1) : String(e.maxRelErr));
    const flag = e.ok === false ? '  <- FAIL' : '';
    lines.push(`  ${name.padEnd(15)}${pad(fixed(e.ms, 3), 10)}${pad(spread, 18)}${pad(fixed(e.gflops, 1), 9)}${pad(peak, 8)}${pad(fixed(e.cores, 2) + (e.coresSuspicious ? '?' : ' '), 7)}  ${err}${flag}`);
  }
  if (Object.values(engines).some((e) => e.coresSuspicious)) lines.push(SUSPICIOUS_NOTE);
  lines.push(formatRounds(rounds));
  lines.push(`  speed-up: ${Object.entries(ratios).map(([label, v]) => `${label} ${times(v)}`).join(' | ')}`);
  return lines.join('\n');
}

function geomeans(summaries) {
  const out = {};
  for (const [label] of RATIOS) out[label] = geomean(summaries.map((s) => s.ratios[label]));
  out[`${PEAK_ENGINE} % peak`] = geomean(summaries.map((s) => s.engines[PEAK_ENGINE]?.percentOfPeak));
  return out;
}

function formatSummary(summaries, means) {
  const head = ['layer'.padEnd(14), ...RATIOS.map(([, a, b]) => pad(`${short(a)}/${short(b)}`, 15)), pad('s1t %peak', 11)].join('');
  const row = (name, values) => `  ${name.padEnd(14)}${values.map((v, i) => pad(i === values.length - 1 ? `${fixed(v, 1)}%` : times(v), i === values.length - 1 ? 11 : 15)).join('')}`;
  const lines = ['== Summary: speed-up = baseline ms / sepconv ms (above 1: sepconv-wasm is faster)', `  ${head}`];
  for (const s of summaries) {
    lines.push(row(s.layer.name + (s.rounds.disturbed ? ' *' : ''), [...RATIOS.map(([label]) => s.ratios[label]), s.engines[PEAK_ENGINE]?.percentOfPeak]));
  }
  lines.push(row('geomean', [...RATIOS.map(([label]) => means[label]), means[`${PEAK_ENGINE} % peak`]]));
  if (summaries.some((s) => s.rounds.disturbed)) lines.push('  * machine busy throughout this layer: its numbers are unreliable');
  return lines.join('\n');
}

const short = (name) => name.replace('sepconv-', 's').replace('tfjs-wasm', 'tfjs');

/** The --json document: everything printed, plus the raw per-round samples. */
function toJson({ meta, summaries, means, failures }) {
  return {
    meta,
    ratioDefinition: 'baseline ms / engine ms (above 1: the engine is faster)',
    layers: summaries.map(({ layer, engines, ratios, rounds }) => ({ ...layer, engines, ratios, rounds })),
    geomean: means,
    ok: failures.length === 0,
    failures,
  };
}

module.exports = { summarizeLayer, formatLayer, formatSummary, geomeans, toJson, describeLayer, formatRounds, fixed, times };
