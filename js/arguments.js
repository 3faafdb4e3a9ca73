'use strict';

// Argument checking and shape arithmetic, in one place: turns a call's arguments into the
// geometry the wasm operator trusts, or throws a SeparableConv2dError a caller can act on.

const { SeparableConv2dError, describe } = require('./errors');
const { isWasmTensor } = require('./wasm_tensor');
const { typedArrayKind, isFloatArray, realLength, plainFloat32 } = require('./typed_arrays');

const MAX_DIM = 2 ** 31 - 1;

function fail(context, code, message) {
  throw new SeparableConv2dError(code, context.name ? `${context.name}: ${message}` : message);
}

function isPositiveInt(v) {
  return Number.isInteger(v) && v >= 1 && v <= MAX_DIM;
}

function isNonNegativeInt(v) {
  return Number.isInteger(v) && v >= 0 && v <= MAX_DIM;
}

const product = (dims) => dims.reduce((a, b) => a * b, 1);

/**
 * A copy of the caller's array when it has `length` items (a shape, strides, padding), else
 * null; the length is looked at first, so a huge or sparse array costs nothing. -0 becomes 0.
 */
function copyOfLength(value, length) {
  if (!Array.isArray(value) || value.length !== length) return null;
  return Array.from(value, (item) => (item === 0 ? 0 : item));
}

/** A Float32Array or Float64Array of any realm, or BAD_DTYPE. */
function checkFloatArray(context, data, arg, what = 'must be a Float32Array or Float64Array') {
  if (!isFloatArray(data)) fail(context, 'BAD_DTYPE', `${arg} ${what}; got ${describe(data)}`);
}

/**
 * Runs fn, which reads the caller's values; an error their getters or proxies throw becomes a
 * SeparableConv2dError with `code` naming `what`, so that no call ends in a foreign error.
 */
function guarded(context, code, what, fn) {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SeparableConv2dError) throw error;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : describe(error);
    return fail(context, code, `${what} could not be read: ${describe(reason)}`);
  }
}

/**
 * Checks {data, shape}: rank 4, integer dims (dimension `zeroAllowed` may be 0), float data of
 * matching length. Returns the shape and the data as a Float32Array.
 */
function checkTensor(context, value, arg, layout, zeroAllowed = -1) {
  return guarded(context, 'BAD_TENSOR', arg, () => readTensor(context, value, arg, layout, zeroAllowed));
}

/** checkTensor's checks. */
function readTensor(context, value, arg, layout, zeroAllowed) {
  if (value === null || typeof value !== 'object' || !('data' in value) || !('shape' in value)) {
    fail(context, 'BAD_TENSOR', `${arg} must be an object {data, shape}; got ${describe(value)}`);
  }
  // Read the caller's shape and data once: everything below, and the computation, uses these
  // snapshots, so an object that changes between reads cannot get past the checks.
  const data = value.data;
  const given = value.shape;
  const shape = copyOfLength(given, 4);
  if (!shape) {
    const rank = Array.isArray(given) ? ` (rank ${given.length})` : '';
    fail(context, 'BAD_SHAPE', `${arg} must have rank 4, ${layout}; got shape ${describe(given)}${rank}`);
  }
  shape.forEach((d, axis) => {
    const ok = axis === zeroAllowed ? isNonNegativeInt(d) : isPositiveInt(d);
    if (!ok) {
      const range = axis === zeroAllowed ? '0' : '1';
      fail(context, 'BAD_SHAPE',
        `${arg} shape ${layout} must hold integers from ${range} to 2^31-1; got ${describe(shape)} (dimension ${axis} is ${describe(d)})`);
    }
  });
  checkFloatArray(context, data, `${arg}.data`);
  // The length of the storage, not what a `length` property says: it decides what is copied.
  const expected = product(shape);
  const length = realLength(data);
  if (length !== expected) {
    const detached = length === 0 ? ' (its ArrayBuffer is detached or empty)' : '';
    fail(context, 'BAD_TENSOR',
      `${arg}.data has ${length} elements${detached} but shape ${describe(shape)} needs ${expected}`);
  }
  return { shape, data: plainFloat32(data) };
}

