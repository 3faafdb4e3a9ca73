// The README's example: resolves to { shape, data, backend } or { error } (code and message),
// plain data for a test to read.
export async function example({ separableConv2d, getBackendInfo }) {
  const x = { data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), shape: [1, 3, 3, 1] };
  const depthwise = { data: Float32Array.from([1, 0, 0, 1]), shape: [2, 2, 1, 1] };
  const pointwise = { data: Float32Array.from([2, 0.5]), shape: [1, 1, 1, 2] };
  try {
    const y = await separableConv2d(x, depthwise, pointwise, { strides: 1, padding: 'VALID' });
    return { shape: y.shape, data: Array.from(y.data), backend: getBackendInfo() };
  } catch (error) {
    return { error: `${error.code}: ${error.message}` };
  }
}
