'use strict';

// Per-call times of several ways of making the same call, in alternating blocks: the contention
// benchmarks' sampler, in Node.js (bench/contention.js) and in a page (bench/browser/), which
// loads this file as it loads bench's other dependency-free helpers.

const BLOCK_MS = 100;
// After each block: the pool's threads poll for a while after a call before they sleep, and
// would take a core from the way timed next.
const GAP_MS = 10;
// The rounds take the ways in every order in turn: a way's leftovers (its garbage, pages of fresh
// results to collect, threads still polling) fall on whichever way comes next, and a fixed order
// would charge them to the same way every round. Measured: beside a busy process, with fresh
// results, the way timed right after the one-thread calls ran up to 2x slower, whichever build it
// was; rotating which way starts did not help with three ways (2026-11-30: the way after the
// one-thread calls is the same in every rotation), and with --lib and --compare swapped, the slow
// build swapped too.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every order of the ways 0..n-1, each order a list of them. */
function orders(n) {
  if (n <= 1) return [[...Array(n).keys()]];
  return orders(n - 1).flatMap((order) => Array.from({ length: n }, (_, at) => [...order.slice(0, at), n - 1, ...order.slice(at)]));
}

/**
 * runs: one function per way, each making one call, synchronously or returning a Promise.
 * Times every call of each way over about `ms`, in blocks of about 100 ms taken in turn, each
 * round in the next of every order of the ways;
 * returns one array of per-call ms per way.
 */
async function sampleCalls(runs, ms) {
  const samples = runs.map(() => []);
  const spent = runs.map(() => 0);
  const everyOrder = orders(runs.length);
  for (let round = 0; spent.some((t) => t < ms); round++) {
    for (const i of everyOrder[round % everyOrder.length]) {
      const run = runs[i];
      const blockEnd = performance.now() + BLOCK_MS;
      while (performance.now() < blockEnd) {
        const t0 = performance.now();
        const pending = run();
        // A synchronous call is timed without a turn of the event loop.
        if (pending && typeof pending.then === 'function') await pending;
        const t = performance.now() - t0;
        samples[i].push(t);
        spent[i] += t;
      }
      await sleep(GAP_MS);
    }
  }
  return samples;
}

module.exports = { sampleCalls, orders };
