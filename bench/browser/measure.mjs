// Interleaved timing of the engines on one layer, inside the page: the browser twin of
// bench/measure.js. A plain page's performance.now() ticks in 100 µs, so single calls are
// never timed: a block of calls lasting about blockMs is, and block time / calls is a sample.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `calls` awaited calls back to back; returns ms per call. */
async function timeBlock(run, calls) {
  const start = performance.now();
  for (let i = 0; i < calls; i++) await run();
  return (performance.now() - start) / calls;
}

/**
 * Runs the engine for at least warmupMs and 3 calls (the browser tiers hot wasm up to its
 * optimizing compiler only after some calls), then sizes its blocks from the calls that fit in
 * one more blockMs: a count, so the clock's coarse tick does not matter.
 */
async function warmUp(run, { warmupMs, blockMs, maxCallsPerBlock }) {
  const start = performance.now();
  for (let calls = 0; calls < 3 || performance.now() - start < warmupMs; calls++) await run();
  const sizing = performance.now();
  let calls = 0;
  while (performance.now() - sizing < blockMs) {
    await run();
    calls++;
  }
  const msPerCall = (performance.now() - sizing) / calls;
  return Math.max(1, Math.min(maxCallsPerBlock, Math.ceil(blockMs / msPerCall)));
}

/**
 * runs: one function per engine. Each round times a block per engine, in an order rotated
 * from round to round so that no engine always follows the same one, and idles gapMs after
 * each block: onnxruntime-web's pool keeps spinning for a while after a run and would steal
 * a core from the next engine. Returns per engine {callsPerBlock, samples: ms per call}.
 */
export async function measureInterleaved(runs, { rounds, blockMs, warmupMs, gapMs, maxCallsPerBlock = 10000 }) {
  const callsPerBlock = [];
  for (const run of runs) {
    callsPerBlock.push(await warmUp(run, { warmupMs, blockMs, maxCallsPerBlock }));
    await sleep(gapMs);
  }
  const samples = runs.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < runs.length; k++) {
      const i = (round + k) % runs.length;
      samples[i].push(await timeBlock(runs[i], callsPerBlock[i]));
      await sleep(gapMs);
    }
  }
  return runs.map((_, i) => ({ callsPerBlock: callsPerBlock[i], samples: samples[i] }));
}
