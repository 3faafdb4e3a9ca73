// dwconv_row_5x5_f32_simd128 against the scalar oracle: 5-wide kernels of any height, rows in
// the padding included (all of them, sometimes: the output must then be zero, not stale).
#include "dwconv_row_5x5_f32_simd128.h"

#include <gtest/gtest.h>

#include "dwconv_row_case.h"

namespace sepconv {
namespace test {
namespace {

TEST(DwconvRow5x5F32Simd128, MatchesScalarLoop) {
  std::mt19937 rng(305);
  for (int iteration = 0; iteration < 1000; ++iteration) {
    const DwconvRowCase c = random_dwconv_row_case(rng, random_int(rng, 1, 5), 5, 0.6);
    std::vector<float> actual = nans(c.expected.size());
    dwconv_row_5x5_f32_simd128(c.rows.data(), c.k_h, c.weights.data(), c.out_w, c.stride,
                               c.dilation, c.cm_stride, actual.data());
    ASSERT_TRUE(all_near(c.expected, actual, c.describe()));
  }
}

}  // namespace
}  // namespace test
}  // namespace sepconv
