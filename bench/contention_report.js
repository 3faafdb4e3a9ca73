'use strict';

// The contention benchmarks' results (Node.js: bench/contention.js; browser:
// bench/browser/contention.js): per layer, one thread against the default thread count, idle
// and busy, at the median and the 75th percentile of per-call times.

const { parseArgs } = require('util');
const { median, quantile } = require('./stats');

// The options both benchmarks take (their --help says what each means); `extra`, one's own.
const OPTIONS = {
  contention: { type: 'boolean' },
  layers: { type: 'string' },
  ms: { type: 'string', default: '1200' },
  busy: { type: 'string', default: '1' },
  runs: { type: 'string', default: '1' },
  'output-buffer': { type: 'boolean', default: false },
  'wasm-tensors': { type: 'boolean', default: false },
  unaligned: { type: 'boolean', default: false },
  compare: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
};

/**
 * A contention benchmark's arguments: { values (as util.parseArgs gives them), ms, busy, runs }.
 * --help prints `usage` and exits; anything wrong throws an error that ends with it.
 */
function parseContentionArgs(argv, usage, extra = {}) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...OPTIONS, ...extra }, strict: true }));
  } catch (error) {
    throw Object.assign(new Error(`${error.message}\n${usage}`), { usage: true });
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  if (values['output-buffer'] && values['wasm-tensors']) {
    throw Object.assign(new Error(`--output-buffer and --wasm-tensors exclude each other: choose one\n${usage}`), { usage: true });
  }
  if (values.unaligned && values['wasm-tensors']) {
    throw Object.assign(new Error(`--unaligned is about the arrays copied in and out, which --wasm-tensors does without\n${usage}`), { usage: true });
  }
  const [ms, busy, runs] = [Number(values.ms), Number(values.busy), Number(values.runs)];
  if (!(ms > 0) || !(Number.isInteger(busy) && busy >= 1) || !(Number.isInteger(runs) && runs >= 1)) {
    throw Object.assign(new Error(usage), { usage: true });
  }
  return { values, ms, busy, runs };
}

/** p50, p75 and the count of one way's per-call ms. */
const summarizeCalls = (samples) => ({ p50: quantile(samples, 0.5), p75: quantile(samples, 0.75), calls: samples.length });

/**
 * A layer's row: idle and busy are [one thread, default] summaries; `note` is printed after the
 * progress line (the machine's load, say).
 */
function contentionRow(layer, idle, busy, note = '') {
  return { name: layer.name, mflop: layer.flops / 1e6, idle, busy, note };
}

/**
 * A row's ratios: the idle speed-up (1t / default, p50) and the busy default / 1t at p50 and p75.
 * Each from one run's ways, which took turns in the same seconds (bench/call_samples.js).
 */
const ratiosOf = ({ idle, busy }) => ({
  idle: idle[0].p50 / idle[1].p50, busyP50: busy[1].p50 / busy[0].p50, busyP75: busy[1].p75 / busy[0].p75,
});

/** The progress line printed as each layer is done. */
function contentionLine(row, threads) {
  const { name, idle, busy, note } = row;
  const ratios = ratiosOf(row);
  return `${name.padEnd(13)} idle: 1t ${idle[0].p50.toFixed(3)}, ${threads}t ${idle[1].p50.toFixed(3)} (${ratios.idle.toFixed(2)}x faster); `
    + `busy: 1t ${busy[0].p50.toFixed(3)}/${busy[0].p75.toFixed(3)}, ${threads}t ${busy[1].p50.toFixed(3)}/${busy[1].p75.toFixed(3)} `
    + `(${ratios.busyP50.toFixed(2)}x / ${ratios.busyP75.toFixed(2)}x of 1t)${note ? `; ${note}` : ''}`;
}

/** The markdown table of every row. */
function contentionTable(rows, threads) {
  const t = threads;
  const lines = [
    `| layer | MFLOP | idle 1t p50 | idle ${t}t p50 | idle speed-up | busy 1t p50 / p75 | busy ${t}t p50 / p75 | busy ${t}t / 1t, p50 / p75 |`,
    '|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const row of rows) {
    const { name, mflop, idle, busy } = row;
    const ratios = row.ratios || ratiosOf(row);
    lines.push(`| ${name} | ${mflop.toPrecision(3)} | ${idle[0].p50.toFixed(3)} | ${idle[1].p50.toFixed(3)} | ${ratios.idle.toFixed(2)}x | `
      + `${busy[0].p50.toFixed(3)} / ${busy[0].p75.toFixed(3)} | ${busy[1].p50.toFixed(3)} / ${busy[1].p75.toFixed(3)} | `
      + `${ratios.busyP50.toFixed(2)} / ${ratios.busyP75.toFixed(2)} |`);
  }
  return lines.join('\n');
}

/**
 * Runs' rows (each run a list of contentionRow), as one list: each number its median over the
 * runs. The ratios are the medians of each run's ratios, not ratios of the medians: those would
 * pair one way's time from one run with the other's from another, on this shared VM minutes and
 * loads apart (mbv1_a on WasmTensors: runs of 1.66x, 2.16x and 1.90x gave 1.66x).
 */
function medianRows(runs) {
  return runs[0].map((first) => {
    const same = runs.map((rows) => rows.find((r) => r.name === first.name)).filter(Boolean);
    const state = (name) => [0, 1].map((way) => ({
      p50: median(same.map((r) => r[name][way].p50)),
      p75: median(same.map((r) => r[name][way].p75)),
    }));
    const runRatios = same.map(ratiosOf);
    const ratios = Object.fromEntries(Object.keys(runRatios[0]).map((key) => [key, median(runRatios.map((r) => r[key]))]));
    return { ...first, idle: state('idle'), busy: state('busy'), ratios };
  });
}

module.exports = {
  summarizeCalls, contentionRow, contentionLine, contentionTable, medianRows, parseContentionArgs,
};