/** A number or [h, w] pair of positive integers, or the 4-value TF form via `fromFour`. */
function spatialPair(context, value, arg, code, fromFour) {
  const given = copyOfLength(value, 4) || copyOfLength(value, 2) || value;  // one read of the caller's array
  let pair;
  if (typeof given === 'number') pair = [given, given];
  else if (Array.isArray(given) && given.length === 4 && fromFour) pair = fromFour(given);
  else if (Array.isArray(given) && given.length === 2) pair = given;
  else {
    const forms = fromFour ? `a number, [h, w] or ${fromFour.form}` : 'a number or [h, w]';
    fail(context, code, `${arg} must be ${forms}; got ${describe(value)}`);
  }
  if (!pair.every(isPositiveInt)) {
    fail(context, code, `${arg} must be integers from 1 to 2^31-1; got ${describe(given)}`);
  }
  return pair;
}

function parseStrides(context, strides, nchw) {
  if (strides === undefined) {
    fail(context, 'BAD_OPTIONS', `strides is required (as in TensorFlow): ${nchw ? '[1,1,sh,sw]' : '[1,sh,sw,1]'}, [sh,sw] or a number`);
  }
  const [h, w] = nchw ? [2, 3] : [1, 2];
  const fromFour = (four) => {
    const others = four.filter((_, axis) => axis !== h && axis !== w);
    if (!others.every((s) => s === 1)) {
      fail(context, 'BAD_STRIDES',
        `strides must be ${fromFour.form} (batch and channel strides of 1) for ${nchw ? 'NCHW' : 'NHWC'}; got ${describe(four)}`);
    }
    return [four[h], four[w]];
  };
  fromFour.form = nchw ? '[1,1,sh,sw]' : '[1,sh,sw,1]';
  return spatialPair(context, strides, 'strides', 'BAD_STRIDES', fromFour);
}

function parseDataFormat(context, dataFormat) {
  if (dataFormat === undefined || dataFormat === 'NHWC') return false;
  if (dataFormat === 'NCHW') return true;
  return fail(context, 'BAD_DATA_FORMAT', `dataFormat must be 'NHWC' or 'NCHW'; got ${describe(dataFormat)}`);
}

/** Returns 'SAME', 'VALID' or explicit [[top,bottom],[left,right]]. */
function parsePadding(context, padding, nchw) {
  // Any case, as TensorFlow.js allows, but ASCII only: toUpperCase() would make 'ſame' SAME.
  if (typeof padding === 'string' && /^(same|valid)$/i.test(padding)) return padding.toUpperCase();
  const form = nchw ? '[[0,0],[0,0],[top,bottom],[left,right]]' : '[[0,0],[top,bottom],[left,right],[0,0]]';
  if (padding === undefined) {
    fail(context, 'BAD_OPTIONS', `padding is required (as in TensorFlow): 'SAME', 'VALID' or ${form}`);
  }
  // One read of the caller's arrays; the checks and the layer use this copy.
  const four = copyOfLength(padding, 4);
  if (four) padding = four.map((pair) => copyOfLength(pair, 2) || pair);
  const wellFormed = Array.isArray(padding) && padding.length === 4 &&
    padding.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every(isNonNegativeInt));
  if (!wellFormed) {
    fail(context, 'BAD_PADDING', `padding must be 'SAME', 'VALID' or ${form} with non-negative integers; got ${describe(padding)}`);
  }
  const [h, w] = nchw ? [2, 3] : [1, 2];
  const others = padding.filter((_, axis) => axis !== h && axis !== w);
  if (!others.every(([a, b]) => a === 0 && b === 0)) {
    fail(context, 'BAD_PADDING', `padding in the batch and channel dimensions must be [0,0], as in ${form}; got ${describe(padding)}`);
  }
  return [padding[h], padding[w]];
}

/** TensorFlow's output size and leading pad for one spatial dimension. */
function windowGeometry(context, axisName, size, kernel, stride, dilation, padding) {
  const effective = (kernel - 1) * dilation + 1;
  let out;
  let before = 0;
  let how;
  if (padding === 'SAME') {
    out = Math.ceil(size / stride);
    before = Math.floor(Math.max((out - 1) * stride + effective - size, 0) / 2);
    how = 'SAME padding';
  } else {
    const [padBefore, padAfter] = padding === 'VALID' ? [0, 0] : padding;
    out = Math.floor((size + padBefore + padAfter - effective) / stride) + 1;
    before = padBefore;
    how = padding === 'VALID' ? 'VALID padding' : `explicit padding [${padBefore},${padAfter}]`;
  }
  if (out < 1) {
    fail(context, 'BAD_OUTPUT_SIZE',
      `output ${axisName} would be ${out} (must be at least 1): input ${axisName} ${size}, effective kernel ${axisName} ${effective} ` +
      `(kernel ${kernel}, dilation ${dilation}), stride ${stride}, ${how}`);
  }
  return { out, before };
}

