// The benchmark page's hooks for bench_browser.js, which drives it through Playwright: start
// the engines, prepare one layer (cross-checking the engines' first outputs), time it, release
// it. An engine that fails is reported and left out; the others go on.

import { makeJob, crossCheck } from './job.mjs';
import { measureInterleaved } from './measure.mjs';

const engines = [];
let prepared = [];

const failure = (name, error) => ({ name, message: String(error?.message ?? error), stack: String(error?.stack ?? error) });

/**
 * Starts the named engines (engines/<name>.mjs, imported only now, so that an engine whose
 * files do not load fails alone); returns what each one runs and which could not start.
 */
async function start({ names, ortThreads }) {
  // ORT starts its wasm module and pool with a first session: the smallest layer's.
  const settings = { ortThreads, probeModel: makeJob('tiny').onnx.model };
  const errors = [];
  for (const name of names) {
    try {
      const { start: startEngine } = await import(`./engines/${name}.mjs`);
      engines.push({ name, ...(await startEngine(settings)) });
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
async function prepare({ layer, tolerance }) {
  const job = makeJob(layer);
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

function release() {
  for (const p of prepared) p.dispose();
  prepared = [];
}

window.bench = { start, prepare, measure, release };
