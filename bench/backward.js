'use strict';

// npm run bench -- --backward [--quick] [--layers a,b] [--rounds N] [--tfjs-ms MS] [--tfjs-max-mflop N] [--wasm-tensors] [--json FILE] [--lib DIR]
// The backward pass: per layer, the forward and the backward call (all three gradients) of the
// same prepared sepconv-wasm layer at 1 and 2 threads, interleaved as bench.js times engines;
// then TensorFlow.js's tf.grads of the same layer on its CPU and wasm backends, outputs
// cross-checked; the targets at the end.

const fs = require('fs');
const os = require('os');
const { selectLayers, makeInputs, makeOutputGradient } = require('./layers');
const { measureInterleaved } = require('./measure');
const { sampleCalls } = require('./call_samples');
const { startWindow } = require('./machine_load');
const { median, quantile, maxRelativeError } = require('./stats');
const { createSepconvEngine } = require('./engines/sepconv');
const { createTfjsGradsEngine } = require('./engines/tfjs_grads');
const { backwardRow, formatBackwardLayer, backwardTable, evaluateTargets, formatTargets } = require('./backward_report');

// tfjs's CPU backend takes 5-30 s for one backward call of most bench layers (its
// Conv2DBackpropFilter alone, on this 2-core VM), so its calls are capped by time rather than
// counted: `tfjsMs` per layer and backend; a first call longer than that is the only sample.
// --quick gives tfjs only the layers up to `tfjsMaxMflop`.
const TFJS = {
  full: { tfjsMs: 2000, tfjsMaxMflop: Infinity },
  quick: { tfjsMs: 300, tfjsMaxMflop: 60 },
};
const GRADIENTS = ['dx', 'dDepthwiseFilter', 'dPointwiseFilter'];

const USAGE = `usage: node bench/bench.js --backward [--quick] [--layers a,b] [--rounds N] [--tfjs-ms MS] [--tfjs-max-mflop N] [--wasm-tensors] [--json FILE] [--lib DIR]
  --quick            a short run: fewer rounds, and tfjs only on layers up to ${TFJS.quick.tfjsMaxMflop} MFLOP
  --layers a,b       only these layers (default: all)
  --rounds N         interleaved rounds of sepconv-wasm per layer (default as bench.js)
  --tfjs-ms MS       time for each tfjs backend's repeated calls per layer (default ${TFJS.full.tfjsMs}, quick ${TFJS.quick.tfjsMs}); one call at least
  --tfjs-max-mflop N run tfjs only on layers up to N forward MFLOP (default: all; quick ${TFJS.quick.tfjsMaxMflop}; 0: none)
  --wasm-tensors     sepconv-wasm's x, dy, forward output and gradients are WasmTensors (nothing
                     copied in or out, nothing allocated), as bench.js's -wt engines
  --json FILE        also write the results as JSON
  --lib DIR          the sepconv-wasm checkout to measure (its js/ and dist/wasm/; default: this one)`;

/** A mistake in the command line: bench.js prints it without a stack trace. */
const usageError = (message) => Object.assign(new Error(`${message}\n${USAGE}`), { usage: true });

function parse(argv, presets) {
  const args = { quick: argv.includes('--quick'), layers: undefined, lib: undefined, json: null, api: 'prepared' };
  const settings = { ...(args.quick ? presets.quick : presets.full), ...(args.quick ? TFJS.quick : TFJS.full) };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (i + 1 >= argv.length) throw usageError(`${argv[i]} needs a value`);
      return argv[++i];
    };
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (flag === '--quick') continue;
    if (flag === '--layers') args.layers = value();
    else if (flag === '--rounds') settings.rounds = Number(value());
    else if (flag === '--tfjs-ms') settings.tfjsMs = Number(value());
    else if (flag === '--tfjs-max-mflop') settings.tfjsMaxMflop = Number(value());
    else if (flag === '--json') args.json = value();
    else if (flag === '--lib') args.lib = value();
    else if (flag === '--wasm-tensors') args.api = 'wasm-tensor';
    else throw usageError(`unknown argument '${flag}'`);
  }
  if (!(Number.isInteger(settings.rounds) && settings.rounds >= 1) || !(settings.tfjsMs >= 0) || !(settings.tfjsMaxMflop >= 0)) {
    throw usageError('--rounds must be a positive integer, --tfjs-ms and --tfjs-max-mflop numbers >= 0');
  }
  return { args, settings };
}

/** The largest relative error over the three gradients (stats.maxRelativeError for each). */
const gradientsError = (actual, expected) => Math.max(...GRADIENTS.map((key) => maxRelativeError(actual[key].data, expected[key].data)));

/**
 * One tfjs backend on one layer: its first call's gradients cross-checked against sepconv-wasm's
 * (or the error it throws, which makes it unsupported), then calls for `tfjsMs` unless the first
 * call took longer, in which case it is the only sample (a JIT warm-up inside seconds of work
 * does not matter).
 */
