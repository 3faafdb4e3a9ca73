// pointwise_f32_simd128 against the formula in its header, written as a plain loop over the
// unpacked weights.
#include "pointwise_f32_simd128.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>
#include <vector>

#include "pack_weights_f32.h"
#include "test_util.h"

namespace sepconv {
namespace test {
namespace {

TEST(PointwiseF32Simd128, MatchesScalarLoop) {
  std::mt19937 rng(401);
  for (int iteration = 0; iteration < 1000; ++iteration) {
    const int32_t pixels = random_int(rng, 1, 20);
    const int32_t cm_count = random_int(rng, 1, 27);
    const int32_t mid_stride = round_up(cm_count, 4) + 4 * random_int(rng, 0, 1);
    const int32_t out_c = random_int(rng, 1, 30);
    // NHWC writes channels contiguously; NCHW writes each channel as a strided plane. Extra
    // stride leaves gaps the kernel must not touch.
    const bool nchw = random_int(rng, 0, 1) == 1;
    const ptrdiff_t stride_j = nchw ? 1 : out_c + random_int(rng, 0, 2);
    const ptrdiff_t stride_k = nchw ? pixels + random_int(rng, 0, 3) : 1;

    // Lanes past cm_count are NaN: if the kernel summed them, its outputs would be NaN.
    std::vector<float> mid = nans(static_cast<size_t>(pixels) * mid_stride);
    for (int32_t j = 0; j < pixels; ++j) {
      const std::vector<float> values = random_floats(cm_count, rng);
      std::copy(values.begin(), values.end(), mid.begin() + j * mid_stride);
    }
    const std::vector<float> pointwise = random_floats(static_cast<size_t>(cm_count) * out_c, rng);
    std::vector<float> packed(packed_pointwise_floats(cm_count, out_c));
    pack_pointwise_f32(pointwise.data(), cm_count, out_c, packed.data());

    const size_t out_floats = (pixels - 1) * stride_j + (out_c - 1) * stride_k + 1;
    std::vector<float> expected = nans(out_floats);  // NaN where nothing may be written
    for (int32_t j = 0; j < pixels; ++j) {
      for (int32_t k = 0; k < out_c; ++k) {
        double sum = 0.0;
        for (int32_t cm = 0; cm < cm_count; ++cm) {
          sum += static_cast<double>(mid[j * mid_stride + cm]) * pointwise[cm * out_c + k];
        }
        expected[j * stride_j + k * stride_k] = static_cast<float>(sum);
      }
    }
    std::vector<float> actual = nans(out_floats);
    pointwise_f32_simd128(mid.data(), pixels, mid_stride, cm_count, packed.data(), out_c,
                          actual.data(), stride_j, stride_k);

    std::ostringstream config;
    config << "pixels " << pixels << " cm_count " << cm_count << " mid_stride " << mid_stride
           << " out_c " << out_c << " out strides " << stride_j << ',' << stride_k;
    ASSERT_TRUE(all_near(expected, actual, config.str()));
  }
}

}  // namespace
}  // namespace test
}  // namespace sepconv
