// mask_output_grad_f32_simd128 against the formula in its header, with the activations' rule
// written out by hand (not activation_passes), in both output layouts.
#include "mask_output_grad_f32_simd128.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>
#include <vector>

#include "pack_weights_f32.h"
#include "test_util.h"

namespace sepconv {
namespace test {
namespace {

// TensorFlow's rule: relu passes where y > 0, relu6 where 0 < y < 6; no activation passes all.
bool passes(const Activation& a, float y) {
  if (a.name == "linear") return true;
  if (a.name == "relu") return y > 0.0f;
  if (a.name == "relu6") return y > 0.0f && y < 6.0f;
  return y > a.min && y < a.max;  // a finite clamp
}

TEST(MaskOutputGradF32Simd128, MatchesRule) {
  std::mt19937 rng(1314);
  for (int iteration = 0; iteration < 500; ++iteration) {
    const Activation activation = random_activation(rng);
    const int32_t pixels = random_int(rng, 1, 40);
    const int32_t out_c = random_int(rng, 1, 20);
    const int32_t g_stride = round_up(out_c, 4) + 4 * random_int(rng, 0, 1);
    const bool nchw = random_int(rng, 0, 1) == 1;
    const ptrdiff_t stride_j = nchw ? 1 : out_c, stride_k = nchw ? pixels : 1;
    std::vector<float> y = random_floats(static_cast<size_t>(pixels) * out_c, rng);
    for (float& v : y) {
      v *= 8.0f;  // across relu6's bounds too
      // Outputs exactly at a bound, and NaNs, which only linear passes.
      const int special = random_int(rng, 0, 9);
      if (special == 0) v = std::isinf(activation.min) ? 0.0f : activation.min;
      if (special == 1) v = std::isinf(activation.max) ? 6.0f : activation.max;
      if (special == 2) v = std::nanf("");
    }
    std::vector<float> dy = random_floats(y.size(), rng);
    for (float& v : dy) {
      // A NaN gradient stays NaN where masked too, as TensorFlow's product does.
      if (random_int(rng, 0, 19) == 0) v = std::nanf("");
    }
    const bool with_sums = random_int(rng, 0, 1) == 1;
    const std::vector<float> start = random_floats(out_c, rng);
    std::vector<float> expected(static_cast<size_t>(pixels) * g_stride, 0.0f);
    std::vector<double> sums(start.begin(), start.end());
    for (int32_t j = 0; j < pixels; ++j) {
      for (int32_t k = 0; k < out_c; ++k) {
        const ptrdiff_t at = j * stride_j + k * stride_k;
        expected[j * g_stride + k] = dy[at] * (passes(activation, y[at]) ? 1.0f : 0.0f);
        sums[k] += expected[j * g_stride + k];
      }
    }
    std::vector<float> actual = nans(expected.size());
    std::vector<float> actual_sums = start;
    // Without an activation the kernel may be given no y at all.
    const bool without_y = activation.name == "linear" && random_int(rng, 0, 1) == 1;
    mask_output_grad_f32_simd128(without_y ? nullptr : y.data(), dy.data(), pixels, out_c, stride_j,
                                 stride_k, activation.min, activation.max, actual.data(), g_stride,
                                 with_sums ? actual_sums.data() : nullptr);
    std::ostringstream config;
    config << activation.name << " pixels " << pixels << " out_c " << out_c << " g_stride "
           << g_stride << (nchw ? " NCHW" : " NHWC") << (without_y ? ", no y" : "");
    ASSERT_TRUE(all_near(expected, actual, config.str(), 0));
    const std::vector<float> want_sums =
        with_sums ? std::vector<float>(sums.begin(), sums.end()) : start;
    ASSERT_TRUE(all_near(want_sums, actual_sums, config.str() + ", sums"));
  }
}

}  // namespace
}  // namespace test
}  // namespace sepconv
