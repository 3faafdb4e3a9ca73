// dwconv_input_grad_row_f32_simd128 against the formula in its header as a plain loop, on the
// row kernels' random geometries (dwconv_row_case.h): padding rows, strides, dilations, and
// positions that several (pixel, tap) pairs reach.
#include "dwconv_input_grad_row_f32_simd128.h"

#include <gtest/gtest.h>

#include "dwconv_row_case.h"

namespace sepconv {
namespace test {
namespace {

// One random case: the kernel against the plain loop.
::testing::AssertionResult matches_scalar_loop(const DwconvRowCase& c, std::mt19937& rng) {
  const std::vector<float> d_mid = random_floats(static_cast<size_t>(c.out_w) * c.cm_stride, rng);
  // The case's rows are the gradient rows, holding earlier output rows' sums.
  std::vector<std::vector<double>> expected(c.k_h);
  std::vector<std::vector<float>> actual = c.row_data;
  std::vector<float*> rows(c.k_h, nullptr);
  for (int32_t di = 0; di < c.k_h; ++di) {
    if (c.rows[di] == nullptr) continue;
    rows[di] = actual[di].data();
    expected[di].assign(c.row_data[di].begin(), c.row_data[di].end());
    for (int32_t j = 0; j < c.out_w; ++j) {
      for (int32_t dj = 0; dj < c.k_w; ++dj) {
        for (int32_t ch = 0; ch < c.cm_stride; ++ch) {
          expected[di][(j * c.stride + dj * c.dilation) * c.cm_stride + ch] +=
              double{d_mid[j * c.cm_stride + ch]} * c.weights[(di * c.k_w + dj) * c.cm_stride + ch];
        }
      }
    }
  }
  dwconv_input_grad_row_f32_simd128(rows.data(), c.k_h, c.k_w, c.weights.data(), d_mid.data(),
                                    c.out_w, c.stride, c.dilation, c.cm_stride);
  for (int32_t di = 0; di < c.k_h; ++di) {
    const std::vector<float> want(expected[di].begin(), expected[di].end());
    const ::testing::AssertionResult result =
        all_near(want, actual[di], c.describe() + ", row " + std::to_string(di));
    if (!result) return result;
  }
  return ::testing::AssertionSuccess();
}

TEST(DwconvInputGradRowF32Simd128, MatchesScalarLoop) {
  std::mt19937 rng(1312);
  for (int iteration = 0; iteration < 1000; ++iteration) {
    const DwconvRowCase c =
        random_dwconv_row_case(rng, random_int(rng, 1, 5), random_int(rng, 1, 5), 2.0 / 3.0);
    ASSERT_TRUE(matches_scalar_loop(c, rng));
  }
}

// 3x3 with every row present, the fused path at stride 1 (interior and edges, any dilation).
TEST(DwconvInputGradRowF32Simd128, ThreeByThreeMatchesScalarLoop) {
  std::mt19937 rng(1316);
  for (int iteration = 0; iteration < 500; ++iteration) {
    ASSERT_TRUE(matches_scalar_loop(random_dwconv_row_case(rng, 3, 3, 1.0), rng));
  }
}

}  // namespace
}  // namespace test
}  // namespace sepconv
