'use strict';

// How a computation runs on the calling thread, once its input is in wasm memory
// (HeapLayer.run's `compute`). Each gets the operator, its buffers' addresses and `result`:
// { allocate() (a new Float32Array for the result, a Promise of one on a page, or null when the
// result stays in wasm memory), length, copy(array, from, to) (floats [from, to) of the result out
// of wasm memory) }, and returns the filled array (or null), synchronously or as a Promise.
//
// Where the thread may block (Node.js, a worker): start the pool, copy the input in while it
// starts on the first rows, make the result array, join, copy out. On a browser page's main
// thread, which must never block for long:
// - with threads, the pool's workers do all the work while the page copies the input in and
//   then waits for the pool's job counter without blocking (Atomics.waitAsync): one copy in, one
//   copy out, one wake-up;
// - without threads, the page computes itself, in slices of output rows (of channel blocks, for
//   the backward pass) of about 0.5 ms, yielding to the page's other tasks in between;
// - a call too small to be worth a wake-up or a slice runs at once, in well under a millisecond;
// - the result is copied out in pieces, yielding between them: a 3.2 MB copy took 1-2 ms in one
//   go in a Chromium trace. (The input is copied in at once, by the call itself, so that the call
//   computes on the values it was given.)

const { SeparableConv2dError } = require('./errors');

// Steps of the pool's job (tiles of rows) the calling thread runs between two looks for finished
// rows to copy out: with one, batch8's calls took 4% longer (more, smaller copies).
const HELP_STEPS = 4;

/**
 * Blocking: the calling thread starts the pool, copies the input in while it computes the first
 * rows (copyIn, if given), allocates, and helps finish. Where the operator flags finished rows
 * (rowsFinished), the caller helps a few steps at a time and copies out the rows finished meanwhile
 * (its own, still in its cache, and the others'), so that little is left to copy after join().
 */
function computeBlocking(op, { input, packed, output, workspace, rowsFinished = 0 }, result, copyIn) {
  // join() must come before the block is freed, whatever happens here.
  op.start(input, packed, output, workspace, Boolean(copyIn), rowsFinished);
  let array;
  try {
    if (copyIn) copyIn();
    array = result.allocate();
    if (array && rowsFinished) while (op.help(HELP_STEPS) > 0) result.copyFinished(array);
  } finally {
    op.join();
  }
  if (array && rowsFinished) result.copyFinished(array, true);
  else if (array) result.copy(array, 0, result.length);
  return array;
}

// Below this many multiply-adds (about 80 us on one thread) a call runs at once on the page.
const IMMEDIATE_MACS = 2 ** 21;
// A slice's target duration on a page's main thread: well under the 2 ms a page may be blocked.
const SLICE_MS = 0.5;
// A page copies its result out of wasm memory in pieces of 1 MiB, and yields between two once the
// task has copied for SLICE_MS: 3.2 MB into pages already mapped takes 0.1-0.15 ms here, and a
// yield after every piece made that 0.2-0.3 ms; into pages not yet mapped a piece can take 4 ms.
const COPY_FLOATS_PER_PIECE = 2 ** 18;
// How fast one thread computes an operator before anything is measured (multiply-adds per ms):
// low, so that the first slice is short even on the baseline build.
const FIRST_GUESS_MACS_PER_MS = 1e6;
// Each operator's measured speed. Per operator, since layers differ: a speed learned on one
// layer made another's slices ten times too long in a trace (mult2_dil2 after stride2).
const speeds = new WeakMap();

const macsPerRow = (p) => p.outW * p.inC * p.multiplier * (p.kH * p.kW + p.outC);

// One channel for every yield, its messages answered in order. A MessageChannel per yield left
// thousands of ports behind, and Blink's sweeping of them later blocked the page for up to 8 ms
// in one task (measured in a Chromium trace).
let yieldChannel = null;
const yielded = [];

/**
 * Lets the page's other tasks run: the rest of the call waits behind them as a message task.
 * (scheduler.yield() would put it ahead of them, and a timer is clamped to 4 ms when nested.)
 */
