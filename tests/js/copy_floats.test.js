'use strict';
// Copies between callers' arrays and wasm memory (js/copy_floats.js) give the same floats at any
// alignment: arrays that start 4 bytes past an 8-byte boundary go through small buffers, in
// pieces, and must land exactly where a plain set() would put them.

const vm = require('vm');
const { copyFloats, isShared } = require('../../js/copy_floats');
const {
  createSeparableConv2d, createWasmTensor, dispose,
} = require('../../js/index.js');

afterAll(() => dispose());

const storage = (shared, floats) => new Float32Array(shared ? new SharedArrayBuffer(4 * floats) : new ArrayBuffer(4 * floats));
const sameBits = (a, b) => a.length === b.length &&
  Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

describe('copyFloats puts every float where set() would', () => {
  // More than one 16384-float piece, and an odd remainder.
  const LENGTH = 40001;
  for (const sharedTarget of [false, true]) {
    for (const sharedSource of [false, true]) {
      test(`${sharedSource ? 'shared' : 'unshared'} into ${sharedTarget ? 'shared' : 'unshared'}, at every offset`, () => {
        for (let sourceOffset = 0; sourceOffset < 3; sourceOffset += 1) {
          for (let at = 0; at < 3; at += 1) {
            const source = storage(sharedSource, LENGTH + 3).subarray(sourceOffset, sourceOffset + LENGTH);
            for (let i = 0; i < LENGTH; i += 1) source[i] = i * 0.5 - 7;
            const target = storage(sharedTarget, LENGTH + 6).fill(-1);
            const expected = new Float32Array(LENGTH + 6).fill(-1);
            expected.set(source, at);
            copyFloats(target, at, source);
            if (!sameBits(target, expected)) throw new Error(`source offset ${sourceOffset}, at ${at}: floats differ`);
          }
        }
      });
    }
  }
});

test('arrays on shared memory of another realm are taken as shared', () => {
  // Taken as unshared, such an array out of phase with wasm memory would be copied byte by byte.
  const foreign = vm.runInNewContext('new Float32Array(new SharedArrayBuffer(64)).subarray(1)');
  expect(foreign instanceof Float32Array).toBe(false);
  expect(isShared(foreign)).toBe(true);
  expect(isShared(vm.runInNewContext('new Float32Array(16)'))).toBe(false);
  expect(isShared(new Float32Array(new SharedArrayBuffer(64)))).toBe(true);
  expect(isShared(new Float32Array(16))).toBe(false);
  const target = new Float32Array(new SharedArrayBuffer(4 * 40000));
  const source = vm.runInNewContext('new Float32Array(new SharedArrayBuffer(4 * 40001)).subarray(1)');
  for (let i = 0; i < source.length; i += 1) source[i] = i - 0.25;
  copyFloats(target, 0, source);
  expect(target.every((v, i) => v === i - 0.25)).toBe(true);
});

describe('a layer reads and writes arrays that start 4 bytes past an 8-byte boundary', () => {
  // 3 * 40 * 40 * 16 floats of input and of output: more than a band (256 KiB), so the input
  // arrives in bands and the rows are copied out as they finish.
  const shape = [3, 40, 40, 16];
  const floats = shape.reduce((a, b) => a * b, 1);
  const depthwise = { data: Float32Array.from({ length: 3 * 3 * 16 }, (_, i) => Math.sin(i)), shape: [3, 3, 16, 1] };
  const pointwise = { data: Float32Array.from({ length: 16 * 16 }, (_, i) => Math.cos(i)), shape: [1, 1, 16, 16] };
  const aligned = Float32Array.from({ length: floats }, (_, i) => Math.sin(i * 0.37));
  const shifted = new Float32Array(floats + 1).subarray(1);
  shifted.set(aligned);

  test('input and output', async () => {
    const layer = await createSeparableConv2d(depthwise, pointwise, { strides: [1, 1, 1, 1], padding: 'SAME' });
    const expected = layer.runSync({ data: aligned, shape }).data;
    const fresh = layer.runSync({ data: shifted, shape }).data;
    expect(sameBits(fresh, expected)).toBe(true);
    for (const run of [(x, output) => layer.runSync(x, { output }), (x, output) => layer.run(x, { output })]) {
      const output = new Float32Array(expected.length + 1).fill(NaN).subarray(1);
      const y = await run({ data: shifted, shape }, output);
      expect(y.data).toBe(output);
      expect(sameBits(output, expected)).toBe(true);
    }
    layer.dispose();
  });

  test('arrays on a SharedArrayBuffer of their own (another wasm module\'s memory, say)', async () => {
    const layer = await createSeparableConv2d(depthwise, pointwise, { strides: [1, 1, 1, 1], padding: 'SAME' });
    const expected = layer.runSync({ data: aligned, shape }).data;
    const x = storage(true, floats + 1).subarray(1);
    x.set(aligned);
    const output = storage(true, expected.length + 1).subarray(1);
    layer.runSync({ data: x, shape }, { output });
    expect(sameBits(output, expected)).toBe(true);
    layer.dispose();
  });

  test('WasmTensor write and read', async () => {
    const tensor = await createWasmTensor(shape, shifted);
    expect(sameBits(tensor.read(), aligned)).toBe(true);
    const out = new Float32Array(floats + 1).fill(NaN).subarray(1);
    tensor.read(out);
    expect(sameBits(out, aligned)).toBe(true);
    tensor.write(aligned.map((v) => -v));
    tensor.write(shifted);
    expect(sameBits(tensor.read(), aligned)).toBe(true);
    tensor.dispose();
  });
});
