#!/usr/bin/env node
'use strict';

// npm run bench [-- --quick] [-- --layers mbv1_a,tiny] [-- --json FILE] [-- --contention | --backward]
// sepconv-wasm (1 and 2 threads) against TensorFlow.js's wasm backend and onnxruntime-web
// (1 and 2 threads) on the layers of the performance issue: interleaved timing, a correctness
// check of every engine against sepconv-wasm, and the measured one-thread WASM SIMD peak.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { selectLayers, makeInputs, outputShape, unaligned } = require('./layers');
const { measureInterleaved } = require('./measure');
const { measurePeak } = require('./peak');
const { maxRelativeError } = require('./stats');
const { summarizeLayer, formatLayer, formatSummary, geomeans, toJson } = require('./report');
const { createSepconvEngine } = require('./engines/sepconv');
const { createTfjsWasmEngine } = require('./engines/tfjs_wasm');
const { createOrtEngine } = require('./engines/ort');

const TOLERANCE = 1e-3;

// Engine name -> factory. The order is the table's row order; sepconv-1t is the reference.
const ENGINES = {
  'sepconv-1t': (args) => createSepconvEngine({ threads: 1, api: args.sepconvApi, root: args.lib }),
  'sepconv-2t': (args) => createSepconvEngine({ threads: 2, api: args.sepconvApi, root: args.lib }),
  'sepconv-1t-wt': (args) => createSepconvEngine({ threads: 1, api: 'wasm-tensor', root: args.lib }),
  'sepconv-2t-wt': (args) => createSepconvEngine({ threads: 2, api: 'wasm-tensor', root: args.lib }),
  'tfjs-wasm': () => createTfjsWasmEngine(),
  'ort-1t': () => createOrtEngine({ threads: 1 }),
  'ort-2t': () => createOrtEngine({ threads: 2 }),
};

// Defaults keep a full run near 1.5-2 minutes on a 2-core machine; --quick is a smoke run.
// gapMs: onnxruntime-web's pool worker keeps spinning for 5-20 ms after a 2-thread run; with
// less idle time it steals a core from whichever engine is timed next (measured on 2 cores).
const PRESETS = {
  full: { rounds: 21, blockMs: 30, warmupMs: 400, gapMs: 25, peakMs: 1500 },
  quick: { rounds: 5, blockMs: 15, warmupMs: 150, gapMs: 25, peakMs: 500 },
};

const USAGE = `usage: node bench/bench.js [--quick] [--layers a,b] [--engines a,b] [--rounds N] [--json FILE] [--one-shot | --output-buffer] [--unaligned] [--lib DIR]
  --quick        a short run (${PRESETS.quick.rounds} rounds, short warm-up)
  --layers a,b   only these layers (default: all)
  --engines a,b  only these engines: ${Object.keys(ENGINES).join(', ')} (default: all)
  --rounds N     interleaved rounds per layer (default ${PRESETS.full.rounds}, quick ${PRESETS.quick.rounds})
  --gap-ms MS    idle time after each timed block (default ${PRESETS.full.gapMs}, quick ${PRESETS.quick.gapMs})
  --json FILE    also write the results as JSON
  --one-shot     time one separableConv2dSync call per run (weights copied in and packed every
                 time) instead of the prepared layer (createSeparableConv2d once, then runSync),
                 the like-for-like comparison: tfjs and onnxruntime prepare their weights once too
  --output-buffer  sepconv-wasm's prepared layer writes into one reused output array
                 (layer.runSync(x, { output })): no allocation per call, unlike the others
  --unaligned    the input array (and sepconv-wasm's reused output array) starts 4 bytes past an
                 8-byte boundary, as a subarray at an odd index of a caller's larger array does
  --lib DIR      benchmark the sepconv-wasm checkout in DIR (its js/ and dist/wasm/; default: this one)
  --contention   the default thread count against one, idle and beside busy processes
                 (bench/contention.js; its own options: --contention --help)
  --backward     the backward pass: forward and backward at 1 and 2 threads, against tfjs's tf.grads
                 (bench/backward.js; its own options: --backward --help)
  --fresh-arrays what a new 3.2 MB result array costs this machine, with no wasm: whether its
                 page faults are cheap (bench/fresh_arrays.js; --fresh-arrays --help)`;

