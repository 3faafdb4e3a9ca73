'use strict';
// How a plain page computes without blocking (js/compute.js, computeOnPage): in slices of output
// rows, yielding to the page's other tasks between them. Here the operators are fakes that
// compute at a known speed on a fake clock, so the time each of the page's tasks would take is
// exact: every row is computed once, in order, and no task between two yields takes more than
// about a slice (0.5 ms), even when calls alternate between layers of very different speeds.
// The result is then copied out of wasm memory in pieces, with the page's tasks between them
// once a task has copied for about a slice.

const { computeOnPage } = require('../../js/compute');

let now = 0;
let sinceYield = 0;  // fake ms computed in the current task of the page
let yields = 0;

// The page's message channel: each message is a task of its own, after the page's other tasks
// (Node.js's own channel would deliver a port's messages in one batch).
class PageChannel {
  constructor() {
    const port1 = { onmessage: null };
    this.port1 = port1;
    this.port2 = {
      postMessage: (data) => setImmediate(() => {
        sinceYield = 0;
        yields += 1;
        port1.onmessage({ data });
      }),
    };
  }
}

beforeAll(() => {
  global.MessageChannel = PageChannel;
});

beforeEach(() => {
  now = 0;
  jest.spyOn(performance, 'now').mockImplementation(() => now);
});

afterEach(() => {
  jest.restoreAllMocks();
});

// 10 * 10 * 1 * (3 * 3 + 91) = 10,000 multiply-adds per output row.
const PARAMS = { outW: 10, inC: 10, multiplier: 1, kH: 3, kW: 3, outC: 91 };
const MACS_PER_ROW = 10000;

/** A fake operator of `rows` rows computing `macsPerMs`; records its slices and the longest task. */
function fakeOp(rows, macsPerMs) {
  const op = {
    slices: [],
    longestTaskMs: 0,
    rows: () => rows,
    runSlice(input, packed, output, workspace, from, to) {
      const ms = ((to - from) * MACS_PER_ROW) / macsPerMs;
      now += ms;
      sinceYield += ms;
      op.longestTaskMs = Math.max(op.longestTaskMs, sinceYield);
      op.slices.push([from, to]);
    },
  };
  return op;
}

const backend = () => ({ module: {}, pooled: false, disposed: false });

async function call(op) {
  sinceYield = 0;  // the call starts in a task of its own
  const result = await computeOnPage(backend(), PARAMS)(op, {}, { allocate: () => 'the result', length: 0, copy() {} });
  expect(result).toBe('the result');
  const covered = op.slices.map(([from, to], i) => from === (i === 0 ? 0 : op.slices[i - 1][1]) && to > from);
  expect(covered.every(Boolean)).toBe(true);
  expect(op.slices[op.slices.length - 1][1]).toBe(op.rows());
  return op;
}

test('a long call is computed in slices, none of which keeps the page busy for more than a slice or so', async () => {
  const first = await call(fakeOp(20000, 1e7));  // 20 ms of work
  expect(first.slices.length).toBeGreaterThan(20);
  expect(first.longestTaskMs).toBeLessThanOrEqual(1);
  // The next call of the same operator starts at the speed learned: slices of about 0.5 ms.
  const again = await call(Object.assign(first, { slices: [], longestTaskMs: 0 }));
  expect(again.longestTaskMs).toBeLessThanOrEqual(1);
  expect(again.slices.length).toBeLessThanOrEqual(60);
});

test('calls alternating between a fast and a slow layer: each layer\'s slices fit its own speed', async () => {
  // Ten times apart per multiply-add, as the bench layers can be; the slower one still above the
  // first guess of a speed (1e6 per ms: slower than the baseline build).
  const fast = fakeOp(40000, 2e7);
  const slow = fakeOp(4000, 2e6);
  for (let i = 0; i < 3; i += 1) {
    for (const op of [fast, slow]) {
      Object.assign(op, { slices: [], longestTaskMs: 0 });
      await call(op);
      expect(op.longestTaskMs).toBeLessThanOrEqual(1);
    }
  }
});

test('a call smaller than one slice computes at once, without a yield', async () => {
  const op = fakeOp(4, 1e7);
  await call(op);
  await call(Object.assign(op, { slices: [] }));
  expect(op.slices).toEqual([[0, 4]]);
});

/** A result of `length` floats whose copy takes `msPerPiece` of the fake clock per call; records its pieces. */
function timedResult(length, msPerPiece) {
  const pieces = [];
  let longestTaskMs = 0;
  return {
    pieces,
    get longestTaskMs() { return longestTaskMs; },
    allocate: () => Promise.resolve('the array'),  // as from the page's result worker
    length,
    copy(array, from, to) {
      expect(array).toBe('the array');
      now += msPerPiece;
      sinceYield += msPerPiece;
      longestTaskMs = Math.max(longestTaskMs, sinceYield);
      pieces.push({ from, to, yieldsBefore: yields });
    },
  };
}

const FOUR_MIB_PIECES = [[0, 2 ** 18], [2 ** 18, 2 ** 19], [2 ** 19, 3 * 2 ** 18], [3 * 2 ** 18, 2 ** 20], [2 ** 20, 2 ** 20 + 5]];

