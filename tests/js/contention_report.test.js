'use strict';
// The contention benchmarks' sampling order (bench/call_samples.js: every way follows every other
// as often, since a way's leftovers fall on the next) and summary over runs
// (bench/contention_report.js): each time is its median over the runs, and each ratio the median
// of the runs' own ratios, since a run's ways take turns in the same seconds and runs minutes
// apart see different loads.

const { medianRows, contentionTable } = require('../../bench/contention_report');
const { orders } = require('../../bench/call_samples');

test.each([1, 2, 3, 4])('the rounds of %i ways: every order once, and each way right after each other as often', (n) => {
  const all = orders(n);
  const factorial = (k) => (k <= 1 ? 1 : k * factorial(k - 1));
  expect(all).toHaveLength(factorial(n));
  expect(new Set(all.map((order) => order.join())).size).toBe(all.length);
  for (const order of all) expect([...order].sort()).toEqual([...Array(n).keys()]);
  const follows = new Map();
  for (const order of all) {
    for (let k = 1; k < n; k += 1) {
      const pair = `${order[k - 1]}>${order[k]}`;
      follows.set(pair, (follows.get(pair) || 0) + 1);
    }
  }
  expect(follows.size).toBe(n * (n - 1));
  expect(new Set(follows.values()).size).toBeLessThanOrEqual(1);
});

/** One run's row: idle [1t, default] p50s; busy [1t, default] as [p50, p75]. */
const row = (idle, busy) => ({
  name: 'mbv1_a',
  mflop: 58.6,
  idle: idle.map((p50) => ({ p50 })),
  busy: busy.map(([p50, p75]) => ({ p50, p75 })),
});

test('over runs, the ratios are the medians of each run\'s ratios, not ratios of the medians', () => {
  // mbv1_a on WasmTensors, three runs (2026-11-30): 1.66x, 2.16x and 1.90x idle.
  const runs = [
    [row([1.556, 0.936], [[2.113, 2.194], [2.102, 2.180]])],
    [row([2.142, 0.993], [[1.996, 2.125], [1.604, 1.997]])],
    [row([1.510, 0.796], [[1.524, 1.565], [1.551, 1.592]])],
  ];
  const [summary] = medianRows(runs);
  expect(summary.idle.map((way) => way.p50)).toEqual([1.556, 0.936]);
  expect(summary.busy.map((way) => way.p75)).toEqual([2.125, 1.997]);
  expect(summary.ratios.idle).toBeCloseTo(1.510 / 0.796, 12);  // the middle run's, 1.90x (1.556 / 0.936 = 1.66x)
  expect(summary.ratios.busyP50).toBeCloseTo(2.102 / 2.113, 12);
  expect(summary.ratios.busyP75).toBeCloseTo(2.180 / 2.194, 12);
  const line = contentionTable([summary], 2).split('\n')[2];
  expect(line).toBe('| mbv1_a | 58.6 | 1.556 | 0.936 | 1.90x | 1.996 / 2.125 | 1.604 / 1.997 | 0.99 / 0.99 |');
});

test('one run\'s table gives its own ratios', () => {
  const line = contentionTable([row([2, 1], [[2, 3], [2.2, 3]])], 2).split('\n')[2];
  expect(line).toBe('| mbv1_a | 58.6 | 2.000 | 1.000 | 2.00x | 2.000 / 3.000 | 2.200 / 3.000 | 1.10 / 1.00 |');
});
