// dwconv_filter_grad_row_f32_simd128 against the formula in its header as a plain loop, on the
// row kernels' random geometries (dwconv_row_case.h): padding rows, strides, dilations.
#include "dwconv_filter_grad_row_f32_simd128.h"

#include <gtest/gtest.h>

#include "dwconv_row_case.h"

namespace sepconv {
namespace test {
namespace {

TEST(DwconvFilterGradRowF32Simd128, MatchesScalarLoop) {
  std::mt19937 rng(1311);
  for (int iteration = 0; iteration < 1000; ++iteration) {
    const DwconvRowCase c =
        random_dwconv_row_case(rng, random_int(rng, 1, 5), random_int(rng, 1, 5), 2.0 / 3.0);
    const std::vector<float> d_mid = random_floats(static_cast<size_t>(c.out_w) * c.cm_stride, rng);
    // The gradient accumulates: it starts from earlier rows' sums.
    const std::vector<float> start = random_floats(c.weights.size(), rng);
    std::vector<float> expected = start;
    for (int32_t di = 0; di < c.k_h; ++di) {
      if (c.rows[di] == nullptr) continue;
      for (int32_t dj = 0; dj < c.k_w; ++dj) {
        for (int32_t ch = 0; ch < c.cm_stride; ++ch) {
          double sum = start[(di * c.k_w + dj) * c.cm_stride + ch];
          for (int32_t j = 0; j < c.out_w; ++j) {
            sum += double{c.rows[di][(j * c.stride + dj * c.dilation) * c.cm_stride + ch]} *
                   d_mid[j * c.cm_stride + ch];
          }
          expected[(di * c.k_w + dj) * c.cm_stride + ch] = static_cast<float>(sum);
        }
      }
    }
    std::vector<float> actual = start;
    dwconv_filter_grad_row_f32_simd128(c.rows.data(), c.k_h, c.k_w, d_mid.data(), c.out_w, c.stride,
                                       c.dilation, c.cm_stride, actual.data());
    ASSERT_TRUE(all_near(expected, actual, c.describe()));
  }
}

}  // namespace
}  // namespace test
}  // namespace sepconv