test('a slow copy out is made in pieces of 1 MiB, yielding once a task has copied for a slice, each float once', async () => {
  const result = timedResult(2 ** 20 + 5, 0.3);  // 4 MiB and a little, 0.3 ms per piece
  expect(await computeOnPage(backend(), PARAMS)(fakeOp(4, 1e7), {}, result)).toBe('the array');
  expect(result.pieces.map(({ from, to }) => [from, to])).toEqual(FOUR_MIB_PIECES);
  // Two pieces a task: the second ends the slice.
  expect(result.pieces.map((piece) => piece.yieldsBefore - result.pieces[0].yieldsBefore)).toEqual([0, 0, 1, 1, 2]);
  expect(result.longestTaskMs).toBeLessThan(0.5 + 0.3);  // a slice, and the piece that ended it
});

test('a fast copy out is made in one task', async () => {
  const result = timedResult(2 ** 20 + 5, 0.03);
  await computeOnPage(backend(), PARAMS)(fakeOp(4, 1e7), {}, result);
  expect(result.pieces.map(({ from, to }) => [from, to])).toEqual(FOUR_MIB_PIECES);
  expect(new Set(result.pieces.map((piece) => piece.yieldsBefore)).size).toBe(1);
});

test('a page disposed between two pieces of the copy: the call rejects with DISPOSED', async () => {
  const page = backend();
  const result = {
    allocate: () => 'the array',
    length: 2 ** 19,
    copy() {
      now += 1;  // a slow piece: the next one is in another task
      page.disposed = true;  // dispose() ran in the task before the next piece
    },
  };
  await expect(computeOnPage(page, PARAMS)(fakeOp(4, 1e7), {}, result)).rejects.toMatchObject({ code: 'DISPOSED' });
});

/**
 * A fake backward pass of `channels` channels, blocks of multiples of `unit` up to `maxBlock`,
 * computing `macsPerMs`; records its blocks and the longest task.
 */
function fakeBackward(channels, unit, maxBlock, macsPerMs) {
  const work = {
    op: {},
    blocks: [],
    longestTaskMs: 0,
    unit,
    maxBlock,
    channels,
    macsPerChannel: MACS_PER_ROW,
    start() { throw new Error('a plain page has no pool'); },
    join() { throw new Error('a plain page has no pool'); },
    runBlocks(size, first, end) {
      const ms = (Math.min(end * size, channels) - first * size) * MACS_PER_ROW / macsPerMs;
      now += ms;
      sinceYield += ms;
      work.longestTaskMs = Math.max(work.longestTaskMs, sinceYield);
      work.blocks.push({ size, first, end });
    },
  };
  return work;
}

test('the backward pass on a plain page: blocks of one size per call, every channel once, a slice or so per task', async () => {
  const { jobOnPage } = require('../../js/compute');
  const run = async (work) => {
    Object.assign(work, { blocks: [], longestTaskMs: 0 });
    sinceYield = 0;
    const arrays = await jobOnPage(backend())(work, [{ allocate: () => 'dx', length: 0, copy() {} }]);
    expect(arrays).toEqual(['dx']);
    const sizes = new Set(work.blocks.map((b) => b.size));
    expect(sizes.size).toBe(1);
    const [size] = sizes;
    expect(size % work.unit === 0 && size <= work.maxBlock).toBe(true);
    expect(work.blocks.map((b) => [b.first, b.end])).toEqual(
      Array.from({ length: Math.ceil(work.channels / size) }, (_, i) => [i, i + 1]));
    return size;
  };
  // 10,000 multiply-adds per channel. Fast (1e7 per ms): after the first call, the largest blocks.
  const fast = fakeBackward(1000, 8, 64, 1e7);
  expect(await run(fast)).toBe(48);  // the first guess of a speed (1e6 per ms): 0.5 ms = 50 channels
  expect(await run(fast)).toBe(64);
  expect(fast.longestTaskMs).toBeLessThanOrEqual(1);
  // Slow (2e5 per ms): the first call's blocks take 2.4 ms each; then blocks of 8 channels (0.4 ms).
  const slow = fakeBackward(200, 8, 64, 2e5);
  await run(slow);
  expect(await run(slow)).toBe(8);
  expect(slow.longestTaskMs).toBeLessThanOrEqual(1);
});

test('on an isolated page a small backward call runs on the page at once, a large one in the pool', async () => {
  const { jobOnPage } = require('../../js/compute');
  const small = fakeBackward(16, 8, 64, 1e7);  // 160,000 multiply-adds: start() would throw
  const pooled = { ...backend(), pooled: true };
  await jobOnPage(pooled)(small, []);
  expect(small.blocks.length).toBeGreaterThan(0);
  // 10 million: the pool's. A fake pool whose job is done as soon as it starts.
  const heap = new Int32Array(new SharedArrayBuffer(8));
  const withPool = { ...pooled, module: { jobsDoneAddress: () => 4, HEAP32: heap } };
  const large = Object.assign(fakeBackward(1000, 8, 64, 1e7), {
    start: () => { large.started = true; Atomics.add(heap, 1, 1); },
    join: () => { large.joined = true; },
  });
  await jobOnPage(withPool)(large, []);
  expect(large).toMatchObject({ started: true, joined: true, blocks: [] });
});
