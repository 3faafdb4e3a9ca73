// dwconv_row_3x3_f32_simd128 against the scalar oracle: 3x3 kernels with every row present,
// its contract (rows in the padding go to the general kernel).
#include "dwconv_row_3x3_f32_simd128.h"

#include <gtest/gtest.h>

#include "dwconv_row_case.h"

namespace sepconv {
namespace test {
namespace {

TEST(DwconvRow3x3F32Simd128, MatchesScalarLoop) {
  std::mt19937 rng(303);
  for (int iteration = 0; iteration < 1000; ++iteration) {
    const DwconvRowCase c = random_dwconv_row_case(rng, 3, 3, 1.0);
    std::vector<float> actual = nans(c.expected.size());
    dwconv_row_3x3_f32_simd128(c.rows.data(), c.weights.data(), c.out_w, c.stride, c.dilation,
                               c.cm_stride, actual.data());
    ASSERT_TRUE(all_near(c.expected, actual, c.describe()));
  }
}

}  // namespace
}  // namespace test
}  // namespace sepconv
