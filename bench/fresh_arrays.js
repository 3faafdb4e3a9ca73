'use strict';

// npm run bench -- --fresh-arrays [--mb MB] [--calls N]
// What a new result array costs this machine, with no wasm at all: `new Float32Array(n)` filled
// from another array, as a call's fresh result is. Its pages are mapped on first write. On the
// 2-core VMs of docs/performance.md, which report freed pages to their host (virtio-balloon free
// page reporting), a page can come back from the host at about 15 us: 3.2 MB then takes 13 ms
// instead of 0.3. When p75 here is far above p50, the benchmarks' fresh-result numbers measure
// the host, and --output-buffer measures the library.

const { parseArgs } = require('util');
const { quantile } = require('./stats');

const USAGE = `usage: node bench/bench.js --fresh-arrays [--mb MB] [--calls N]
  --mb MB      the array's size (default 3.2, mbv1_a's result)
  --calls N    arrays made and filled (default 1000)`;

const OPTIONS = {
  mb: { type: 'string', default: '3.2' },
  calls: { type: 'string', default: '1000' },
  help: { type: 'boolean', short: 'h', default: false },
};

function main(argv) {
  const usageError = (message) => Object.assign(new Error(`${message}\n${USAGE}`), { usage: true });
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true }));
  } catch (error) {
    throw usageError(error.message);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const floats = Math.round((Number(values.mb) * 1e6) / 4);
  const calls = Number(values.calls);
  if (!(floats > 0) || !(Number.isInteger(calls) && calls > 0)) throw usageError('--mb must be a positive number and --calls a positive integer');
  const source = new Float32Array(floats).fill(1.5);
  const ms = [];
  let kept = null;
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    const array = new Float32Array(floats);
    array.set(source);
    ms.push(performance.now() - t0);
    kept = array;  // the last one lives on, as a caller's result does
  }
  const at = (q) => quantile(ms, q).toFixed(3);
  console.log(`new Float32Array(${floats}) filled, ${calls} times (${(kept.byteLength / 1e6).toFixed(1)} MB each): ` +
    `p50 ${at(0.5)} ms, p75 ${at(0.75)} ms, p90 ${at(0.9)} ms, max ${Math.max(...ms).toFixed(3)} ms`);
}

module.exports = { main };