const ACTIVATIONS = {
  linear: [-Infinity, Infinity],
  relu: [0, Infinity],
  relu6: [0, 6],
};

/** Options shared by a layer's every run: { context, nchw, strides, padding, dilations, outputMin, outputMax }. */
function parseOptions(options) {
  return guarded({ name: undefined }, 'BAD_OPTIONS', 'options', () => readOptions(options));
}

function readOptions(options) {
  const context = { name: undefined };
  if (options === null || typeof options !== 'object') {
    fail(context, 'BAD_OPTIONS', `options must be an object with at least strides and padding; got ${describe(options)}`);
  }
  // Each option read once, and only as the object's own property: one that a page's script
  // added to Object.prototype is not an option.
  const { name, dataFormat, strides: givenStrides, padding: givenPadding, dilations: givenDilations, activation: givenActivation, bias } =
    Object.fromEntries(OPTION_KEYS.map((key) => [key, ownProperty(options, key)]));
  if (name !== undefined) {
    if (typeof name !== 'string') fail(context, 'BAD_OPTIONS', `name must be a string; got ${describe(name)}`);
    context.name = name;
  }
  const nchw = parseDataFormat(context, dataFormat);
  const strides = parseStrides(context, givenStrides, nchw);
  const padding = parsePadding(context, givenPadding, nchw);
  const dilations = givenDilations === undefined ? [1, 1]
    : spatialPair(context, givenDilations, 'dilations', 'BAD_DILATIONS');
  if (dilations.some((d) => d > 1) && strides.some((s) => s > 1)) {
    fail(context, 'BAD_DILATIONS',
      `dilations > 1 require strides of 1 (TensorFlow forbids both at once); got dilations ${describe(dilations)} and strides ${describe(strides)}`);
  }
  const activation = givenActivation === undefined ? 'linear' : givenActivation;
  if (typeof activation !== 'string' || !Object.prototype.hasOwnProperty.call(ACTIVATIONS, activation)) {
    fail(context, 'BAD_OPTIONS', `activation must be 'linear', 'relu' or 'relu6'; got ${describe(activation)}`);
  }
  const [outputMin, outputMax] = ACTIVATIONS[activation];
  return { context, nchw, strides, padding, dilations, outputMin, outputMax, bias };
}

const OPTION_KEYS = ['name', 'dataFormat', 'strides', 'padding', 'dilations', 'activation', 'bias'];

/** object[key] if it is the object's own property, else undefined. */
const ownProperty = (object, key) => (Object.hasOwn(object, key) ? object[key] : undefined);

function checkInput(opts, x) {
  return checkTensor(opts.context, x, 'input', opts.nchw ? '[N,C,H,W]' : '[N,H,W,C]', 0);
}

/** The filters and bias: { kH, kW, inC, multiplier, outC, depthwise, pointwise, bias (or null) }. */
function checkFilters(opts, depthwiseFilter, pointwiseFilter) {
  const { context } = opts;
  const depthwise = checkTensor(context, depthwiseFilter, 'depthwiseFilter', '[KH,KW,C,M]');
  const [kH, kW, inC, multiplier] = depthwise.shape;
  const pointwise = checkTensor(context, pointwiseFilter, 'pointwiseFilter', '[1,1,C*M,O]');
  const cm = inC * multiplier;
  const [p0, p1, pwIn, outC] = pointwise.shape;
  if (p0 !== 1 || p1 !== 1 || pwIn !== cm) {
    fail(context, 'BAD_SHAPE', `pointwiseFilter must have shape [1,1,C*M,O] = [1,1,${cm},*]; got ${describe(pointwise.shape)}`);
  }
  const bias = opts.bias === undefined ? null : checkBias(context, opts.bias, outC, "(the pointwise filter's outputs)");
  return { kH, kW, inC, multiplier, outC, depthwise: depthwise.data, pointwise: pointwise.data, bias };
}

