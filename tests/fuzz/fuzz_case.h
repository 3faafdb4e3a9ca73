// One fuzz case: arbitrary bytes -> a bounded separable convolution, run through pack_weights and
// SeparableConv2d::run with exactly-sized buffers, compared with the double-precision oracle; then
// its backward pass (SeparableConv2dBackward, a subset of the gradients) against the backward
// oracle.
// Shared by the libFuzzer target (separable_conv2d_fuzz.cc) and the GoogleTest replay of the
// kept inputs (tests/cpp/fuzz_replay_test.cc), so a kept input replays exactly as it was found.
//
// Byte layout (a missing byte reads as 0, so every input decodes):
//   0 N = b % 3 (0-2)          1 H = 1 + b % 24         2 W = 1 + b % 24
//   3 C = 1 + b % 8            4 M = 1 + b % 3          5 O = 1 + b % 10 (1 + b % 40 if wide)
//   6 KH = 1 + b % 5           7 KW = 1 + b % 5
//   8 flags: 1 dilated (else strided), 2 NCHW, 4 bias, 8 two threads, 16 NaN/Inf in the input,
//            32 wide O (several pointwise panels, so run() may split output channels)
//   9, 10 stride (or dilation) height, width = 1 + b % 3
//   11 padding = b % 3: SAME, VALID, explicit;  12-15 explicit pads top, bottom, left, right = b % 4
//   16 activation = b % 4: linear, relu, relu6, clamp [lo, hi];  17, 18 lo, hi (as values)
//   19, 20 seed of the generator that fills values once the bytes run out
//   21... one byte per value: input, then depthwise, pointwise, bias. A value is (b - 128) / 32;
//         in the input with flag 16, bytes 0xFC-0xFF are NaN, +Inf, -Inf, NaN.
//         Then, for the backward pass, one byte of wanted gradients (bits 1 dx, 2 d_depthwise,
//         4 d_pointwise, 8 d_bias; none set: all) and the values of dy.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "separable_conv2d.h"
#include "separable_conv2d_backward.h"
#include "separable_conv2d_backward_reference.h"
#include "separable_conv2d_reference.h"
#include "../cpp/test_util.h"

