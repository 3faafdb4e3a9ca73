// dwconv_row_f32_simd128, the general depthwise row kernel, against the scalar oracle.
#include "dwconv_row_f32_simd128.h"

#include <gtest/gtest.h>

#include "dwconv_row_case.h"

namespace sepconv {
namespace test {
namespace {

TEST(DwconvRowF32Simd128, MatchesScalarLoop) {
  std::mt19937 rng(301);
  for (int iteration = 0; iteration < 1000; ++iteration) {
    const DwconvRowCase c =
        random_dwconv_row_case(rng, random_int(rng, 1, 5), random_int(rng, 1, 5), 2.0 / 3.0);
    std::vector<float> actual = nans(c.expected.size());
    dwconv_row_f32_simd128(c.rows.data(), c.k_h, c.k_w, c.weights.data(), c.out_w, c.stride,
                           c.dilation, c.cm_stride, actual.data());
    ASSERT_TRUE(all_near(c.expected, actual, c.describe()));
  }
}

}  // namespace
}  // namespace test
}  // namespace sepconv
