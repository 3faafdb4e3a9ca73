'use strict';

// A separable convolution as an ONNX model (opset 13), built in memory: a depthwise Conv with
// group = C, then a 1x1 Conv. A hand-written protobuf encoder for the few ONNX messages needed
// keeps the benchmark free of a protobuf dependency. ONNX is NCHW: callers transpose.
//
// Field numbers are from onnx/onnx.proto3.

// --- protobuf wire format ------------------------------------------------------------------

const VARINT = 0;
const LEN = 2;

function varint(value) {
  // Non-negative values only (all ONNX fields used here); BigInt-free up to 2^53.
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`onnx_model: cannot encode ${value}`);
  const bytes = [];
  while (value >= 0x80) {
    bytes.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  bytes.push(value);
  return bytes;
}

const tag = (field, wireType) => varint(field * 8 + wireType);

/** A message is a flat list of byte chunks; these helpers append one field each. */
class Message {
  constructor() { this.chunks = []; }

  int(field, value) {
    this.chunks.push(Uint8Array.from([...tag(field, VARINT), ...varint(value)]));
    return this;
  }

  bytes(field, data) {
    this.chunks.push(Uint8Array.from([...tag(field, LEN), ...varint(data.length)]), data);
    return this;
  }

  string(field, text) { return this.bytes(field, new TextEncoder().encode(text)); }

  message(field, message) { return this.bytes(field, message.encode()); }

  packedInts(field, values) { return this.bytes(field, Uint8Array.from(values.flatMap(varint))); }

  encode() {
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}

// --- ONNX messages -------------------------------------------------------------------------

const FLOAT = 1;           // TensorProto.DataType.FLOAT
const ATTR_INT = 2;        // AttributeProto.AttributeType.INT
const ATTR_INTS = 7;       // AttributeProto.AttributeType.INTS

function intAttribute(name, value) {
  // AttributeProto: name = 1, i = 3, type = 20
  return new Message().string(1, name).int(3, value).int(20, ATTR_INT);
}

function intsAttribute(name, values) {
  // AttributeProto: name = 1, ints = 8, type = 20
  return new Message().string(1, name).packedInts(8, values).int(20, ATTR_INTS);
}

function node(opType, inputs, outputs, name, attributes) {
  // NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5
  const m = new Message();
  inputs.forEach((i) => m.string(1, i));
  outputs.forEach((o) => m.string(2, o));
  m.string(3, name).string(4, opType);
  attributes.forEach((a) => m.message(5, a));
  return m;
}

function floatTensor(name, dims, data) {
  // TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian floats)
  const raw = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  return new Message().packedInts(1, dims).int(2, FLOAT).string(8, name).bytes(9, raw);
}

function valueInfo(name, dims) {
  // ValueInfoProto{name = 1, type = 2} / TypeProto{tensor_type = 1} /
  // TypeProto.Tensor{elem_type = 1, shape = 2} / TensorShapeProto{dim = 1} / Dimension{dim_value = 1}
  const shape = new Message();
  dims.forEach((d) => shape.message(1, new Message().int(1, d)));
  const tensorType = new Message().int(1, FLOAT).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

// --- the model -----------------------------------------------------------------------------

/** TF depthwise filter [K,K,C,M] -> ONNX grouped-conv weights [C*M, 1, K, K]. */
function depthwiseWeights({ K, C, M }, dw) {
  const out = new Float32Array(C * M * K * K);
  for (let kh = 0; kh < K; kh++) {
    for (let kw = 0; kw < K; kw++) {
      for (let c = 0; c < C; c++) {
        for (let m = 0; m < M; m++) {
          // Output channel c*M+m of a group=C conv reads input channel c, as in TF.
          out[((c * M + m) * K + kh) * K + kw] = dw[((kh * K + kw) * C + c) * M + m];
        }
      }
    }
  }
  return out;
}

/** TF pointwise filter [1,1,C*M,O] -> ONNX conv weights [O, C*M, 1, 1]. */
function pointwiseWeights({ C, M, O }, pw) {
  const CM = C * M;
  const out = new Float32Array(O * CM);
  for (let i = 0; i < CM; i++) {
    for (let o = 0; o < O; o++) out[o * CM + i] = pw[i * O + o];
  }
  return out;
}

/**
 * The ModelProto bytes for one layer (see layers.js for its fields); the graph's input is
 * 'x' [N,C,H,W] and its output 'y' [N,O,OH,OW]. TF's SAME padding (odd pixel at the end)
 * is given as explicit pads, which ONNX orders [top, left, bottom, right].
 */
function buildSeparableConvModel(layer, depthwise, pointwise) {
  const { N, H, W, C, K, M, O, OH, OW, stride, dilation, pads } = layer;
  const dwNode = node('Conv', ['x', 'dw_w'], ['mid'], 'depthwise', [
    intAttribute('group', C),
    intsAttribute('kernel_shape', [K, K]),
    intsAttribute('strides', [stride, stride]),
    intsAttribute('dilations', [dilation, dilation]),
    intsAttribute('pads', [pads.top, pads.left, pads.bottom, pads.right]),
  ]);
  const pwNode = node('Conv', ['mid', 'pw_w'], ['y'], 'pointwise', [
    intAttribute('group', 1),
    intsAttribute('kernel_shape', [1, 1]),
  ]);
  // GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12
  const graph = new Message()
    .message(1, dwNode)
    .message(1, pwNode)
    .string(2, 'separable_conv2d')
    .message(5, floatTensor('dw_w', [C * M, 1, K, K], depthwiseWeights(layer, depthwise)))
    .message(5, floatTensor('pw_w', [O, C * M, 1, 1], pointwiseWeights(layer, pointwise)))
    .message(11, valueInfo('x', [N, C, H, W]))
    .message(12, valueInfo('y', [N, O, OH, OW]));
  // ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8
  // OperatorSetIdProto: domain = 1 ('' is the default ai.onnx domain, so omitted), version = 2
  return new Message()
    .int(1, 8)
    .string(2, 'sepconv-wasm bench')
    .message(7, graph)
    .message(8, new Message().int(2, 13))
    .encode();
}

// --- layout helpers for callers ------------------------------------------------------------

function nhwcToNchw(data, [N, H, W, C]) {
  const out = new Float32Array(data.length);
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        const src = ((n * H + h) * W + w) * C;
        for (let c = 0; c < C; c++) out[((n * C + c) * H + h) * W + w] = data[src + c];
      }
    }
  }
  return out;
}

function nchwToNhwc(data, [N, C, H, W]) {
  const out = new Float32Array(data.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let h = 0; h < H; h++) {
        const src = ((n * C + c) * H + h) * W;
        for (let w = 0; w < W; w++) out[((n * H + h) * W + w) * C + c] = data[src + w];
      }
    }
  }
  return out;
}

module.exports = { buildSeparableConvModel, nhwcToNchw, nchwToNhwc };
