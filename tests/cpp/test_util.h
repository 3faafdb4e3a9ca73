// Helpers shared by the native tests: TF-style geometry, seeded data, and one comparison that
// says which configuration failed.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "separable_conv2d_reference.h"
#include "sepconv_params.h"

namespace sepconv {
namespace test {

enum class Padding { kSame, kValid, kExplicit };

// A convolution as a TensorFlow caller states it; make_params derives what SepConvParams holds.
struct ConvSpec {
  int32_t batch = 1, in_h = 1, in_w = 1, in_c = 1;
  int32_t k_h = 1, k_w = 1, multiplier = 1, out_c = 1;
  int32_t stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  Padding padding = Padding::kValid;
  int32_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;  // kExplicit only
  bool nchw = false;
};

struct AxisGeometry {
  int32_t out;  // < 1 when the kernel does not fit
  int32_t pad_before;
};

// TensorFlow's output size and leading padding along one axis. In 64 bits: strides, dilations
// and pads may each be up to 2^31-1 (tests/cpp/size_limits_test.cc); every result fits in 32.
inline AxisGeometry axis_geometry(Padding padding, int32_t in, int32_t k, int32_t stride,
                                  int32_t dilation, int32_t pad_before, int32_t pad_after) {
  const int64_t effective = int64_t{k - 1} * dilation + 1;
  switch (padding) {
    case Padding::kSame: {
      const int64_t out = (int64_t{in} + stride - 1) / stride;
      const int64_t total = std::max<int64_t>((out - 1) * stride + effective - in, 0);
      // An odd total puts the extra zero after the image.
      return {static_cast<int32_t>(out), static_cast<int32_t>(total / 2)};
    }
    case Padding::kValid: {
      const int64_t span = in - effective + 1;  // a span <= 0 gives an output < 1, as it should
      return {static_cast<int32_t>(std::max<int64_t>((span + stride - 1) / stride, 0)), 0};
    }
    case Padding::kExplicit: {
      const int64_t span = int64_t{in} + pad_before + pad_after - effective;
      // Division truncates toward zero: -1 / 2 + 1 would claim one output, so guard it.
      return {static_cast<int32_t>(span >= 0 ? span / stride + 1 : 0), pad_before};
    }
  }
  return {0, 0};
}

inline SepConvParams make_params(const ConvSpec& s) {
  const AxisGeometry h =
      axis_geometry(s.padding, s.in_h, s.k_h, s.stride_h, s.dilation_h, s.pad_top, s.pad_bottom);
  const AxisGeometry w =
      axis_geometry(s.padding, s.in_w, s.k_w, s.stride_w, s.dilation_w, s.pad_left, s.pad_right);
  SepConvParams p;
  p.batch = s.batch;
  p.in_h = s.in_h;
  p.in_w = s.in_w;
  p.in_c = s.in_c;
  p.k_h = s.k_h;
  p.k_w = s.k_w;
  p.multiplier = s.multiplier;
  p.out_c = s.out_c;
  p.out_h = h.out;
  p.out_w = w.out;
  p.stride_h = s.stride_h;
  p.stride_w = s.stride_w;
  p.dilation_h = s.dilation_h;
  p.dilation_w = s.dilation_w;
  p.pad_top = h.pad_before;
  p.pad_left = w.pad_before;
  p.nchw = s.nchw;
  return p;
}

// Element counts of the four tensors of one call.
inline size_t input_floats(const SepConvParams& p) {
  return size_t{1} * p.batch * p.in_h * p.in_w * p.in_c;
}
inline size_t depthwise_floats(const SepConvParams& p) {
  return size_t{1} * p.k_h * p.k_w * p.in_c * p.multiplier;
}
inline size_t pointwise_floats(const SepConvParams& p) {
  return size_t{1} * p.in_c * p.multiplier * p.out_c;
}
inline size_t output_floats(const SepConvParams& p) {
  return size_t{1} * p.batch * p.out_h * p.out_w * p.out_c;
}

// An empty vector stands for "no bias": the APIs take a null pointer for it, and every call
// has out_c >= 1, so a real bias is never empty.
inline const float* data_or_null(const std::vector<float>& values) {
  return values.empty() ? nullptr : values.data();
}

// The oracle's output for one call, as a fresh vector. bias empty: no bias.
inline std::vector<float> reference_output(const SepConvParams& p, const std::vector<float>& input,
                                           const std::vector<float>& depthwise,
                                           const std::vector<float>& pointwise,
                                           const std::vector<float>& bias = {}) {
  std::vector<float> output(output_floats(p));
  separable_conv2d_reference(p, input.data(), depthwise.data(), pointwise.data(),
                             data_or_null(bias), output.data());
  return output;
}

// The fused activation as the clamp the kernels apply.
struct Activation {
  std::string name;
  float min, max;
};

constexpr float kInfinity = std::numeric_limits<float>::infinity();

inline Activation linear() { return {"linear", -kInfinity, kInfinity}; }
inline Activation relu() { return {"relu", 0.0f, kInfinity}; }
inline Activation relu6() { return {"relu6", 0.0f, 6.0f}; }

// The three TensorFlow activations, or (a quarter of the time) an arbitrary finite [lo, hi].
// The arbitrary bounds straddle the typical magnitude of the random test sums (about 1-3), so
// both bounds actually clip some outputs and leave others inside.
inline Activation random_activation(std::mt19937& rng) {
  switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
    case 0:
      return linear();
    case 1:
      return relu();
    case 2:
      return relu6();
    default: {
      const float lo = std::uniform_real_distribution<float>(-2.0f, 0.5f)(rng);
      const float hi = lo + std::uniform_real_distribution<float>(0.25f, 2.5f)(rng);
      std::ostringstream name;
      name << '[' << lo << ", " << hi << ']';
      return {name.str(), lo, hi};
    }
  }
}

inline SepConvParams with_activation(SepConvParams p, const Activation& a) {
  p.output_min = a.min;
  p.output_max = a.max;
  return p;
}

// The clamp written out plainly, independently of the kernels' pmin/pmax and the oracle's
// std::min/max: NaN stays NaN whatever the bounds.
inline float clamp_output(float value, float lo, float hi) {
  if (std::isnan(value)) return value;
  if (value < lo) return lo;
  if (value > hi) return hi;
  return value;
}

inline std::string describe(const SepConvParams& p) {
  std::ostringstream s;
  s << "input " << (p.nchw ? "NCHW " : "NHWC ") << p.batch << 'x' << p.in_h << 'x' << p.in_w << 'x'
    << p.in_c << ", kernel " << p.k_h << 'x' << p.k_w << " M=" << p.multiplier << " O=" << p.out_c
    << ", stride " << p.stride_h << ',' << p.stride_w << " dilation " << p.dilation_h << ','
    << p.dilation_w << ", pad_top " << p.pad_top << " pad_left " << p.pad_left << ", output "
    << p.out_h << 'x' << p.out_w << ", clamp [" << p.output_min << ", " << p.output_max << ']';
  return s.str();
}

inline int32_t random_int(std::mt19937& rng, int32_t lo, int32_t hi) {  // inclusive
  return std::uniform_int_distribution<int32_t>(lo, hi)(rng);
}

inline std::vector<float> random_floats(size_t count, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> values(count);
  for (float& v : values) v = dist(rng);
  return values;
}

// A random bias, or (a quarter of the time) none, so the null-bias path of every API that takes
// one stays covered by the same random sweeps.
inline std::vector<float> random_bias(size_t out_c, std::mt19937& rng) {
  if (random_int(rng, 0, 3) == 0) return {};
  return random_floats(out_c, rng);
}

// The ranges random_spec draws from (each from 1, pads from 0).
struct SpecLimits {
  int32_t batch = 3, size = 20, channels = 9, multiplier = 3, out_c = 11, kernel = 5, step = 3,
          pad = 3;
};

// Strides and dilations are never both above 1, as TensorFlow requires.
inline ConvSpec random_spec(std::mt19937& rng, const SpecLimits& l = {}) {
  ConvSpec s;
  s.batch = random_int(rng, 1, l.batch);
  s.in_h = random_int(rng, 1, l.size);
  s.in_w = random_int(rng, 1, l.size);
  s.in_c = random_int(rng, 1, l.channels);
  s.multiplier = random_int(rng, 1, l.multiplier);
  s.out_c = random_int(rng, 1, l.out_c);
  s.k_h = random_int(rng, 1, l.kernel);
  s.k_w = random_int(rng, 1, l.kernel);
  if (random_int(rng, 0, 1) == 0) {
    s.stride_h = random_int(rng, 1, l.step);
    s.stride_w = random_int(rng, 1, l.step);
  } else {
    s.dilation_h = random_int(rng, 1, l.step);
    s.dilation_w = random_int(rng, 1, l.step);
  }
  s.padding = static_cast<Padding>(random_int(rng, 0, 2));
  if (s.padding == Padding::kExplicit) {
    s.pad_top = random_int(rng, 0, l.pad);
    s.pad_bottom = random_int(rng, 0, l.pad);
    s.pad_left = random_int(rng, 0, l.pad);
    s.pad_right = random_int(rng, 0, l.pad);
  }
  s.nchw = random_int(rng, 0, 1) == 1;
  return s;
}

// A random geometry that fits (TF rejects the others before any kernel runs), with a random
// activation.
inline SepConvParams random_params(std::mt19937& rng, const SpecLimits& limits = {}) {
  for (;;) {
    const SepConvParams p = make_params(random_spec(rng, limits));
    if (p.out_h >= 1 && p.out_w >= 1) return with_activation(p, random_activation(rng));
  }
}

inline std::vector<float> nans(size_t count) {
  return std::vector<float>(count, std::numeric_limits<float>::quiet_NaN());
}

// The tolerance for float kernels against a double-precision oracle.
constexpr double kTolerance = 1e-5;

// Passes when every |actual - expected| <= tolerance * (1 + max|expected|). A NaN matches only a
// NaN: tests prefill outputs with NaN, so an element a kernel forgot to write fails, and an
// expected NaN marks an element the kernel must leave untouched. tolerance 0 demands exact copies.
inline ::testing::AssertionResult all_near(const std::vector<float>& expected,
                                           const std::vector<float>& actual,
                                           const std::string& config,
                                           double tolerance = kTolerance) {
  if (expected.size() != actual.size()) {
    return ::testing::AssertionFailure()
           << config << ": " << actual.size() << " elements, expected " << expected.size();
  }
  double scale = 0.0;
  for (float e : expected) {
    if (!std::isnan(e)) scale = std::max(scale, std::fabs(static_cast<double>(e)));
  }
  const double limit = tolerance * (1.0 + scale);
  size_t mismatches = 0, first = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const bool both_nan = std::isnan(expected[i]) && std::isnan(actual[i]);
    const double error = std::fabs(static_cast<double>(actual[i]) - expected[i]);
    if (!both_nan && !(error <= limit)) {  // written so that a NaN error fails
      if (mismatches++ == 0) first = i;
    }
  }
  if (mismatches == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << config << ": " << mismatches << " of " << expected.size()
         << " elements differ; first at index " << first << ": got " << actual[first]
         << ", expected " << expected[first] << " (limit " << limit << ")";
}

}  // namespace test
}  // namespace sepconv
