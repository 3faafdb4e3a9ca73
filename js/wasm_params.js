'use strict';

// SepConvParams (arguments.js's params objects) cross into C++ as 19 doubles written into a slot
// in wasm memory, which cpp/bindings.cc reads; a FilterShape (arguments.filterShape) as 5 doubles
// in the same slot. Embind's value_object, the obvious way, walks its
// fields with for-in in the generated glue, so a property a page added to Object.prototype broke
// every call (TypeError: fields[fieldName].write is not a function).

// The order cpp/bindings.cc's params_at() reads.
const FIELDS = [
  'batch', 'inH', 'inW', 'inC', 'kH', 'kW', 'multiplier', 'outC', 'outH', 'outW',
  'strideH', 'strideW', 'dilationH', 'dilationW', 'padTop', 'padLeft', 'nchw', 'outputMin', 'outputMax',
];

// The order cpp/bindings.cc's filter_shape_at() reads.
const FILTER_FIELDS = ['kH', 'kW', 'inC', 'multiplier', 'outC'];

/**
 * Gives the loaded module's operator functions the objects the wrapper passes
 * (new module.SeparableConv2d(params), module.packedWeightsBytes(filterShape),
 * module.packWeights(filterShape, ...), and the backward pass's new
 * module.SeparableConv2dBackward(params), module.backwardPackedWeightsBytes(filterShape),
 * module.packBackwardWeights(filterShape, forwardPacked, packed)); the bindings themselves take the slot's address.
 */
function bindParams(module) {
  const address = module.paramsAddress();
  const writeFields = (fields, values) => {
    const heap = module.HEAPF64;  // read now: growing memory replaces the views
    for (let i = 0; i < fields.length; i += 1) heap[address / 8 + i] = values[fields[i]];
    return address;
  };
  const write = (params) => writeFields(FIELDS, params);
  const writeShape = (filterShape) => writeFields(FILTER_FIELDS, filterShape);
  const {
    SeparableConv2d, SeparableConv2dBackward, packedWeightsBytes, packWeights, backwardPackedWeightsBytes,
    packBackwardWeights,
  } = module;
  // Called with `new`: returning an object makes it the result.
  module.SeparableConv2d = function SeparableConv2dWithParams(params) {
    return new SeparableConv2d(write(params));
  };
  module.SeparableConv2dBackward = function SeparableConv2dBackwardWithParams(params) {
    return new SeparableConv2dBackward(write(params));
  };
  module.packedWeightsBytes = (filterShape) => packedWeightsBytes(writeShape(filterShape));
  module.packWeights = (filterShape, ...addresses) => packWeights(writeShape(filterShape), ...addresses);
  module.backwardPackedWeightsBytes = (filterShape) => backwardPackedWeightsBytes(writeShape(filterShape));
  module.packBackwardWeights = (filterShape, ...addresses) => packBackwardWeights(writeShape(filterShape), ...addresses);
  return module;
}

module.exports = { bindParams };
