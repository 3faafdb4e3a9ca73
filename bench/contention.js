'use strict';

// npm run bench -- --contention [--layers a,b] [--ms MS] [--busy N] [--runs N] [--output-buffer | --wasm-tensors] [--unaligned] [--lib DIR] [--compare DIR]
// The default call (threads = cores) against one thread, each layer on an idle machine and with
// N other processes keeping cores busy (default 1): per-call times, p50 and p75. On a busy
// machine a pool thread that is descheduled in the middle of its share makes the others wait,
// so the default call can be slower than one thread; this measures by how much. With --compare,
// another checkout's default call runs in the same process too, interleaved, so that both see
// the same machine: on this shared VM, runs minutes apart do not.

const path = require('path');
const { spawn } = require('child_process');
const { selectLayers, makeInputs, unaligned } = require('./layers');
const { createSepconvEngine } = require('./engines/sepconv');
const { sampleCalls } = require('./call_samples');
const {
  summarizeCalls, contentionRow, contentionLine, contentionTable, medianRows, parseContentionArgs,
} = require('./contention_report');

const USAGE = `usage: node bench/bench.js --contention [--layers a,b] [--ms MS] [--busy N] [--runs N] [--output-buffer | --wasm-tensors] [--unaligned] [--lib DIR] [--compare DIR]
  --layers a,b   only these layers (default: all)
  --ms MS        timed per way, layer and machine state, in blocks of about 100 ms (default 1200)
  --busy N       processes that keep a core busy each in the busy half (default 1)
  --runs N       every layer N times, idle and busy each time; the table gives the median of the
                 runs' numbers, each ratio the median of the runs' ratios (default 1)
  --output-buffer  each call writes into one reused output array: no fresh result to allocate,
                 whose page faults (about 10 ms for 3.2 MB on some runs of this VM) can swamp
                 what the threads do
  --wasm-tensors each call reads and writes WasmTensors: nothing is copied in or out, so the
                 times are the pool's and the kernels' alone
  --unaligned    the input array, and with --output-buffer the output array, start 4 bytes past
                 an 8-byte boundary, as a subarray at an odd index of a larger array does
  --lib DIR      the sepconv-wasm checkout to measure (its js/ and dist/wasm/; default: this one)
  --compare DIR  also the default call of the checkout in DIR, interleaved with the others; a
                 second table gives it against the same one-thread calls`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function parse(argv) {
  const { values, ms, busy, runs } = parseContentionArgs(argv, USAGE, { lib: { type: 'string' } });
  return {
    layers: selectLayers(values.layers), ms, busy, runs,
    api: values['output-buffer'] ? 'output-buffer' : values['wasm-tensors'] ? 'wasm-tensor' : 'prepared',
    unaligned: values.unaligned, lib: values.lib, compare: values.compare,
  };
}

/** N processes spinning on a core each, until stop(). */
function startBusy(count) {
  const children = Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  return { stop: () => children.forEach((child) => child.kill()) };
}

/** One run over every layer: { default: rows, compare: rows (with --compare) }. */
async function runLayers(args, engines) {
  const rows = Object.fromEntries(engines.slice(1).map((e) => [e.key, []]));
  const sample = async (runners) => (await sampleCalls(runners.map((r) => r.run), args.ms)).map(summarizeCalls);
  for (const layer of args.layers) {
    const inputs = makeInputs(layer);
    if (args.unaligned) inputs.x.data = unaligned(inputs.x.data);
    const runners = [];
    for (const engine of engines) runners.push(await engine.prepare(layer, inputs));
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
    engines.slice(1).forEach((engine, i) => {
      const against = (state) => [state[0], state[i + 1]];
      rows[engine.key].push(contentionRow(layer, against(idle), against(loaded)));
      console.log(`${engines.length > 2 ? `${engine.key.padEnd(8)} ` : ''}${contentionLine(rows[engine.key].at(-1), engine.threads)}`);
    });
  }
  return rows;
}

async function main(argv) {
  const args = parse(argv);
  const engines = [
    await createSepconvEngine({ threads: 1, api: args.api, root: args.lib }),
    await createSepconvEngine({ api: args.api, root: args.lib }),
  ];
  engines[1].key = 'default';
  if (args.compare) engines.push(Object.assign(await createSepconvEngine({ api: args.api, root: args.compare }), { key: 'compare' }));
  const threads = engines[1].threads;
  console.log(`${engines[1].describe()} against 1 thread; busy: ${args.busy} other process(es) spinning; p50 / p75 ms per call`);
  if (args.compare) console.log(`compare: ${engines[2].describe()}, from ${path.resolve(args.compare)}`);
  console.log('');
  const runs = [];
  for (let run = 0; run < args.runs; run++) {
    if (args.runs > 1) console.log(`run ${run + 1} of ${args.runs}`);
    runs.push(await runLayers(args, engines));
  }
  console.log(`\n${args.runs > 1 ? `medians of ${args.runs} runs\n\n` : ''}${contentionTable(medianRows(runs.map((rows) => rows.default)), threads)}`);
  if (args.compare) {
    console.log(`\n${path.resolve(args.compare)}'s build, the same runs:\n`);
    console.log(contentionTable(medianRows(runs.map((rows) => rows.compare)), threads));
  }
  engines.forEach((engine) => engine.close());
}

module.exports = { main };
