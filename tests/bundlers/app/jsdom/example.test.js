// Jest with the jsdom environment (a document, no workers) requires the package's browser build.
const { separableConv2d, getBackendInfo } = require('sepconv-wasm');

test('the README example computes under jsdom, on one thread', async () => {
  expect(typeof document).toBe('object');
  const y = await separableConv2d(
    { data: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), shape: [1, 3, 3, 1] },
    { data: Float32Array.of(1, 0, 0, 1), shape: [2, 2, 1, 1] },
    { data: Float32Array.of(2, 0.5), shape: [1, 1, 1, 2] },
    { strides: 1, padding: 'VALID' });
  expect({ shape: y.shape, data: Array.from(y.data) }).toEqual({ shape: [1, 2, 2, 2], data: [12, 3, 16, 4, 24, 6, 28, 7] });
  expect(getBackendInfo()).toMatchObject({ variant: 'simd', threads: 1 });
});
