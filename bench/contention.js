'use strict';

// npm run bench -- --contention [--layers a,b] [--ms MS] [--busy N] [--output-buffer] [--lib DIR]
// The default call (threads = cores) against one thread, each layer on an idle machine and with
// N other processes keeping cores busy (default 1): per-call times, p50 and p75. On a busy
// machine a pool thread that is descheduled in the middle of its share makes the others wait,
// so the default call can be slower than one thread; this measures by how much.

const { spawn } = require('child_process');
const { selectLayers, makeInputs } = require('./layers');
const { createSepconvEngine } = require('./engines/sepconv');
const { sampleCalls } = require('./call_samples');
const { summarizeCalls, contentionRow, contentionLine, contentionTable } = require('./contention_report');

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

async function main(argv) {
  const args = parse(argv);
  const layers = selectLayers(args.layers);
  const one = await createSepconvEngine({ threads: 1, api: args.api, root: args.lib });
  const all = await createSepconvEngine({ api: args.api, root: args.lib });
  console.log(`${all.describe()} against 1 thread; busy: ${args.busy} other process(es) spinning; p50 / p75 ms per call\n`);
  const sample = async (runners) => (await sampleCalls(runners.map((r) => r.run), args.ms)).map(summarizeCalls);
  const rows = [];
  for (const layer of layers) {
    const inputs = makeInputs(layer);
    const runners = [await one.prepare(layer, inputs), await all.prepare(layer, inputs)];
    for (const r of runners) for (let i = 0; i < 20; i++) r.run();  // warm-up
    const idle = await sample(runners);
    const busy = startBusy(args.busy);
    await sleep(200);
    let loaded;
    try {
      loaded = await sample(runners);
    } finally {
      busy.stop();
    }
    runners.forEach((r) => r.dispose());
    rows.push(contentionRow(layer, idle, loaded));
    console.log(contentionLine(rows.at(-1), all.threads));
  }
  console.log(`\n${contentionTable(rows, all.threads)}`);
  one.close();
  all.close();
}

module.exports = { main };
