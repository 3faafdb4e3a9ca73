'use strict';

// npm run bench:browser -- --contention [--layers a,b] [--ms MS] [--busy N] [--runs N] [--output-buffer | --wasm-tensors] [--unaligned] [--compare DIR]
// The browser twin of bench/contention.js: on a cross-origin isolated page, sepconv-wasm's
// default call (the threaded build, threads = cores, the page's thread only waiting) against
// init({ threads: 1 }) (another instance of the entry on the same page, one pool worker), each
// layer idle and then beside N Web Workers of the page spinning; p50 and p75 per call. With
// --compare, another checkout's build runs on the same page too, interleaved, so that both
// builds see the same load: on a shared machine, runs minutes apart do not.

const os = require('os');
const path = require('path');
const { launchChromium } = require('../../tests/browser/chromium');
const { selectLayers } = require('../layers');
const { startWindow } = require('../machine_load');
const {
  summarizeCalls, contentionRow, contentionLine, contentionTable, medianRows, parseContentionArgs,
} = require('../contention_report');
const { startServer } = require('../../tests/browser/static_server');
const { openBenchPage } = require('./browser_page');
const { startChildrenWindow } = require('./child_cpu');

const TOLERANCE = 1e-3;

const USAGE = `usage: node bench/browser/bench_browser.js --contention [--layers a,b] [--ms MS] [--busy N] [--runs N] [--output-buffer | --wasm-tensors] [--unaligned] [--compare DIR]
  --layers a,b     only these layers (default: all)
  --ms MS          timed per way, layer and machine state, in blocks of about 100 ms (default 1200)
  --busy N         Web Workers of the page that spin, a core each, in the busy half (default 1)
  --runs N         every layer N times, idle and busy each time; the table gives the median of
                   the runs' numbers, each ratio the median of the runs' ratios (default 1)
  --output-buffer  each call writes into one reused output array, not a fresh result
  --wasm-tensors   each call reads and writes WasmTensors: nothing is copied in or out, so the
                   times are the pool's and the kernels' alone
  --unaligned      the input array, and with --output-buffer the output array, start 4 bytes
                   past an 8-byte boundary, as a subarray at an odd index of a larger array does
  --compare DIR    also the default call of the sepconv-wasm checkout in DIR (its dist/web/,
                   built), on the same page, interleaved; a second table gives it against the
                   same one-thread calls`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function parse(argv) {
  const { values, ms, busy, runs } = parseContentionArgs(argv, USAGE);
  return { layers: selectLayers(values.layers), ms, busy, runs, outputBuffer: values['output-buffer'], wasmTensors: values['wasm-tensors'], unaligned: values.unaligned, compare: values.compare };
}

/**
 * Per-call summaries of each engine over about `ms` each ({name: summary}), and the cores other
 * processes used.
 */
async function sampleWithLoad(page, ms) {
  const machine = startWindow();  // counts Chromium as another process...
  const chromium = startChildrenWindow();  // ...so its share is taken off
  const samples = await page.sample({ ms });
  const summaries = Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, summarizeCalls(s)]));
  return { summaries, othersCores: Math.max(0, machine.end() - chromium.end()) };
}

/** One run over every layer: its rows, {default: [...], compare: [...] with --compare}. */
async function runLayers(page, args, threads, failures) {
  const rows = { default: [], ...(args.compare ? { compare: [] } : {}) };
  for (const layer of args.layers) {
    const { problems, errors } = await page.prepare({ layer: layer.name, tolerance: TOLERANCE, unaligned: args.unaligned });
    failures.push(...errors.map((e) => `${layer.name}: ${e.name} failed: ${e.message}`), ...problems.map((p) => `${layer.name}: ${p}`));
    if (errors.length > 0) {
      await page.release();
      continue;
    }
    const idle = await sampleWithLoad(page, args.ms);
    await page.busy(args.busy);
    let busy;
    try {
      await sleep(200);
      busy = await sampleWithLoad(page, args.ms);
    } finally {
      await page.busy(0);
    }
    await page.release();
    const note = `other processes ${idle.othersCores.toFixed(2)} / ${busy.othersCores.toFixed(2)} cores`;
    for (const [name, list] of Object.entries(rows)) {
      const against = (state) => [state.summaries.one, state.summaries[name]];
      list.push(contentionRow(layer, against(idle), against(busy), note));
      console.log(`${args.compare ? `${name.padEnd(8)} ` : ''}${contentionLine(list.at(-1), threads)}`);
    }
  }
  return rows;
}

async function main(argv) {
  const args = parse(argv);
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const failures = [];
  const runs = [];
  const browser = await launchChromium();
  // The other checkout from a server of its own, whose files the page may import across origins.
  const other = args.compare && await startServer(path.resolve(args.compare), { isolated: true, crossOrigin: true });
  let threads;
  try {
    const page = await openBenchPage(browser, { isolated: true });
    try {
      const options = { outputBuffer: args.outputBuffer, wasmTensors: args.wasmTensors };
      const engines = [{ name: 'one', module: 'sepconv', options: { ...options, threads: 1 } }, { name: 'default', module: 'sepconv', options }];
      if (other) engines.push({ name: 'compare', module: 'sepconv', options: { ...options, entry: `${other.url}/dist/web/sepconv-wasm.mjs` } });
      const started = await page.start({ engines });
      if (started.errors.length > 0) throw new Error(started.errors.map((e) => `${e.name}: ${e.stack}`).join('\n'));
      if (!started.crossOriginIsolated) throw new Error('the page is not cross-origin isolated: no threads to compare');
      const [one, all] = started.engines.map((e) => e.info);
      threads = all.threads;
      console.log(`Chromium ${browser.version()}, isolated page: ${all.describe} against ${one.describe}; ` +
        `busy: ${args.busy} Web Worker(s) of the page spinning; p50 / p75 ms per call; load average ${load()}`);
      if (other) console.log(`compare: ${started.engines[2].info.describe}, from ${path.resolve(args.compare)}`);
      console.log('');
      for (let run = 0; run < args.runs; run++) {
        if (args.runs > 1) console.log(`run ${run + 1} of ${args.runs}`);
        runs.push(await runLayers(page, args, threads, failures));
      }
    } finally {
      await page.close();
    }
  } finally {
    await browser.close();
    if (other) await other.close();
  }
  console.log(`\n${args.runs > 1 ? `medians of ${args.runs} runs; ` : ''}load average at the end ${load()}\n`);
  console.log(contentionTable(medianRows(runs.map((rows) => rows.default)), threads));
  if (args.compare) {
    console.log(`\n${path.resolve(args.compare)}'s build, the same runs:\n`);
    console.log(contentionTable(medianRows(runs.map((rows) => rows.compare)), threads));
  }
  if (failures.length > 0) {
    console.log(`\nFAIL: ${failures.length} problem(s):\n  ${failures.join('\n  ')}`);
    return 1;
  }
  return 0;
}

module.exports = { main };