async function measureTfjs(engine, layer, inputs, dy, reference, { tfjsMs, tolerance }, failures) {
  const prepared = await engine.prepare(layer, inputs, dy);
  try {
    const window = startWindow();
    const start = performance.now();
    let output;
    try {
      output = prepared.run();
    } catch (error) {
      return { unsupported: error.message };
    }
    const first = performance.now() - start;
    const samples = first >= tfjsMs ? [first] : (await sampleCalls([prepared.run], tfjsMs))[0];
    const maxRelErr = gradientsError(output, reference);
    if (!(maxRelErr <= tolerance)) failures.push(`${layer.name}: ${engine.name}'s gradients differ from sepconv-wasm's: max rel err ${maxRelErr}`);
    return { ms: median(samples), p25: quantile(samples, 0.25), p75: quantile(samples, 0.75), calls: samples.length, maxRelErr, othersCores: window.end() };
  } finally {
    prepared.dispose();
  }
}

async function measureLayer(layer, sepconv, tfjsEngines, settings, failures) {
  const inputs = makeInputs(layer);
  const dy = makeOutputGradient(layer);
  const [one, two] = await Promise.all(sepconv.map((engine) => engine.prepareBackward(layer, inputs, dy)));
  const reference = one.gradients();
  const errors2t = gradientsError(two.gradients(), reference);
  if (!(errors2t <= settings.tolerance)) failures.push(`${layer.name}: 2 threads' gradients differ from 1 thread's: max rel err ${errors2t}`);
  const runs = [['fwd-1t', one.forward], ['bwd-1t', one.backward], ['fwd-2t', two.forward], ['bwd-2t', two.backward]];
  const timings = await measureInterleaved(runs.map(([name, run]) => ({ name, run })), settings);
  [one, two].forEach((p) => p.dispose());
  const tfjs = {};
  for (const engine of tfjsEngines) {
    tfjs[engine.name] = layer.flops > settings.tfjsMaxMflop * 1e6
      ? { skipped: `over --tfjs-max-mflop ${settings.tfjsMaxMflop}` }
      : await measureTfjs(engine, layer, inputs, dy, reference, settings, failures);
  }
  const byName = Object.fromEntries(runs.map(([name], i) => [name, timings.engines[i]]));
  return backwardRow(layer, byName, errors2t, tfjs, timings.rounds);
}

/** presets: bench.js's timing presets; tolerance: its cross-check tolerance. */
async function main(argv, { presets, tolerance }) {
  const { args, settings } = parse(argv, presets);
  settings.tolerance = tolerance;
  let layers;
  try {
    layers = selectLayers(args.layers);
  } catch (error) {
    throw usageError(error.message);
  }
  const started = performance.now();
  const failures = [];
  // Two copies of the library, one per thread count, as bench.js's sepconv-1t and sepconv-2t.
  const sepconv = [await createSepconvEngine({ threads: 1, api: args.api, root: args.lib }),
    await createSepconvEngine({ threads: 2, api: args.api, root: args.lib })];
  const tfjsEngines = [await createTfjsGradsEngine('cpu'), await createTfjsGradsEngine('wasm')];

  console.log(`sepconv-wasm backward benchmark  ${new Date().toISOString()}  Node ${process.version}  ${os.cpus()[0]?.model} x${os.cpus().length}  load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  for (const e of [...sepconv, ...tfjsEngines]) console.log(`  ${e.name.padEnd(11)} ${e.describe()}`);
  const how = args.api === 'wasm-tensor' ? ' on WasmTensors x, dy and y, into WasmTensors (options.outputs)' : ', fresh arrays';
  console.log(`sepconv-wasm: forward = layer.runSync(x), backward = layer.backwardSync(x, dy) (dx and both filter gradients${how}),\n` +
    `  interleaved: ${settings.warmupMs} ms warm-up, ${settings.rounds} rounds of ~${settings.blockMs} ms blocks, median ms/call. ` +
    `Backward flops = 2x forward (the recomputed depthwise pass not counted).\n` +
    `tfjs: the first call's gradients checked against sepconv-wasm 1t, then calls for ${settings.tfjsMs} ms (at least one); ` +
    `layers up to ${settings.tfjsMaxMflop} MFLOP.\n`);

  const rows = [];
  for (const layer of layers) {
    rows.push(await measureLayer(layer, sepconv, tfjsEngines, settings, failures));
    console.log(`${formatBackwardLayer(rows.at(-1))}\n`);
  }
  const targets = evaluateTargets(rows);
  console.log(`${backwardTable(rows)}\n\n${formatTargets(targets)}`);
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n(${seconds.toFixed(0)} s; load average now ${os.loadavg().map((v) => v.toFixed(2)).join(' ')})`);
  if (args.json) {
    const engines = Object.fromEntries([...sepconv, ...tfjsEngines].map((e) => [e.name, e.describe()]));
    fs.writeFileSync(args.json, `${JSON.stringify({ date: new Date().toISOString(), engines, settings, rows, targets, failures, seconds }, null, 2)}\n`);
    console.log(`wrote ${args.json}`);
  }
  sepconv.forEach((e) => e.close());
  if (failures.length > 0) {
    console.log(`\nFAIL: ${failures.length} problem(s):\n  ${failures.join('\n  ')}`);
    return 1;
  }
  console.log(`OK: every gradient computed agrees with sepconv-wasm 1t's within ${tolerance} (relative)`);
  return 0;
}

module.exports = { main };
