#!/usr/bin/env node
'use strict';

// npm run bench:browser [-- --quick] [-- --pages isolated] [-- --layers mbv1_a,tiny] [-- --json FILE]
// npm run bench:browser -- --contention [...]: the default thread count against one, idle and
// beside busy Web Workers (bench/browser/contention.js; its options: --contention --help)
// sepconv-wasm in Debian's Chromium as a web page calls it (its browser entry, asynchronous
// calls from the page's main thread), side by side on the same page with TensorFlow.js's wasm
// backend and onnxruntime-web: once on a cross-origin isolated page (every engine's threaded
// build) and once on a plain page (single-thread builds). Outputs are cross-checked.

const fs = require('fs');
const os = require('os');
const { parseArgs } = require('util');
const { launchChromium } = require('../../tests/browser/chromium');
const { selectLayers } = require('../layers');
const { median, quantile, geomean } = require('../stats');
const { describeLayer, fixed, times } = require('../report');
const { startWindow } = require('../machine_load');
const { ENGINES, RATIOS, BUSY_CORES, pageTable } = require('./tables');
const { openBenchPage } = require('./browser_page');
const { startChildrenWindow } = require('./child_cpu');

const TOLERANCE = 1e-3;

// ORT is the one engine told its thread count; the others pick their build from the page.
const PAGES = {
  isolated: { isolated: true, ortThreads: 2 },
  plain: { isolated: false, ortThreads: 1 },
};

// A full run (both pages, ten layers) takes about 2-3 minutes on 2 cores, --quick about one;
// starting the engines (ORT compiles 14 MB of wasm) takes 5-8 s of each page's share.
// blockMs: well above a plain page's 100 µs clock tick, and long enough that what an engine
// prepares in the idle gap before a block (sepconv-wasm's helper worker makes result buffers
// ahead) counts for little: a block measures calls back to back. gapMs: onnxruntime-web's pool
// keeps spinning after a 2-thread run and would steal a core from the engine timed next.
const PRESETS = {
  full: { rounds: 9, blockMs: 200, warmupMs: 400, gapMs: 20 },
  quick: { rounds: 3, blockMs: 100, warmupMs: 300, gapMs: 20 },
};

