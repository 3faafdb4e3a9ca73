'use strict';

// npm run bench -- --contention [--layers a,b] [--ms MS] [--busy N] [--output-buffer] [--lib DIR]
// The default call (threads = cores) against one thread, each layer on an idle machine and with
// N other processes keeping cores busy (default 1): per-call times, p50 and p75. On a busy
// machine a pool thread that is descheduled in the middle of its share makes the others wait,
// so the default call can be slower than one thread; this measures by how much.

const { spawn } = require('child_process');
const { selectLayers, makeInputs } = require('./layers');
const { quantile } = require('./stats');
const { createSepconvEngine } = require('./engines/sepconv');

const USAGE = `usage: node bench/bench.js --contention [--layers a,b] [--ms MS] [--busy N] [--output-buffer] [--lib DIR]
  --layers a,b   only these layers (default: all)
  --ms MS        timed per engine, layer and machine state, in blocks of about 100 ms (default 1200)
  --busy N       processes that keep a core busy each in the busy half (default 1)
  --output-buffer  each call writes into one reused output array: no fresh result to allocate,
                 whose page faults (about 10 ms for 3.2 MB on some runs of this VM) can swamp
                 what the threads do
  --lib DIR      the sepconv-wasm checkout to measure (its js/ and dist/wasm/; default: this one)`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function parse(argv) {
  const args = { layers: undefined, ms: 1200, busy: 1, lib: undefined, api: 'prepared' };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value\n${USAGE}`);
      return argv[++i];
    };
    if (argv[i] === '--help') {
      console.log(USAGE);
      process.exit(0);
    }
    if (argv[i] === '--layers') args.layers = value();
    else if (argv[i] === '--ms') args.ms = Number(value());
    else if (argv[i] === '--busy') args.busy = Number(value());
    else if (argv[i] === '--lib') args.lib = value();
    else if (argv[i] === '--output-buffer') args.api = 'output-buffer';
    else throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
  }
  if (!(args.ms > 0) || !Number.isInteger(args.busy) || args.busy < 1) throw new Error(USAGE);
  return args;
}

/** N processes spinning on a core each, until stop(). */
function startBusy(count) {
  const children = Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  return { stop: () => children.forEach((child) => child.kill()) };
}

/**
 * Per-call ms of each engine over about `ms` each, in alternating blocks of about 100 ms with an
 * idle gap after each (the pool's threads poll for 2 ms after a call before they sleep).
 */
async function sampleCalls(engines, ms) {
  const samples = engines.map(() => []);
  const spent = engines.map(() => 0);
  while (spent.some((t) => t < ms)) {
    for (const [e, engine] of engines.entries()) {
      const blockEnd = performance.now() + 100;
      while (performance.now() < blockEnd) {
        const t0 = performance.now();
        engine.run();
        const t = performance.now() - t0;
        samples[e].push(t);
        spent[e] += t;
      }
      await sleep(10);
    }
  }
  return samples.map((s) => ({ p50: quantile(s, 0.5), p75: quantile(s, 0.75), calls: s.length }));
}

async function main(argv) {
  const args = parse(argv);
  const layers = selectLayers(args.layers);
  const one = await createSepconvEngine({ threads: 1, api: args.api, root: args.lib });
  const all = await createSepconvEngine({ api: args.api, root: args.lib });
  const threads = all.threads;
  console.log(`${all.describe()} against 1 thread; busy: ${args.busy} other process(es) spinning; p50 / p75 ms per call\n`);
  const rows = [];
  for (const layer of layers) {
    const inputs = makeInputs(layer);
    const runners = [await one.prepare(layer, inputs), await all.prepare(layer, inputs)];
    for (const r of runners) for (let i = 0; i < 20; i++) r.run();  // warm-up
    const idle = await sampleCalls(runners, args.ms);
    const busy = startBusy(args.busy);
    await sleep(200);
    let loaded;
    try {
      loaded = await sampleCalls(runners, args.ms);
    } finally {
      busy.stop();
    }
    runners.forEach((r) => r.dispose());
    const row = { name: layer.name, mflop: layer.flops / 1e6, idle, busy: loaded };
    rows.push(row);
    console.log(`${layer.name.padEnd(13)} idle: 1t ${idle[0].p50.toFixed(3)}, ${threads}t ${idle[1].p50.toFixed(3)} (${(idle[0].p50 / idle[1].p50).toFixed(2)}x faster); busy: 1t ${loaded[0].p50.toFixed(3)}/${loaded[0].p75.toFixed(3)}, ${threads}t ${loaded[1].p50.toFixed(3)}/${loaded[1].p75.toFixed(3)} (${(loaded[1].p50 / loaded[0].p50).toFixed(2)}x / ${(loaded[1].p75 / loaded[0].p75).toFixed(2)}x of 1t)`);
  }
  const t = threads;
  console.log(`\n| layer | MFLOP | idle 1t p50 | idle ${t}t p50 | idle speed-up | busy 1t p50 / p75 | busy ${t}t p50 / p75 | busy ${t}t / 1t, p50 / p75 |`);
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|');
  for (const { name, mflop, idle, busy } of rows) {
    console.log(`| ${name} | ${mflop.toPrecision(3)} | ${idle[0].p50.toFixed(3)} | ${idle[1].p50.toFixed(3)} | ${(idle[0].p50 / idle[1].p50).toFixed(2)}x | `
      + `${busy[0].p50.toFixed(3)} / ${busy[0].p75.toFixed(3)} | ${busy[1].p50.toFixed(3)} / ${busy[1].p75.toFixed(3)} | `
      + `${(busy[1].p50 / busy[0].p50).toFixed(2)} / ${(busy[1].p75 / busy[0].p75).toFixed(2)} |`);
  }
  one.close();
  all.close();
}

module.exports = { main };
