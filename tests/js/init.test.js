'use strict';
// init(): loads once, shares the load between callers, refuses a different thread count until
// dispose(), and reports what it loaded.

const { init, getBackendInfo, getMemoryInfo, dispose, separableConv2d } = require('../../js/index.js');

afterEach(() => dispose());

test('before init, getBackendInfo and getMemoryInfo are null', () => {
  expect(getBackendInfo()).toBeNull();
  expect(getMemoryInfo()).toBeNull();
});

test('concurrent init calls share one load; a different thread count is refused even mid-load', async () => {
  const first = init({ threads: 2 });
  const same = init({ threads: 2 });
  const unspecified = init();
  await expect(init({ threads: 1 })).rejects.toMatchObject({ code: 'BAD_OPTIONS', message: expect.stringMatching(/already started with 2 threads.*dispose\(\)/) });
  await Promise.all([first, same, unspecified]);
  expect(getBackendInfo()).toMatchObject({ threads: 2 });
  await expect(init({ threads: 3 })).rejects.toMatchObject({ code: 'BAD_OPTIONS' });
});

test('after dispose(), init takes a new thread count', async () => {
  await init({ threads: 2 });
  dispose();
  expect(getBackendInfo()).toBeNull();
  await init({ threads: 1 });
  expect(getBackendInfo()).toMatchObject({ threads: 1 });
  const y = await separableConv2d(
    { data: Float32Array.of(1, 2, 3, 4), shape: [1, 2, 2, 1] },
    { data: Float32Array.of(2), shape: [1, 1, 1, 1] },
    { data: Float32Array.of(1), shape: [1, 1, 1, 1] },
    { strides: 1, padding: 'VALID' },
  );
  expect(Array.from(y.data)).toEqual([2, 4, 6, 8]);
});

test.each([0, -1, 1.5, 65, NaN, '2'])('init({ threads: %p }) is refused with BAD_OPTIONS', async (threads) => {
  await expect(init({ threads })).rejects.toMatchObject({ code: 'BAD_OPTIONS', message: expect.stringMatching(/threads/) });
});

// The reliability issue's round two: calls in flight when dispose() comes reject with DISPOSED,
// whether the module was loading or loaded, and also when init() follows at once.
test.each([
  ['while loading', false, false],
  ['once loaded', true, false],
  ['once loaded, init() again at once', true, true],
])('dispose() with calls in flight (%s): each rejects with DISPOSED', async (_, loadedFirst, initAgain) => {
  if (loadedFirst) await init();
  const t = { data: Float32Array.of(1), shape: [1, 1, 1, 1] };
  const calls = [
    separableConv2d(t, t, t, { strides: 1, padding: 'VALID' }),
    require('../../js/index.js').createSeparableConv2d(t, t, { strides: 1, padding: 'VALID' }),
    require('../../js/index.js').createWasmTensor([1, 1, 1, 1]),
  ];
  dispose();
  const again = initAgain ? init() : null;
  for (const call of calls) await expect(call).rejects.toMatchObject({ name: 'SeparableConv2dError', code: 'DISPOSED' });
  if (again) await again;  // the new load is not disturbed
});