namespace sepconv {
namespace fuzz {

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t next() { return pos_ < size_ ? data_[pos_++] : 0; }
  bool exhausted() const { return pos_ >= size_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Fills tensors from the bytes, then from a seeded generator when they run out.
class ValueSource {
 public:
  ValueSource(ByteReader& bytes, uint32_t seed) : bytes_(bytes), state_(seed * 2654435761u + 1) {}

  uint8_t next_byte() {
    if (!bytes_.exhausted()) return bytes_.next();
    state_ = state_ * 1664525u + 1013904223u;  // an LCG: the same bytes give the same tensors
    return static_cast<uint8_t>(state_ >> 24);
  }

  float next(bool specials) {
    const uint8_t b = next_byte();
    if (specials && b >= 0xFC) {
      constexpr float kInf = std::numeric_limits<float>::infinity();
      const float special[4] = {std::nanf(""), kInf, -kInf, std::nanf("")};
      return special[b - 0xFC];
    }
    return (static_cast<float>(b) - 128.0f) / 32.0f;
  }

  std::vector<float> fill(size_t count, bool specials) {
    std::vector<float> values(count);
    for (float& v : values) v = next(specials);
    return values;
  }

 private:
  ByteReader& bytes_;
  uint32_t state_;
};

struct Case {
  SepConvParams p;
  int threads = 1;
  std::vector<float> input, depthwise, pointwise, bias;  // bias empty: none
  uint8_t gradients = 15;  // the backward's wanted gradients: bits as in the byte layout
  std::vector<float> d_output;
};

// Decodes bytes into a case. False when the geometry has no output (TensorFlow rejects it and so
// does the JavaScript wrapper before any kernel runs), so the fuzzer skips it.
inline bool decode(const uint8_t* data, size_t size, Case* c) {
  ByteReader bytes(data, size);
  test::ConvSpec s;
  s.batch = bytes.next() % 3;
  s.in_h = 1 + bytes.next() % 24;
  s.in_w = 1 + bytes.next() % 24;
  s.in_c = 1 + bytes.next() % 8;
  s.multiplier = 1 + bytes.next() % 3;
  const uint8_t out_c = bytes.next();
  s.k_h = 1 + bytes.next() % 5;
  s.k_w = 1 + bytes.next() % 5;
  const uint8_t flags = bytes.next();
  s.out_c = 1 + out_c % ((flags & 32) ? 40 : 10);
  const int32_t h = 1 + bytes.next() % 3;
  const int32_t w = 1 + bytes.next() % 3;
  if (flags & 1) {
    s.dilation_h = h;
    s.dilation_w = w;
  } else {
    s.stride_h = h;
    s.stride_w = w;
  }
  s.padding = static_cast<test::Padding>(bytes.next() % 3);
  s.pad_top = bytes.next() % 4;
  s.pad_bottom = bytes.next() % 4;
  s.pad_left = bytes.next() % 4;
  s.pad_right = bytes.next() % 4;
  s.nchw = (flags & 2) != 0;
  const uint8_t activation = bytes.next();
  const uint8_t lo_byte = bytes.next();
  const uint8_t hi_byte = bytes.next();
  const uint32_t seed = bytes.next() | (uint32_t{bytes.next()} << 8);

  c->p = test::make_params(s);
  if (c->p.out_h < 1 || c->p.out_w < 1) return false;
  switch (activation % 4) {
    case 0:
      c->p = test::with_activation(c->p, test::linear());
      break;
    case 1:
      c->p = test::with_activation(c->p, test::relu());
      break;
    case 2:
      c->p = test::with_activation(c->p, test::relu6());
      break;
    default: {
      const float a = (static_cast<float>(lo_byte) - 128.0f) / 32.0f;
      const float b = (static_cast<float>(hi_byte) - 128.0f) / 32.0f;
      c->p.output_min = std::fmin(a, b);
      c->p.output_max = std::fmax(a, b);
    }
  }
  c->threads = (flags & 8) ? 2 : 1;
  ValueSource values(bytes, seed);
  c->input = values.fill(test::input_floats(c->p), (flags & 16) != 0);
  c->depthwise = values.fill(test::depthwise_floats(c->p), false);
  c->pointwise = values.fill(test::pointwise_floats(c->p), false);
  c->bias = (flags & 4) ? values.fill(c->p.out_c, false) : std::vector<float>();
  c->gradients = values.next_byte() & 15;
  if (c->gradients == 0) c->gradients = 15;
  c->d_output = values.fill(test::output_floats(c->p), false);
  return true;
}

// A value no output can take (every |output| < 2^20 and clamps lie within [-4, 4]): an element
// still holding it was never written.
constexpr float kUnwritten = -1.0e30f;

// Whether an element of a fast result matches the oracle's, given the bound on its rounding
// error (the same sums over absolute values): NaN exactly where the oracle has it, and where a
// NaN or infinity entered the sums (a non-finite bound), only the very same value.
inline bool agrees(float actual, float expected, float bound) {
  if (std::isnan(expected) || std::isnan(actual)) return std::isnan(expected) && std::isnan(actual);
  if (!std::isfinite(bound)) return actual == expected;
  return std::fabs(static_cast<double>(actual) - expected) <= 1e-4 * (1.0 + bound);
}

inline std::vector<float> absolute(const std::vector<float>& v) {
  std::vector<float> a(v.size());
  for (size_t i = 0; i < v.size(); ++i) a[i] = std::fabs(v[i]);
  return a;
}

inline SepConvParams unclamped(SepConvParams p) {
  p.output_min = -std::numeric_limits<float>::infinity();
  p.output_max = std::numeric_limits<float>::infinity();
  return p;
}

// The backward pass of the case, with y the forward output, against the backward oracle: ""
// when they agree, else the first disagreement.
inline std::string check_backward(const Case& c, const std::vector<float>& y, ThreadPool& pool) {
  const SepConvParams& p = c.p;
  const FilterShape f = filter_shape(p);
  const size_t packed_bytes = backward_packed_weights_bytes(f);
  if (packed_bytes % sizeof(float) != 0) return test::describe(p) + ": backward packed size";
  std::vector<float> packed(packed_bytes / sizeof(float));
  pack_backward_weights(f, c.depthwise.data(), c.pointwise.data(), packed.data());
  SeparableConv2dBackward op(p);
  std::vector<unsigned char> workspace(op.workspace_bytes(pool.threads()));

  const char* names[4] = {"dx", "d_depthwise", "d_pointwise", "d_bias"};
  const size_t sizes[4] = {test::input_floats(p), test::depthwise_floats(p),
                           test::pointwise_floats(p), static_cast<size_t>(p.out_c)};
  std::vector<float> actual[4], expected[4], bound[4];
  float* out[3][4];  // actual, expected, bound: null where not wanted
  for (int k = 0; k < 4; ++k) {
    const bool wanted = (c.gradients >> k) & 1;
    actual[k].assign(wanted ? sizes[k] : 0, kUnwritten);
    expected[k].resize(actual[k].size());
    bound[k].resize(actual[k].size());
    out[0][k] = wanted ? actual[k].data() : nullptr;
    out[1][k] = wanted ? expected[k].data() : nullptr;
    out[2][k] = wanted ? bound[k].data() : nullptr;
  }
  op.run(BackwardTensors{c.input.data(), y.data(), c.d_output.data(), out[0][0], out[0][1],
                         out[0][2], out[0][3]},
         packed.data(), workspace.data(), pool);
  separable_conv2d_backward_reference(p, c.input.data(), c.depthwise.data(), c.pointwise.data(),
                                      y.data(), c.d_output.data(), out[1][0], out[1][1],
                                      out[1][2], out[1][3]);
  // The bound: every term counted (no mask), over absolute values.
  separable_conv2d_backward_reference(unclamped(p), absolute(c.input).data(),
                                      absolute(c.depthwise).data(), absolute(c.pointwise).data(),
                                      y.data(), absolute(c.d_output).data(), out[2][0], out[2][1],
                                      out[2][2], out[2][3]);
  for (int k = 0; k < 4; ++k) {
    for (size_t i = 0; i < actual[k].size(); ++i) {
      if (agrees(actual[k][i], expected[k][i], bound[k][i])) continue;
      std::ostringstream message;
      message << test::describe(p) << ", " << pool.threads() << " thread(s), backward: "
              << names[k] << "[" << i << "] = " << actual[k][i] << ", expected " << expected[k][i]
              << " (bound " << bound[k][i] << ")"
              << (actual[k][i] == kUnwritten ? " -- never written" : "");
      return message.str();
    }
  }
  return "";
}

// Runs the case as the bindings do, each buffer its own allocation of exactly the size the
// operator asked for (so AddressSanitizer sees any overrun), and compares with the oracle; then
// the backward pass (check_backward). Returns "" when they agree, else a description of the
// first disagreement.
inline std::string check(const Case& c, ThreadPool& pool) {
  const SepConvParams& p = c.p;
  const float* bias = test::data_or_null(c.bias);

  const size_t packed_bytes = packed_weights_bytes(filter_shape(p));
  if (packed_bytes % sizeof(float) != 0) return test::describe(p) + ": packed size not whole floats";
  std::vector<float> packed(packed_bytes / sizeof(float));
  pack_weights(filter_shape(p), c.depthwise.data(), c.pointwise.data(), bias, packed.data());

  SeparableConv2d op(p);
  std::vector<unsigned char> workspace(op.workspace_bytes(pool.threads()));
  std::vector<float> output(test::output_floats(p), kUnwritten);
  op.run(c.input.data(), packed.data(), output.data(), workspace.data(), pool);

  std::vector<float> expected(output.size());
  separable_conv2d_reference(p, c.input.data(), c.depthwise.data(), c.pointwise.data(), bias,
                             expected.data());
  // The error bound of each element: the same sums over absolute values, no clamp.
  const std::vector<float> abs_bias = absolute(c.bias);
  std::vector<float> bound(output.size());
  separable_conv2d_reference(unclamped(p), absolute(c.input).data(), absolute(c.depthwise).data(),
                             absolute(c.pointwise).data(), test::data_or_null(abs_bias),
                             bound.data());

  for (size_t i = 0; i < output.size(); ++i) {
    if (!agrees(output[i], expected[i], bound[i])) {
      std::ostringstream message;
      message << test::describe(p) << (c.bias.empty() ? ", no bias" : ", bias") << ", "
              << pool.threads() << " thread(s): output[" << i << "] = " << output[i]
              << ", expected " << expected[i] << " (bound " << bound[i] << ")"
              << (output[i] == kUnwritten ? " -- never written" : "");
      return message.str();
    }
  }
  return check_backward(c, output, pool);
}

}  // namespace fuzz
}  // namespace sepconv
