// pointwise_f32_simd128 against the formula in its header, written as a plain loop over the
// unpacked weights and bias, with the clamp applied by test_util's clamp_output.
#include "pointwise_f32_simd128.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "pack_weights_f32.h"
#include "test_util.h"

namespace sepconv {
namespace test {
namespace {

// One call of the kernel: geometry, unpacked data, and the clamp.
struct PointwiseCase {
  int32_t pixels, cm_count, mid_stride, out_c;
  ptrdiff_t stride_j, stride_k;
  std::vector<float> mid, pointwise, bias;  // bias empty: none
  Activation activation;

  size_t out_floats() const { return (pixels - 1) * stride_j + (out_c - 1) * stride_k + 1; }

  std::string describe() const {
    std::ostringstream s;
    s << "pixels " << pixels << " cm_count " << cm_count << " mid_stride " << mid_stride
      << " out_c " << out_c << " out strides " << stride_j << ',' << stride_k
      << (bias.empty() ? " no" : " with") << " bias, clamp " << activation.name;
    return s.str();
  }
};

// large_weights: more packed weights than fit next to the tile in L1 (over 36 KiB), which the
// kernel walks in the other loop order.
PointwiseCase random_case(std::mt19937& rng, const Activation& activation,
                          bool large_weights = false) {
  PointwiseCase c;
  c.pixels = random_int(rng, 1, 20);
  c.cm_count = large_weights ? random_int(rng, 150, 200) : random_int(rng, 1, 27);
  c.mid_stride = round_up(c.cm_count, 4) + 4 * random_int(rng, 0, 1);
  c.out_c = large_weights ? random_int(rng, 60, 90) : random_int(rng, 1, 30);
  // NHWC writes channels contiguously; NCHW writes each channel as a strided plane. Extra
  // stride leaves gaps the kernel must not touch.
  const bool nchw = random_int(rng, 0, 1) == 1;
  c.stride_j = nchw ? 1 : c.out_c + random_int(rng, 0, 2);
  c.stride_k = nchw ? c.pixels + random_int(rng, 0, 3) : 1;
  // Lanes past cm_count are NaN: if the kernel summed them, its outputs would be NaN.
  c.mid = nans(static_cast<size_t>(c.pixels) * c.mid_stride);
  for (int32_t j = 0; j < c.pixels; ++j) {
    const std::vector<float> values = random_floats(c.cm_count, rng);
    std::copy(values.begin(), values.end(), c.mid.begin() + j * c.mid_stride);
  }
  c.pointwise = random_floats(static_cast<size_t>(c.cm_count) * c.out_c, rng);
  c.bias = random_bias(c.out_c, rng);
  c.activation = activation;
  return c;
}

// The header's formula in double precision; `fill` wherever the kernel must not write.
std::vector<float> scalar_pointwise(const PointwiseCase& c, float fill) {
  std::vector<float> out(c.out_floats(), fill);
  for (int32_t j = 0; j < c.pixels; ++j) {
    for (int32_t k = 0; k < c.out_c; ++k) {
      double sum = c.bias.empty() ? 0.0 : c.bias[k];
      for (int32_t cm = 0; cm < c.cm_count; ++cm) {
        sum += static_cast<double>(c.mid[j * c.mid_stride + cm]) * c.pointwise[cm * c.out_c + k];
      }
      out[j * c.stride_j + k * c.stride_k] =
          clamp_output(static_cast<float>(sum), c.activation.min, c.activation.max);
    }
  }
  return out;
}

// Packs exactly as the operator does and runs the kernel on an output prefilled with `fill`.
std::vector<float> run_kernel(const PointwiseCase& c, float fill) {
  std::vector<float> packed(packed_pointwise_floats(c.cm_count, c.out_c));
  pack_pointwise_f32(c.pointwise.data(), data_or_null(c.bias), c.cm_count, c.out_c, packed.data());
  std::vector<float> out(c.out_floats(), fill);
  pointwise_f32_simd128(c.mid.data(), c.pixels, c.mid_stride, c.cm_count, packed.data(), c.out_c,
                        c.activation.min, c.activation.max, out.data(), c.stride_j, c.stride_k);
  return out;
}

// The named activations plus one arbitrary finite range that clips on both sides.
std::vector<Activation> clamps_under_test() {
  return {linear(), relu(), relu6(), {"[-0.75, 0.5]", -0.75f, 0.5f}};
}

TEST(PointwiseF32Simd128, MatchesScalarLoopForEveryClamp) {
  std::mt19937 rng(401);
  for (const Activation& activation : clamps_under_test()) {
    // Outputs pinned at each bound: without some, a clamp test would not be testing the clamp.
    size_t at_min = 0, at_max = 0;
    for (int iteration = 0; iteration < 300; ++iteration) {
      const PointwiseCase c = random_case(rng, activation, iteration % 10 == 0);
      // The output is prefilled with NaN, so an element the kernel forgot to write fails.
      const std::vector<float> expected = scalar_pointwise(c, std::nanf(""));
      ASSERT_TRUE(all_near(expected, run_kernel(c, std::nanf("")), c.describe()));
      at_min += std::count(expected.begin(), expected.end(), activation.min);
      at_max += std::count(expected.begin(), expected.end(), activation.max);
    }
    if (std::isfinite(activation.min)) EXPECT_GT(at_min, 0u) << activation.name;
    if (std::isfinite(activation.max)) EXPECT_GT(at_max, 0u) << activation.name;
  }
}

// A NaN in a pixel's depthwise outputs must reach all of that pixel's outputs under every clamp:
// a max/min that returned the bound for NaN would silently turn it into 0 (relu) or a bound.
TEST(PointwiseF32Simd128, NanInMidStaysNanForEveryClamp) {
  // Finite and outside every clamp's range, so an unwritten element can neither pass for an
  // expected NaN nor for a real result.
  constexpr float kUnwritten = -1.0e30f;
  std::mt19937 rng(402);
  for (const Activation& activation : clamps_under_test()) {
    for (int iteration = 0; iteration < 200; ++iteration) {
      PointwiseCase c = random_case(rng, activation);
      std::vector<bool> poisoned(c.pixels, false);
      for (int32_t j = 0; j < c.pixels; ++j) {
        if (random_int(rng, 0, 2) != 0) continue;
        poisoned[j] = true;
        c.mid[j * c.mid_stride + random_int(rng, 0, c.cm_count - 1)] = std::nanf("");
      }
      const std::vector<float> actual = run_kernel(c, kUnwritten);
      ASSERT_TRUE(all_near(scalar_pointwise(c, kUnwritten), actual, c.describe()));
      // The comparison above already demands it; stated directly, the failure names the pixel.
      for (int32_t j = 0; j < c.pixels; ++j) {
        for (int32_t k = 0; k < c.out_c; ++k) {
          ASSERT_EQ(std::isnan(actual[j * c.stride_j + k * c.stride_k]), poisoned[j])
              << c.describe() << ": pixel " << j << " channel " << k;
        }
      }
    }
  }
}

}  // namespace
}  // namespace test
}  // namespace sepconv
