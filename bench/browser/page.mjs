// The benchmark page's hooks for bench_browser.js and contention.js, which drive it through
// Playwright: start the engines, prepare one layer (cross-checking the engines' first outputs),
// time it (in interleaved blocks, or per call), release it; keep cores busy. An engine that
// fails is reported and left out; the others go on.

import { makeJob, crossCheck } from './job.mjs';
import { measureInterleaved } from './measure.mjs';
import { callSamples } from './node_helpers.mjs';

const engines = [];
let prepared = [];

const failure = (name, error) => ({ name, message: String(error?.message ?? error), stack: String(error?.stack ?? error) });

/**
 * Starts the engines, each {name, module (default: name), options}: engines/<module>.mjs,
 * imported only now, so that an engine whose files do not load fails alone, started with the
 * options; returns what each one runs and which could not start.
 */
async function start({ engines: specs, ortThreads }) {
  // ORT starts its wasm module and pool with a first session: the smallest layer's.
  const settings = { ortThreads, probeModel: makeJob('tiny').onnx.model };
  const errors = [];
  for (const { name, module = name, options = {} } of specs) {
    try {
      const { start: startEngine } = await import(`./engines/${module}.mjs`);
      engines.push({ name, ...(await startEngine({ ...settings, ...options })) });
    } catch (error) {
      errors.push(failure(name, error));
    }
  }
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated,
    userAgent: navigator.userAgent,
    engines: engines.map(({ name, info }) => ({ name, info })),
    errors,
  };
}

/**
 * Prepares the named layer on every engine (prepare gives {run, dispose, toNHWC if its output
 * is not NHWC}) and compares their first outputs.
 */
async function prepare({ layer, tolerance, unaligned }) {
  const job = makeJob(layer, { unaligned });
  const outputs = {};
  const errors = [];
  for (const engine of engines) {
    let p;
    try {
      p = await engine.prepare(job);
      const output = await p.run();
      outputs[engine.name] = p.toNHWC ? p.toNHWC(output) : output;  // ORT's is NCHW
      prepared.push({ name: engine.name, ...p });
    } catch (error) {
      if (p) p.dispose();
      errors.push(failure(engine.name, error));
    }
  }
  return { ...crossCheck(job.layer, outputs, tolerance), errors };
}

async function measure(settings) {
  const results = await measureInterleaved(prepared.map((p) => p.run), settings);
  return Object.fromEntries(prepared.map((p, i) => [p.name, results[i]]));
}

/** Per-call ms of each prepared engine over about `ms` each (bench/call_samples.js). */
async function sample({ ms }) {
  const samples = await callSamples.sampleCalls(prepared.map((p) => p.run), ms);
  return Object.fromEntries(prepared.map((p, i) => [p.name, samples[i]]));
}

// Workers that each keep a core busy, as other tabs or the page's own work would. Each spins
// until its flag is set: terminate() alone left a spinning worker running for about 2 s in
// Chromium 156, so the next layer's idle half ran beside it.
const spinners = [];
const SPIN_SOURCE = `onmessage = ({ data }) => {
  const stop = new Int32Array(data);
  postMessage('spinning');
  while (Atomics.load(stop, 0) === 0) {}
  postMessage('stopped');
};`;

/** Keeps `count` workers spinning (0 stops them); resolves once they run, or have stopped. */
async function busy(count) {
  const reply = (worker, what) => new Promise((resolve, reject) => {
    worker.onmessage = resolve;
    worker.onerror = (event) => reject(new Error(`a busy worker did not ${what}: ${event.message}`));
  });
  while (spinners.length > count) {
    const { worker, stop } = spinners.pop();
    const stopped = reply(worker, 'stop');
    Atomics.store(stop, 0, 1);
    await stopped;
    worker.terminate();
  }
  while (spinners.length < count) {
    const url = URL.createObjectURL(new Blob([SPIN_SOURCE], { type: 'text/javascript' }));
    const worker = new Worker(url);
    URL.revokeObjectURL(url);
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const spinning = reply(worker, 'start');
    worker.postMessage(stop.buffer);
    await spinning;
    spinners.push({ worker, stop });
  }
}

function release() {
  for (const p of prepared) p.dispose();
  prepared = [];
}

window.bench = { start, prepare, measure, sample, busy, release };