function yieldToPage() {
  // jsdom has no MessageChannel: a timer, there, is as good.
  if (typeof MessageChannel !== 'function') return new Promise((resolve) => setTimeout(resolve, 0));
  if (!yieldChannel) {
    yieldChannel = new MessageChannel();
    const { port1 } = yieldChannel;
    port1.onmessage = () => {
      yielded.shift()();
      // In Node.js (a test under jsdom), an idle port must not keep the process alive.
      if (yielded.length === 0 && port1.unref) port1.unref();
    };
  }
  if (yieldChannel.port1.ref) yieldChannel.port1.ref();
  return new Promise((resolve) => {
    yielded.push(resolve);
    yieldChannel.port2.postMessage(null);
  });
}

const disposedError = () => new SeparableConv2dError('DISPOSED', 'dispose() was called while this call was running');

/**
 * Resolves when the Int32 at `index` of the module's memory differs from `value`. Wakes up now
 * and then to notice a dispose(), after which the pool never finishes.
 */
async function changed(backend, index, value) {
  for (;;) {
    const heap = backend.module.HEAP32;
    if (Atomics.load(heap, index) !== value) return;
    if (backend.disposed) throw disposedError();
    if (typeof Atomics.waitAsync === 'function') {
      const waiting = Atomics.waitAsync(heap, index, value, 100);
      if (waiting.async) await waiting.value;
    } else {
      await yieldToPage();
    }
  }
}

/**
 * The page's computations, one at a time (the pool runs one job, and a layer's operator serves
 * one input shape at a time). `exclusive(fn)` runs fn at once if none is running, else after the
 * ones before it have settled; `afterCurrent(fn)` runs fn (a free) once those started so far have.
 */
function pageQueue() {
  let tail = Promise.resolve();
  let pending = 0;
  const settled = () => { pending -= 1; };
  return {
    get busy() {
      return pending > 0;
    },
    exclusive(fn) {
      const next = () => fn();
      const result = pending === 0 ? new Promise((resolve) => resolve(next())) : tail.then(next, next);
      pending += 1;
      tail = result.then(settled, settled);
      return result;
    },
    afterCurrent(fn) {
      if (pending === 0) fn();
      else tail = tail.then(fn);
    },
  };
}

/**
 * The speed after a slice of `macs` that took `ms`, from the speed before. A plain page's clock
 * ticks in 100 us: a slice too short to time says only that the speed is at least macs / (ms + a tick).
 */
function learnSpeed(before, macs, ms) {
  return ms >= 0.3 ? macs / ms : Math.max(before, macs / (ms + 0.1));
}

/**
 * A job in the page's pool: started, awaited without blocking (the pool's job counter), joined.
 * during(), if given, runs on the page while the workers compute.
 */
async function pooledJob(backend, start, join, during) {
  const { module } = backend;
  const index = module.jobsDoneAddress() / 4;
  const before = Atomics.load(module.HEAP32, index);
  start();
  try {
    if (during) during();
  } finally {
    // Even after an error in during(): the job's memory is freed only once the workers are done.
    await changed(backend, index, before);
    join();  // the job is done: this returns at once
  }
}

/**
 * The backward pass's computation (HeapLayer.backward's `job`). `work`: { op (the operator),
 * start() (sets the pool going), join() (completes it), and for slices on a page: runBlocks(size,
 * first, end) (channel blocks [first, end) of `size` channels on this thread), unit and maxBlock
 * (the block sizes allowed: multiples of unit up to maxBlock), channels (C*M), macsPerChannel }.
 * `results` are result descriptions as above, one per gradient wanted; returns their filled arrays.
 * Blocking: as computeBlocking.
 */
function jobBlocking(work, results) {
  work.start();
  let arrays;
  try {
    arrays = results.map((result) => result.allocate());
  } finally {
    work.join();
  }
  arrays.forEach((array, i) => { if (array) results[i].copy(array, 0, results[i].length); });
  return arrays;
}

/**
 * The same on a page's main thread: in the pool where there is one (unless small); else in
 * slices of channel blocks (inSlices), as computeRowsOnPage's of rows. A call's blocks all have
 * one size (the operator's blocks start at multiples of it), chosen from the operator's speed so far.
 */
function jobOnPage(backend) {
  return async (work, results) => {
    const arrays = results.map((result) => result.allocate());
    // As the forward pass: a small call runs on the page at once, rather than waking the pool.
    if (backend.pooled && work.channels * work.macsPerChannel >= IMMEDIATE_MACS) await pooledJob(backend, work.start, work.join);
    else await blocksOnPage(backend, work);
    const filled = await Promise.all(arrays);
    for (let i = 0; i < results.length; i += 1) if (filled[i]) await copyOutOnPage(backend, results[i], filled[i]);
    return filled;
  };
}

