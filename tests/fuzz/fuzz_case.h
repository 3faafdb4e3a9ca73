// One fuzz case: arbitrary bytes -> a bounded separable convolution, run through pack_weights and
// SeparableConv2d::run with exactly-sized buffers, compared with the double-precision oracle.
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
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "separable_conv2d.h"
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

  float next(bool specials) {
    uint8_t b;
    if (!bytes_.exhausted()) {
      b = bytes_.next();
    } else {
      state_ = state_ * 1664525u + 1013904223u;  // an LCG: the same bytes give the same tensors
      b = static_cast<uint8_t>(state_ >> 24);
    }
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
  return true;
}

// A value no output can take (every |output| < 2^20 and clamps lie within [-4, 4]): an element
// still holding it was never written.
constexpr float kUnwritten = -1.0e30f;

// Runs the case as the bindings do, each buffer its own allocation of exactly the size the
// operator asked for (so AddressSanitizer sees any overrun), and compares with the oracle.
// Returns "" when they agree, else a description of the first disagreement.
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
  // The error bound of each element: the same sums over absolute values, no clamp. Non-finite
  // where a NaN or infinity is in the window; there the kernel must match exactly.
  auto absolute = [](const std::vector<float>& v) {
    std::vector<float> a(v.size());
    for (size_t i = 0; i < v.size(); ++i) a[i] = std::fabs(v[i]);
    return a;
  };
  SepConvParams unclamped = p;
  unclamped.output_min = -std::numeric_limits<float>::infinity();
  unclamped.output_max = std::numeric_limits<float>::infinity();
  const std::vector<float> abs_bias = absolute(c.bias);
  std::vector<float> bound(output.size());
  separable_conv2d_reference(unclamped, absolute(c.input).data(), absolute(c.depthwise).data(),
                             absolute(c.pointwise).data(), test::data_or_null(abs_bias),
                             bound.data());

  for (size_t i = 0; i < output.size(); ++i) {
    const float e = expected[i];
    const float a = output[i];
    bool ok;
    if (std::isnan(e) || std::isnan(a)) {
      ok = std::isnan(e) && std::isnan(a);  // NaN exactly where the oracle has it
    } else if (!std::isfinite(bound[i])) {
      ok = a == e;  // a window with an infinity (or NaN): only +-inf or a clamp bound, exactly
    } else {
      ok = std::fabs(static_cast<double>(a) - e) <= 1e-4 * (1.0 + bound[i]);
    }
    if (!ok) {
      std::ostringstream message;
      message << test::describe(p) << (c.bias.empty() ? ", no bias" : ", bias") << ", "
              << pool.threads() << " thread(s): output[" << i << "] = " << a << ", expected " << e
              << " (bound " << bound[i] << ")" << (a == kUnwritten ? " -- never written" : "");
      return message.str();
    }
  }
  return "";
}

}  // namespace fuzz
}  // namespace sepconv