/** A bias of length outC as a Float32Array; `why` says where outC comes from. */
function checkBias(context, bias, outC, why) {
  checkFloatArray(context, bias, 'bias', `must be a Float32Array or Float64Array of length O = ${outC}`);
  if (realLength(bias) !== outC) fail(context, 'BAD_SHAPE', `bias must have length O = ${outC} ${why}; got ${realLength(bias)}`);
  return plainFloat32(bias);
}

/**
 * New weights for a layer (layer.setWeights): filters of exactly the layer's shapes, checked as
 * checkFilters checks them, and a bias exactly when the layer has one. `layer` is the layer's
 * checkFilters result (its shapes, and hasBias); returns the new weights in the same form.
 */
function checkNewWeights(opts, layer, depthwiseFilter, pointwiseFilter, bias) {
  const { context } = opts;
  const { kH, kW, inC, multiplier, outC, hasBias } = layer;
  const depthwise = checkTensor(context, depthwiseFilter, 'depthwiseFilter', '[KH,KW,C,M]');
  sameShape(context, 'depthwiseFilter', depthwise.shape, [kH, kW, inC, multiplier]);
  const pointwise = checkTensor(context, pointwiseFilter, 'pointwiseFilter', '[1,1,C*M,O]');
  sameShape(context, 'pointwiseFilter', pointwise.shape, [1, 1, inC * multiplier, outC]);
  // A layer keeps the form it was made with: a bias left out is not taken to mean zeros, nor one
  // given to a layer without a bias to add it.
  if (hasBias && bias === undefined) {
    fail(context, 'BAD_SHAPE', `bias must have length O = ${outC} like the layer's (it was created with a bias); got none`);
  }
  if (!hasBias && bias !== undefined) {
    fail(context, 'BAD_SHAPE',
      `bias must be left out: the layer was created without one (create it with options.bias, zeros say, to set one); got ${describe(bias)}`);
  }
  return {
    ...layer, depthwise: depthwise.data, pointwise: pointwise.data,
    bias: hasBias ? checkBias(context, bias, outC, "like the layer's") : null,
  };
}

function sameShape(context, arg, given, expected) {
  if (given.some((d, axis) => d !== expected[axis])) {
    fail(context, 'BAD_SHAPE', `${arg} must have shape ${describe(expected)} like the layer's; got ${describe(given)}`);
  }
}

/** The filters' shape, all that packing the weights needs (cpp/filter_shape.h's FilterShape). */
function filterShape(filters) {
  const { kH, kW, inC, multiplier, outC } = filters;
  return { kH, kW, inC, multiplier, outC };
}

function geometryParams(opts, filters, [batch, inH, inW], [rows, cols]) {
  const { kH, kW, inC, multiplier, outC } = filters;
  return {
    batch, inH, inW, inC, kH, kW, multiplier, outC,
    outH: rows.out, outW: cols.out,
    strideH: opts.strides[0], strideW: opts.strides[1],
    dilationH: opts.dilations[0], dilationW: opts.dilations[1],
    padTop: rows.before, padLeft: cols.before, nchw: opts.nchw,
    outputMin: opts.outputMin, outputMax: opts.outputMax,
  };
}

/** An input against the layer's options and filters: { params, input (Float32Array), outputShape }. */
function prepareRun(opts, filters, input) {
  const { context, nchw, strides, dilations, padding } = opts;
  const [batch, inC, inH, inW] = nchw ? input.shape : [input.shape[0], input.shape[3], input.shape[1], input.shape[2]];
  if (inC !== filters.inC) {
    const dwShape = [filters.kH, filters.kW, filters.inC, filters.multiplier];
    fail(context, 'BAD_SHAPE',
      `depthwiseFilter must have shape [KH,KW,C,M] with C = ${inC} (the input's channels); got ${describe(dwShape)} for input ${describe(input.shape)}`);
  }
  const [rowPadding, colPadding] = typeof padding === 'string' ? [padding, padding] : padding;
  const rows = windowGeometry(context, 'height', inH, filters.kH, strides[0], dilations[0], rowPadding);
  const cols = windowGeometry(context, 'width', inW, filters.kW, strides[1], dilations[1], colPadding);
  const { outC } = filters;
  const outputShape = nchw ? [batch, outC, rows.out, cols.out] : [batch, rows.out, cols.out, outC];
  return { params: geometryParams(opts, filters, [batch, inH, inW], [rows, cols]), input: input.data, outputShape };
}