/** A mistake in the command line: reported without a stack trace. */
function usageError(message) {
  return Object.assign(new Error(message), { usage: true });
}

function parseArgs(argv) {
  const args = { quick: false, layers: null, engines: null, rounds: null, gapMs: null, json: null, lib: undefined, sepconvApi: 'prepared', unaligned: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw usageError(`${flag} needs a value\n${USAGE}`);
      return argv[++i];
    };
    if (flag === '--quick') args.quick = true;
    else if (flag === '--layers') args.layers = value();
    else if (flag === '--engines') args.engines = value();
    else if (flag === '--rounds') args.rounds = Number(value());
    else if (flag === '--gap-ms') args.gapMs = Number(value());
    else if (flag === '--json') args.json = value();
    else if (flag === '--lib') args.lib = value();
    else if (flag === '--one-shot') args.sepconvApi = 'call';
    else if (flag === '--output-buffer') args.sepconvApi = 'output-buffer';
    else if (flag === '--unaligned') args.unaligned = true;
    else if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw usageError(`unknown argument '${flag}'\n${USAGE}`);
  }
  if (args.rounds !== null && !(Number.isInteger(args.rounds) && args.rounds >= 1)) {
    throw usageError('--rounds must be a positive integer');
  }
  if (args.gapMs !== null && !(args.gapMs >= 0)) throw usageError('--gap-ms must be a number of ms >= 0');
  return args;
}

function selectEngines(list) {
  if (!list) return Object.keys(ENGINES);
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!ENGINES[name]) throw usageError(`unknown engine '${name}'; known: ${Object.keys(ENGINES).join(', ')}`);
  }
  return Object.keys(ENGINES).filter((name) => names.includes(name));  // keep the table order
}

/** Prepares every engine for a layer and checks its output against the reference engine's. */
async function prepareAndCheck(engines, layer, referenceName, failures, args) {
  const inputs = makeInputs(layer);
  if (args.unaligned) inputs.x.data = unaligned(inputs.x.data);
  const expectedLength = outputShape(layer).reduce((a, b) => a * b, 1);
  const prepared = [];
  let reference = null;
  for (const engine of engines) {
    let p;
    let output;
    try {
      p = await engine.prepare(layer, inputs);
      output = p.toNHWC(await p.run());
    } catch (error) {
      failures.push(`${layer.name}: ${engine.name} failed: ${error.message}`);
      console.log(`FAIL ${layer.name}: ${engine.name} could not run: ${error.stack || error}`);
      if (p) p.dispose();
      continue;
    }
    const check = { maxRelErr: 0, ok: output.length === expectedLength };
    if (engine.name === referenceName) reference = output;
    else if (reference) {
      check.maxRelErr = maxRelativeError(output, reference);
      check.ok = check.ok && check.maxRelErr <= TOLERANCE;
    }
    if (!check.ok) {
      const why = output.length !== expectedLength
        ? `output has ${output.length} values, expected ${expectedLength}`
        : `max relative error ${check.maxRelErr} > ${TOLERANCE} against ${referenceName}`;
      failures.push(`${layer.name}: ${engine.name}: ${why}`);
      console.log(`FAIL ${layer.name}: ${engine.name}: ${why}`);
    }
    prepared.push({ name: engine.name, threads: engine.threads, run: p.run, dispose: p.dispose, check });
  }
  return prepared;
}