async function blocksOnPage(backend, { op, runBlocks, unit, maxBlock, channels, macsPerChannel }) {
  const fits = Math.floor((SLICE_MS * (speeds.get(op) || FIRST_GUESS_MACS_PER_MS)) / (macsPerChannel * unit)) * unit;
  const size = Math.max(unit, Math.min(maxBlock, fits));
  await inSlices(backend, op, {
    units: Math.ceil(channels / size),
    macs: (first, end) => (Math.min(end * size, channels) - first * size) * macsPerChannel,
    perSlice: () => 1,
    run: (first, end) => runBlocks(size, first, end),
  });
}

/**
 * Runs step() on the page's thread while left() says work is left, yielding to the page between
 * two steps once the task has run for `budgetMs`, and stopping there after a dispose().
 */
async function stepsInTasks(backend, budgetMs, left, step) {
  let taskStart = performance.now();
  while (left()) {
    step();
    if (left() && performance.now() - taskStart >= budgetMs) {
      await yieldToPage();
      if (backend.disposed) throw disposedError();
      taskStart = performance.now();
    }
  }
}

/**
 * Runs `units` units on the page's thread in slices of about SLICE_MS, yielding between them, at
 * the operator's speed learned so far: run(first, end) computes units [first, end), of macs(first,
 * end) multiply-adds; perSlice(macsPerMs) is how many units the next slice takes.
 */
async function inSlices(backend, op, { units, macs, perSlice, run }) {
  let macsPerMs = speeds.get(op) || FIRST_GUESS_MACS_PER_MS;
  // The checks and the copy in took part of this task already: a call of more than one slice
  // starts them in a task of its own.
  if (macs(0, units) > SLICE_MS * macsPerMs) await yieldToPage();
  if (backend.disposed) throw disposedError();
  let first = 0;
  // A slice of about SLICE_MS: yield after each but the shortest.
  await stepsInTasks(backend, SLICE_MS / 2, () => first < units, () => {
    const end = Math.min(units, first + perSlice(macsPerMs));
    const t0 = performance.now();
    run(first, end);
    macsPerMs = learnSpeed(macsPerMs, macs(first, end), performance.now() - t0);
    speeds.set(op, macsPerMs);
    first = end;
  });
}

/** Copies the result out in pieces, yielding to the page once a task has copied for SLICE_MS. */
function copyOutOnPage(backend, result, array) {
  let from = 0;
  return stepsInTasks(backend, SLICE_MS, () => from < result.length, () => {
    const to = Math.min(result.length, from + COPY_FLOATS_PER_PIECE);
    result.copy(array, from, to);
    from = to;
  });
}

/**
 * The computation on a page's main thread (see the top of this file). `backend` is the loaded
 * backend: { module, pooled (threads computing in the pool), disposed }.
 */
function computeOnPage(backend, params) {
  return async (op, addresses, result, copyIn) => {
    const array = result.allocate();  // it may come from another thread meanwhile
    await computeRowsOnPage(backend, params, op, addresses, copyIn);
    const filled = await array;
    if (filled) await copyOutOnPage(backend, result, filled);
    return filled;
  };
}

/**
 * The operator's computation on a page, in the pool (copying the input in while the workers start
 * on it) or in slices (see the top of this file). Either way the input is in before this yields.
 */
async function computeRowsOnPage(backend, params, op, { input, packed, output, workspace }, copyIn) {
  const rows = op.rows();
  const perRow = macsPerRow(params);
  if (backend.pooled && rows * perRow >= IMMEDIATE_MACS) {
    await pooledJob(backend, () => op.start(input, packed, output, workspace, Boolean(copyIn), 0), () => op.join(), copyIn);
    return;
  }
  if (copyIn) copyIn();
  await inSlices(backend, op, {
    units: rows,
    macs: (first, end) => (end - first) * perRow,
    perSlice: (macsPerMs) => Math.max(1, Math.floor((SLICE_MS * macsPerMs) / perRow)),
    run: (first, end) => op.runSlice(input, packed, output, workspace, first, end),
  });
}

module.exports = {
  computeBlocking, computeOnPage, jobBlocking, jobOnPage, pageQueue,
};