/** A WasmTensor's shape: 4 integers, the first from 0, the others from 1, up to 2^31-1. */
function checkWasmTensorShape(shape) {
  return guarded({}, 'BAD_SHAPE', 'createWasmTensor: shape', () => readWasmTensorShape(shape));
}

function readWasmTensorShape(shape) {
  const dims = copyOfLength(shape, 4);
  const ok = dims !== null && dims.every((d, axis) => (axis === 0 ? isNonNegativeInt(d) : isPositiveInt(d)));
  if (!ok) {
    fail({}, 'BAD_SHAPE',
      `createWasmTensor: shape must be 4 integers (the first from 0, the others from 1, up to 2^31-1); got ${describe(shape)}`);
  }
  return dims;
}

/**
 * A layer's input: a {data, shape} tensor (checkInput), or a usable WasmTensor, returned as
 * {shape, data: its address}.
 */
function checkLayerInput(opts, x) {
  if (!isWasmTensor(x)) return checkInput(opts, x);
  return { shape: x.shape, data: residentAddress(opts.context, x, 'input') };
}

function residentAddress(context, tensor, arg) {
  return tensor.addressFor(context.name ? `${context.name}: ${arg}` : arg);
}

/**
 * A run's options ({output}) for a result of `outputShape`. output may be the caller's
 * Float32Array of the output's exact size, or a WasmTensor of exactly that shape other than
 * the input. Returns undefined (no output given), {array, view (a plain view of its memory)} or
 * {tensor, address}.
 */
function checkRunOptions(opts, runOptions, outputShape, input) {
  return guarded(opts.context, 'BAD_OPTIONS', 'run options', () => readRunOptions(opts, runOptions, outputShape, input));
}

function readRunOptions(opts, runOptions, outputShape, input) {
  if (runOptions === undefined) return undefined;
  if (runOptions === null || typeof runOptions !== 'object') {
    fail(opts.context, 'BAD_OPTIONS', `run options must be an object such as { output }; got ${describe(runOptions)}`);
  }
  const output = ownProperty(runOptions, 'output');
  if (output === undefined) return undefined;
  if (isWasmTensor(output) && output === input) {
    residentAddress(opts.context, output, 'output');  // a disposed one is DISPOSED first
    fail(opts.context, 'BAD_OPTIONS', 'output must not be the input WasmTensor: the computation reads the input while it writes');
  }
  return readOutput(opts.context, output, 'output', outputShape, 'output shape', true);
}

/**
 * A caller's output of `shape`: a WasmTensor of exactly that shape (where tensorAllowed) or a
 * Float32Array of its size. Returns {tensor, address} or {array, view (a plain view of its
 * memory)}. `what` names it in errors, `shapeName` its shape.
 */
function readOutput(context, output, what, shape, shapeName, tensorAllowed) {
  if (tensorAllowed && isWasmTensor(output)) {
    const address = residentAddress(context, output, what);
    if (output.shape.some((d, axis) => d !== shape[axis])) {
      fail(context, 'BAD_TENSOR', `${what} must be a WasmTensor of shape ${describe(shape)}; got one of shape ${describe(output.shape)}`);
    }
    return { tensor: output, address };
  }
  const length = product(shape);
  if (typedArrayKind(output) !== 'Float32Array' || realLength(output) !== length) {
    const tensor = tensorAllowed ? ' (or a WasmTensor of that shape)' : '';
    fail(context, 'BAD_TENSOR', `${what} must be a Float32Array of ${length} elements for ${shapeName} ${describe(shape)}${tensor}; got ${describe(output)}`);
  }
  return { array: output, view: plainFloat32(output) };
}

// The gradients a backward call can compute, by the name `gradients` uses, and the result's keys.
const GRADIENTS = { x: 'dx', depthwiseFilter: 'dDepthwiseFilter', pointwiseFilter: 'dPointwiseFilter', bias: 'dBias' };

/** The shape of each gradient a backward call can compute, by GRADIENTS' names, for run.params. */
function gradientShapes({ batch, inH, inW, inC, kH, kW, multiplier, outC, nchw }) {
  return {
    x: nchw ? [batch, inC, inH, inW] : [batch, inH, inW, inC],
    depthwiseFilter: [kH, kW, inC, multiplier],
    pointwiseFilter: [1, 1, inC * multiplier, outC],
    bias: [outC],
  };
}