async function main() {
  if (process.argv.includes('--contention')) {
    await require('./contention').main(process.argv.slice(2).filter((arg) => arg !== '--contention'));
    return;
  }
  if (process.argv.includes('--fresh-arrays')) {
    return require('./fresh_arrays').main(process.argv.slice(2).filter((arg) => arg !== '--fresh-arrays'));
  }
  if (process.argv.includes('--backward')) {
    const argv = process.argv.slice(2).filter((arg) => arg !== '--backward');
    return require('./backward').main(argv, { presets: PRESETS, tolerance: TOLERANCE });
  }
  const args = parseArgs(process.argv.slice(2));
  const settings = { ...(args.quick ? PRESETS.quick : PRESETS.full) };
  if (args.rounds) settings.rounds = args.rounds;
  if (args.gapMs !== null) settings.gapMs = args.gapMs;
  let layers;
  try {
    layers = selectLayers(args.layers);
  } catch (error) {
    throw usageError(error.message);
  }
  const engineNames = selectEngines(args.engines);
  const started = performance.now();
  const failures = [];

  // The peak first, before engines start worker threads and while nothing else of ours runs.
  const peak = await measurePeak({ budgetMs: settings.peakMs, log: console.log });

  const engines = [];
  for (const name of engineNames) {
    try {
      engines.push(await ENGINES[name](args));
    } catch (error) {
      failures.push(`${name}: could not start: ${error.message}`);
      console.log(`FAIL ${name}: could not start: ${error.stack || error}`);
    }
  }
  const referenceName = engines.some((e) => e.name === 'sepconv-1t') ? 'sepconv-1t' : engines[0]?.name;

  const cpu = os.cpus()[0]?.model || 'unknown CPU';
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    cpu: `${cpu} x${os.cpus().length}`,
    peak: { gflops: peak.gflops, chains: peak.chains, what: 'one thread, f32x4 mul+add chains (bench/simd_peak.cc)' },
    engines: Object.fromEntries(engines.map((e) => [e.name, e.describe()])),
    settings: { ...settings, tolerance: TOLERANCE, reference: referenceName, unaligned: args.unaligned },
    library: path.resolve(args.lib || path.join(__dirname, '..')),
  };
  console.log(`sepconv-wasm benchmark  ${meta.date}  Node ${meta.node} (V8 ${meta.v8})  ${meta.cpu}`);
  console.log(`WASM SIMD peak (1 thread, f32x4 mul+add, ${peak.chains} chains): ${peak.gflops.toFixed(1)} GFLOP/s`);
  console.log(`sepconv-wasm under test: ${meta.library}`);
  for (const e of engines) console.log(`  ${e.name.padEnd(11)} ${e.describe()}`);
  if (args.unaligned) console.log('  --unaligned: every input array (and the reused output) starts 4 bytes past an 8-byte boundary');
  if (engines.filter((e) => e.name.startsWith('ort-')).length > 1) {
    console.log('  ort-1t and ort-2t run in this process as two separate copies of onnxruntime-web (own wasm instance and thread pool each)');
  }
  console.log(`timing: ${settings.warmupMs} ms warm-up, then ${settings.rounds} interleaved rounds of ~${settings.blockMs} ms blocks ` +
    `per engine (${settings.gapMs} ms idle after each); median ms/call. Every engine prepares its weights once; every timed\n` +
    '  call copies the input into wasm memory and the output out into a new array, except the -wt engines\', whose input and\n' +
    '  output are WasmTensors (they stay in wasm memory, as in a chain of layers). FLOPs = 2*N*OH*OW*C*M*(K*K+O). ' +
    'cores = process CPU time / wall time while the engine ran.\n');

  const summaries = [];
  for (const layer of layers) {
    const prepared = await prepareAndCheck(engines, layer, referenceName, failures, args);
    if (prepared.length === 0) continue;
    const timings = await measureInterleaved(prepared, settings);
    const results = {};
    prepared.forEach((p, i) => {
      results[p.name] = { ...timings.engines[i], threads: p.threads, maxRelErr: p.check.maxRelErr, ok: p.check.ok };
      p.dispose();
    });
    const summary = summarizeLayer(layer, results, peak.gflops, timings.rounds);
    summaries.push(summary);
    console.log(formatLayer(summary, referenceName));
    console.log('');
  }

  const means = geomeans(summaries);
  console.log(formatSummary(summaries, means));
  meta.elapsedSeconds = (performance.now() - started) / 1000;
  console.log(`\n(${meta.elapsedSeconds.toFixed(0)} s)`);
  if (args.json) {
    fs.writeFileSync(args.json, `${JSON.stringify(toJson({ meta, summaries, means, failures }), null, 2)}\n`);
    console.log(`wrote ${args.json}`);
  }
  for (const engine of engines) engine.close();
  if (failures.length > 0) {
    console.log(`\nFAIL: ${failures.length} problem(s):\n  ${failures.join('\n  ')}`);
    return 1;
  }
  console.log('OK: every engine agrees with sepconv-wasm within 1e-3 (relative)');
  return 0;
}

// process.exit: onnxruntime-web's pool workers would otherwise keep Node running.
main().then((code) => process.exit(code), (error) => {
  console.error(`FAIL: ${error.usage ? error.message : error.stack || error}`);
  process.exit(1);
});