const OPTIONS = {
  pages: { type: 'string', default: Object.keys(PAGES).join(',') },
  layers: { type: 'string' },
  rounds: { type: 'string' },
  'block-ms': { type: 'string' },
  quick: { type: 'boolean', default: false },
  json: { type: 'string' },
  unaligned: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

const USAGE = `usage: node bench/browser/bench_browser.js [--pages isolated,plain] [--layers a,b] [--rounds N] [--block-ms MS] [--quick] [--json FILE] [--unaligned]
  --pages a,b    which pages: isolated (COOP/COEP: threaded builds, ORT numThreads 2) and/or
                 plain (no headers: single-thread builds, ORT numThreads 1); default both
  --layers a,b   only these layers of bench/layers.js (default: all)
  --rounds N     interleaved rounds per layer (default ${PRESETS.full.rounds}, quick ${PRESETS.quick.rounds})
  --block-ms MS  the least time each engine's block of calls takes (default ${PRESETS.full.blockMs}, quick ${PRESETS.quick.blockMs}):
                 short blocks with idle gaps between them show calls spaced out, as a page
                 calling once per frame makes them; long ones, calls back to back
  --quick        a short run (${PRESETS.quick.rounds} rounds)
  --json FILE    also write every number (per-round samples included) as JSON
  --unaligned    every engine's input array starts 4 bytes past an 8-byte boundary, as a
                 subarray at an odd index of a caller's larger array does
  --contention   the default thread count against one, idle and beside busy Web Workers
                 (bench/browser/contention.js; its own options: --contention --help)`;

/** A mistake in the command line: reported without a stack trace. */
function usageError(message) {
  return Object.assign(new Error(message), { usage: true });
}

function parseCommandLine(argv) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true }));
  } catch (error) {
    throw usageError(`${error.message}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const pages = values.pages.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = pages.filter((name) => !PAGES[name]);
  if (pages.length === 0 || unknown.length > 0) {
    throw usageError(`--pages: unknown page '${unknown.join(',')}'; known: ${Object.keys(PAGES).join(', ')}`);
  }
  const settings = { ...(values.quick ? PRESETS.quick : PRESETS.full) };
  if (values.rounds !== undefined) {
    settings.rounds = Number(values.rounds);
    if (!(Number.isInteger(settings.rounds) && settings.rounds >= 1)) throw usageError('--rounds must be a positive integer');
  }
  if (values['block-ms'] !== undefined) {
    settings.blockMs = Number(values['block-ms']);
    if (!(Number.isFinite(settings.blockMs) && settings.blockMs >= 1)) throw usageError('--block-ms must be a number of milliseconds, at least 1');
  }
  let layers;
  try {
    layers = selectLayers(values.layers);
  } catch (error) {
    throw usageError(error.message);
  }
  return { pages, layers, settings: { ...settings, unaligned: values.unaligned }, json: values.json };
}

/**
 * Times the prepared layer on the page; also returns the cores that processes other than this
 * one and its Chromium used meanwhile (NaN where /proc is missing).
 */
async function measureWithLoad(page, settings) {
  const machine = startWindow();  // counts Chromium as another process...
  const chromium = startChildrenWindow();  // ...so its share is taken off
  const timings = await page.measure(settings);
  return { timings, othersCores: Math.max(0, machine.end() - chromium.end()) };
}

/** Median ms per call and quartiles over rounds per engine, and the ratios against sepconv. */
function summarize(layer, { timings, othersCores }, agreement) {
  const engines = {};
  for (const [name, { samples, callsPerBlock }] of Object.entries(timings)) {
    engines[name] = { ms: median(samples), p25: quantile(samples, 0.25), p75: quantile(samples, 0.75), callsPerBlock, samples };
  }
  const ratios = Object.fromEntries(RATIOS.map(([label, baseline]) => [
    label, engines.sepconv && engines[baseline] ? engines[baseline].ms / engines.sepconv.ms : NaN,
  ]));
  return { layer, engines, ratios, agreement, othersCores, busy: othersCores > BUSY_CORES };
}

function progressLine({ layer, engines, ratios, agreement, othersCores, busy }) {
  const ms = ENGINES.map((name) => `${name} ${fixed(engines[name]?.ms, 3)}`).join('  ');
  const errors = Object.values(agreement);
  const check = errors.length > 0 ? `outputs differ by at most ${Math.max(...errors).toExponential(1)}` : 'no outputs to compare';
  return `  ${layer.name.padEnd(13)} ${ms} ms;  ${RATIOS.map(([label]) => `${label} ${times(ratios[label])}`).join(', ')};  ` +
    `${check};  other processes ${fixed(othersCores, 2)} cores${busy ? ' (BUSY)' : ''}`;
}

/** Opens one page, starts the engines on it and measures every layer; failures are collected. */
async function runPage(browser, name, { layers, settings }, failures) {
  // The summary at the end lists the messages; the stacks are printed as they happen.
  const fail = (message, stack = '') => {
    failures.push(`${name} page: ${message}`);
    console.log(`FAIL ${name} page: ${message}${stack && `\n  ${stack}`}`);
  };
  const { isolated, ortThreads } = PAGES[name];
  const page = await openBenchPage(browser, { isolated });
  try {
    const started = await page.start({ engines: ENGINES.map((engine) => ({ name: engine })), ortThreads });
    started.errors.forEach((e) => fail(`${e.name} could not start: ${e.message}`, e.stack));
    // A page that is not what it claims would measure the wrong builds.
    if (started.crossOriginIsolated !== isolated) fail(`crossOriginIsolated is ${started.crossOriginIsolated}, expected ${isolated}`);
    const result = {
      name,
      crossOriginIsolated: started.crossOriginIsolated,
      userAgent: started.userAgent,
      engines: Object.fromEntries(started.engines.map((e) => [e.name, e.info])),
      layers: [],
    };
    console.log(`${name} page (crossOriginIsolated: ${result.crossOriginIsolated}): ` +
      `${started.engines.map((e) => e.info.describe).join(' · ')}`);
    for (const layer of layers) {
      // The page makes the layer's data and checks the outputs: large arrays cross slowly.
      const { agreement, problems, errors } = await page.prepare({ layer: layer.name, tolerance: TOLERANCE, unaligned: settings.unaligned });
      errors.forEach((e) => fail(`${layer.name}: ${e.name} failed: ${e.message}`, e.stack));
      problems.forEach((problem) => fail(`${layer.name}: ${problem}`));
      const measured = await measureWithLoad(page, settings);
      await page.release();
      const summary = summarize(layer, measured, agreement);
      result.layers.push(summary);
      console.log(progressLine(summary));
    }
    result.geomean = Object.fromEntries(RATIOS.map(([label]) => [label, geomean(result.layers.map((l) => l.ratios[label]))]));
    result.pageErrors = [...page.problems];
    if (result.pageErrors.length > 0) console.log(`  the page reported errors:\n    ${result.pageErrors.join('\n    ')}`);
    return result;
  } finally {
    await page.close();
  }
}

async function main() {
  if (process.argv.includes('--contention')) return require('./contention').main(process.argv.slice(2));
  const args = parseCommandLine(process.argv.slice(2));
  const startedAt = performance.now();
  const failures = [];
  const pages = [];
  const browser = await launchChromium();
  const meta = {
    date: new Date().toISOString(),
    chromium: browser.version(),
    node: process.version,
    cpu: `${os.cpus()[0]?.model || 'unknown CPU'} x${os.cpus().length}`,
    settings: { ...args.settings, tolerance: TOLERANCE },
    ratioDefinition: 'other engine ms / sepconv ms (above 1: sepconv-wasm is faster)',
  };
  try {
    const { rounds, blockMs, warmupMs, gapMs } = args.settings;
    console.log(`sepconv-wasm browser benchmark  ${meta.date}  Chromium ${meta.chromium}  ${meta.cpu}`);
    console.log(`timing, per layer: each engine warms up for ${warmupMs} ms, then ${rounds} rounds in which every engine, ` +
      `in an order rotated each round,\n  runs a block of calls of ~${blockMs} ms (${gapMs} ms idle after it); ` +
      'block time / calls is one sample; median ms/call [p25–p75 over rounds].');
    if (args.settings.unaligned) console.log('--unaligned: every engine\'s input array starts 4 bytes past an 8-byte boundary');
    console.log(`layers:\n${args.layers.map((l) => `  ${l.name.padEnd(13)} ${describeLayer(l)}`).join('\n')}\n`);
    for (const name of args.pages) {
      try {
        pages.push(await runPage(browser, name, args, failures));
      } catch (error) {
        failures.push(`${name} page: ${error.message}`);
        console.log(`FAIL ${name} page: ${error.stack || error}`);
      }
      console.log('');
    }
  } finally {
    await browser.close();
  }

  console.log(`ratios: ${meta.ratioDefinition}\n`);
  for (const page of pages) console.log(`${pageTable(page)}\n`);
  meta.elapsedSeconds = (performance.now() - startedAt) / 1000;
  console.log(`(${meta.elapsedSeconds.toFixed(0)} s)`);
  if (args.json) {
    const document = { meta, pages, ok: failures.length === 0, failures };
    fs.writeFileSync(args.json, `${JSON.stringify(document, null, 2)}\n`);
    console.log(`wrote ${args.json}`);
  }
  if (failures.length > 0) {
    console.log(`\nFAIL: ${failures.length} problem(s):\n  ${failures.join('\n  ')}`);
    return 1;
  }
  console.log(`OK: on every page, every engine's output agrees with the others' within ${TOLERANCE} (relative)`);
  return 0;
}

main().then((code) => process.exit(code), (error) => {
  console.error(`FAIL: ${error.usage ? error.message : error.stack || error}`);
  process.exit(1);
});