/**
 * A backward call's own arguments against its forward call (prepareRun's run) and its input (as
 * given): dy, of the forward
 * output's shape (a {data, shape} tensor or a WasmTensor); `options.gradients`, the subset of
 * GRADIENTS' names wanted (default: all; 'bias' only for a layer or call with a bias); and
 * `options.outputs`, where the caller wants gradients written, by their result names (dx, ...).
 * Returns { dy (Float32Array or address), wanted: [{ name, key (the result's), shape, length,
 * output }] in GRADIENTS' order }, output as checkRunOptions's (undefined, {array, view} or
 * {tensor, address}).
 */
function checkBackward(opts, filters, run, input, dy, options) {
  const { context } = opts;
  const hasBias = Boolean(filters.hasBias || filters.bias);
  let dyData;
  let shape;
  if (isWasmTensor(dy)) {
    shape = dy.shape;
    dyData = residentAddress(context, dy, 'dy');
  } else {
    ({ shape, data: dyData } = checkTensor(context, dy, 'dy', opts.nchw ? '[N,O,OH,OW]' : '[N,OH,OW,O]', 0));
  }
  if (shape.some((d, axis) => d !== run.outputShape[axis])) {
    fail(context, 'BAD_SHAPE', `dy must have the forward output's shape ${describe(run.outputShape)}; got ${describe(shape)}`);
  }
  const names = guarded(context, 'BAD_OPTIONS', 'gradients', () => readGradients(context, options, hasBias));
  const shapes = gradientShapes(run.params);
  const wanted = names.map((name) => ({ name, key: GRADIENTS[name], shape: shapes[name], length: product(shapes[name]), output: undefined }));
  guarded(context, 'BAD_OPTIONS', 'outputs', () => readOutputs(context, options, wanted, [input, dy]));
  return { dy: dyData, wanted };
}

/**
 * options.outputs (see checkBackward) against the wanted gradients: sets each one's checked
 * output. The computation reads `inputs` while it writes: no output may be one of them.
 */
function readOutputs(context, options, wanted, inputs) {
  const given = options === undefined ? undefined : ownProperty(options, 'outputs');
  if (given === undefined) return;
  const known = wanted.map(({ key }) => key);
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    fail(context, 'BAD_OPTIONS', `outputs must be an object with some of ${known.join(', ')}; got ${describe(given)}`);
  }
  const unknown = Object.keys(given).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    fail(context, 'BAD_OPTIONS', `outputs.${unknown} is not a gradient this call computes (${known.join(', ')})`);
  }
  const seen = new Set(inputs.filter(isWasmTensor));
  for (const gradient of wanted) {
    const { key, shape } = gradient;
    const output = ownProperty(given, key);
    if (output === undefined) continue;
    if (seen.has(output)) {
      fail(context, 'BAD_OPTIONS', `outputs.${key} is also the input, dy or another gradient's output: the call reads those while it writes each gradient`);
    }
    seen.add(output);
    gradient.output = readOutput(context, output, `outputs.${key}`, shape, 'shape', shape.length === 4);
  }
}

function readGradients(context, options, hasBias) {
  const all = Object.keys(GRADIENTS).filter((name) => name !== 'bias' || hasBias);
  if (options === undefined) return all;
  if (options === null || typeof options !== 'object') {
    fail(context, 'BAD_OPTIONS', `options must be an object; got ${describe(options)}`);
  }
  const given = ownProperty(options, 'gradients');
  if (given === undefined) return all;
  const names = Array.isArray(given) ? Array.from(given) : null;
  const known = Object.keys(GRADIENTS);
  if (!names || names.some((name) => !known.includes(name))) {
    fail(context, 'BAD_OPTIONS', `gradients must be an array of ${known.map((k) => `'${k}'`).join(', ')}; got ${describe(given)}`);
  }
  if (names.includes('bias') && !hasBias) {
    fail(context, 'BAD_OPTIONS', "gradients: 'bias' needs a bias (options.bias when the layer or call was made); there is none");
  }
  return known.filter((name) => names.includes(name));
}

module.exports = {
  parseOptions, checkInput, checkLayerInput, checkFilters, checkNewWeights, filterShape, prepareRun, checkRunOptions,
  checkWasmTensorShape, checkBackward, GRADIENTS,
};
