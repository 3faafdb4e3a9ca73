'use strict';

// Memory handoff: one allocation per call holds input, filters, packed weights, workspace and
// output; everything is copied in, computed, copied out and freed, whatever happens.

const { SeparableConv2dError } = require('./errors');

// The wasm module's MAXIMUM_MEMORY; no single call may need more than this.
const MAX_HEAP_BYTES = 2 ** 31;
const ALIGN = 64;

const alignUp = (bytes) => Math.ceil(bytes / ALIGN) * ALIGN;

/** Lays out named byte sizes in one block: returns offsets and the total. */
function layout(sizes) {
  const offsets = {};
  let total = 0;
  for (const [key, bytes] of Object.entries(sizes)) {
    offsets[key] = total;
    total += alignUp(bytes);
  }
  return { offsets, total };
}

function tooLarge(context, message) {
  return new SeparableConv2dError('TOO_LARGE', context.name ? `${context.name}: ${message}` : message);
}

/**
 * Runs one call of the operator on the wasm heap; returns the output as its own Float32Array.
 */
function runOnHeap(module, call) {
  const { context, params, input, depthwise, pointwise, outputShape } = call;
  const outputLength = outputShape.reduce((a, b) => a * b, 1);
  if (outputLength === 0) return new Float32Array(0);  // a batch of 0, as in TensorFlow
  const op = new module.SeparableConv2d(params);
  let base = 0;
  try {
    const { offsets, total } = layout({
      input: input.byteLength,
      depthwise: depthwise.byteLength,
      pointwise: pointwise.byteLength,
      packed: op.packedWeightsBytes(),
      workspace: op.workspaceBytes(),
      output: outputLength * 4,
    });
    if (total > MAX_HEAP_BYTES) {
      throw tooLarge(context, `this call needs ${total} bytes of wasm memory (input, filters, output and workspace); the limit is ${MAX_HEAP_BYTES}`);
    }
    base = module._malloc(total);
    if (base === 0) {
      throw tooLarge(context, `could not allocate ${total} bytes of wasm memory for this call`);
    }
    const at = (key) => base + offsets[key];
    // Read the view after malloc: growing memory replaces the heap views.
    const heap = module.HEAPF32;
    heap.set(input, at('input') / 4);
    heap.set(depthwise, at('depthwise') / 4);
    heap.set(pointwise, at('pointwise') / 4);
    op.packWeights(at('depthwise'), at('pointwise'), at('packed'));
    op.run(at('input'), at('packed'), at('output'), at('workspace'));
    return module.HEAPF32.slice(at('output') / 4, at('output') / 4 + outputLength);
  } finally {
    if (base !== 0) module._free(base);
    op.delete();
  }
}

module.exports = { runOnHeap };
