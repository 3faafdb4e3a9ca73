'use strict';

// Interleaved timing of several engines on one layer. On a shared, noisy machine a slow patch
// (another process, a frequency change) then hits every engine alike instead of whichever
// engine happened to be running, and the median over rounds discards the outliers.

const { median, quantile } = require('./stats');
const { startWindow } = require('./machine_load');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `calls` calls back to back; returns ms per call and the cores busy meanwhile (process
 * CPU time / wall time: about 2 for a 2-thread engine that really runs 2 threads, above 1 for
 * a 1-thread engine if another engine's threads are still spinning). Awaits only async engines.
 */
async function timeBlock(run, calls) {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < calls; i++) {
    const result = run();
    if (result && typeof result.then === 'function') await result;
  }
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return { ms: ms / calls, cores: (cpu.user + cpu.system) / 1000 / ms };
}

/**
 * Warms one prepared engine up for at least `warmupMs` and 3 calls (V8 moves hot wasm functions
 * from its baseline compiler to the optimizing one only after some calls) and returns the
 * ms per call of the last calls, which sizes the timed blocks.
 */
async function warmUp(prepared, warmupMs) {
  const end = performance.now() + warmupMs;
  let calls = 0;
  let last = Infinity;
  while (calls < 3 || performance.now() < end) {
    last = (await timeBlock(prepared.run, 1)).ms;
    calls++;
  }
  return last;
}

/**
 * prepared: [{name, run}]. Each round runs a block of calls per engine (about `blockMs` long,
 * at least one call) in an order rotated from round to round, so that no engine always
 * follows the same one; `gapMs` of idle time after each block lets the previous engine's
 * worker threads go back to sleep (ORT's pool spins for a few ms after a run) before the next
 * engine is timed. A round during which other processes used more than `maxOthersCores` is
 * set aside and replaced, up to 2 x `rounds` in all; if too few rounds were clean, all rounds
 * count and the result says `disturbed`.
 * Returns {engines: per engine {ms: median ms per call, p25, p75, cores, samples}, rounds}.
 */
async function measureInterleaved(prepared, { rounds, blockMs, warmupMs, gapMs, maxOthersCores = 0.3 }) {
  const callsPerBlock = [];
  for (const p of prepared) {
    const ms = await warmUp(p, warmupMs);
    callsPerBlock.push(Math.max(1, Math.min(1000, Math.round(blockMs / Math.max(ms, 1e-3)))));
    await sleep(gapMs);
  }
  const all = [];  // per round: {blocks: [{ms, cores}] in engine order, others}
  for (let round = 0; round < 2 * rounds; round++) {
    const window = startWindow();
    const blocks = [];
    for (let k = 0; k < prepared.length; k++) {
      const i = (round + k) % prepared.length;
      blocks[i] = await timeBlock(prepared[i].run, callsPerBlock[i]);
      await sleep(gapMs);
    }
    all.push({ blocks, others: window.end() });
    const clean = all.filter((r) => !(r.others > maxOthersCores)).length;  // unknown load counts as clean
    if (clean >= rounds) break;
  }
  let used = all.filter((r) => !(r.others > maxOthersCores));
  const disturbed = used.length < Math.max(3, Math.ceil(rounds / 3));
  if (disturbed) used = all;
  const engines = prepared.map((p, i) => {
    const samples = used.map((r) => r.blocks[i].ms);
    return {
      ms: median(samples),
      p25: quantile(samples, 0.25),
      p75: quantile(samples, 0.75),
      cores: median(used.map((r) => r.blocks[i].cores)),
      callsPerBlock: callsPerBlock[i],
      samples,
    };
  });
  const roundsInfo = {
    used: used.length,
    run: all.length,
    disturbed,
    othersCoresMedian: median(all.map((r) => r.others).filter(Number.isFinite)),
  };
  return { engines, rounds: roundsInfo };
}

module.exports = { measureInterleaved };
