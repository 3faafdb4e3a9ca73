'use strict';
// layer.run / runSync with { output }: the caller's Float32Array is filled and returned, with
// the same values as an allocating call, across shapes and layouts; a wrong buffer is refused
// before anything is written.

const {
  createSeparableConv2d, SeparableConv2dError, dispose,
} = require('../../js/index.js');
const { drawConfig, drawInputShapes } = require('./random');
const { tensorsFor, apiOptions, withInputShape, inputFor, expectedOutputShape } = require('./config');

afterAll(() => dispose());

const sameBits = (a, b) => a.length === b.length &&
  Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

test('output buffers get exactly the values of an allocating call (60 layers, 2-3 shapes each)', async () => {
  for (let seed = 31000; seed < 31060; seed++) {
    const cfg = drawConfig(seed);
    const { depthwise, pointwise } = tensorsFor(cfg);
    const layer = await createSeparableConv2d(depthwise, pointwise, apiOptions(cfg));
    for (const [v, shape] of drawInputShapes(cfg, 3).entries()) {
      const variant = withInputShape(cfg, shape);
      const x = inputFor(variant, v);
      const outputShape = expectedOutputShape(variant);
      const output = new Float32Array(outputShape.reduce((a, b) => a * b, 1)).fill(NaN);
      const y = seed % 2 ? layer.runSync(x, { output }) : await layer.run(x, { output });
      expect(y.data).toBe(output);
      expect(y.shape).toEqual(outputShape);
      const fresh = layer.runSync(x);
      if (!sameBits(output, fresh.data)) throw new Error(`seed ${seed}, input ${JSON.stringify(x.shape)}: output buffer differs`);
    }
    layer.dispose();
  }
});

describe('a wrong output buffer is refused and left untouched', () => {
  const x = { data: new Float32Array(16).fill(1), shape: [1, 4, 4, 1] };
  const cases = [
    ['too short', () => new Float32Array(31)],
    ['too long', () => new Float32Array(33)],
    ['a Float64Array', () => new Float64Array(32)],
    ['a plain array', () => new Array(32).fill(0)],
    ['not an object', () => 'buffer'],
  ];
  test.each(cases)('%s', async (_, make) => {
    const layer = await createSeparableConv2d(
      { data: new Float32Array(9).fill(1), shape: [3, 3, 1, 1] },
      { data: new Float32Array(2).fill(1), shape: [1, 1, 1, 2] },
      { strides: 1, padding: 'SAME', name: 'out-test' },
    );
    const output = make();
    const before = typeof output === 'object' ? Array.from(output) : output;
    expect(() => layer.runSync(x, { output })).toThrow(SeparableConv2dError);
    try {
      layer.runSync(x, { output });
    } catch (error) {
      expect(error.code).toBe('BAD_TENSOR');
      expect(error.message).toMatch(/out-test: output must be a Float32Array of 32 elements for output shape \[1,4,4,2\]/);
    }
    expect(typeof output === 'object' ? Array.from(output) : output).toEqual(before);
    expect(layer.runSync(x).data[0]).toBe(4);  // still works: a corner sums 2x2 ones
    layer.dispose();
  });

  test('run options that are not an object', async () => {
    const layer = await createSeparableConv2d(
      { data: new Float32Array(1), shape: [1, 1, 1, 1] }, { data: new Float32Array(1), shape: [1, 1, 1, 1] },
      { strides: 1, padding: 'VALID' },
    );
    await expect(layer.run({ data: new Float32Array(1), shape: [1, 1, 1, 1] }, 42)).rejects.toMatchObject({ code: 'BAD_OPTIONS' });
    layer.dispose();
  });
});
