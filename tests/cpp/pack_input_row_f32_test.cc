// pack_input_row_f32 against the formula in its header, written as a plain loop.
#include "pack_input_row_f32.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <vector>

#include "pack_weights_f32.h"
#include "test_util.h"

namespace sepconv {
namespace test {
namespace {

// Packs one row of random values and compares with the formula as a plain loop. extra_lanes
// pads cm_stride beyond the next multiple of 4.
::testing::AssertionResult packs_like_loop(std::mt19937& rng, int32_t in_w, int32_t in_c,
                                           int32_t multiplier, int32_t pad_left, int32_t span,
                                           int32_t extra_lanes, bool nchw) {
  const int32_t cm_count = in_c * multiplier;
  const int32_t cm_stride = round_up(cm_count, 4) + extra_lanes;
  // An NCHW row: pixels adjacent, channels one plane of H*W apart.
  const ptrdiff_t w_stride = nchw ? 1 : in_c;
  const ptrdiff_t c_stride = nchw ? in_w * random_int(rng, 1, 3) : 1;
  const std::vector<float> row =
      random_floats((in_w - 1) * w_stride + (in_c - 1) * c_stride + 1, rng);

  std::vector<float> expected(static_cast<size_t>(span) * cm_stride, 0.0f);
  for (int32_t x = 0; x < span; ++x) {
    const int32_t column = x - pad_left;
    if (column < 0 || column >= in_w) continue;
    for (int32_t q = 0; q < in_c; ++q) {
      for (int32_t r = 0; r < multiplier; ++r) {
        expected[x * cm_stride + q * multiplier + r] = row[column * w_stride + q * c_stride];
      }
    }
  }
  std::vector<float> actual = nans(expected.size());
  pack_input_row_f32(row.data(), w_stride, c_stride, in_w, in_c, multiplier, pad_left, span,
                     cm_stride, actual.data());

  std::ostringstream config;
  config << (nchw ? "NCHW" : "NHWC") << " in_w " << in_w << " in_c " << in_c << " M "
         << multiplier << " pad_left " << pad_left << " span " << span << " cm_stride "
         << cm_stride;
  return all_near(expected, actual, config.str(), 0);
}

TEST(PackInputRowF32, MatchesScalarLoop) {
  std::mt19937 rng(101);
  for (int iteration = 0; iteration < 1000; ++iteration) {
    const int32_t in_w = random_int(rng, 1, 20);
    const int32_t pad_left = random_int(rng, 0, 4);
    // The operator's span may stop inside the image, end in right padding, or (stride larger
    // than the kernel, explicit padding) not even reach the image.
    const int32_t span = random_int(rng, 1, pad_left + in_w + 4);
    ASSERT_TRUE(packs_like_loop(rng, in_w, random_int(rng, 1, 9), random_int(rng, 1, 3), pad_left,
                                span, 4 * random_int(rng, 0, 1), random_int(rng, 0, 1) == 1));
  }
}

// NHWC rows with C a multiple of 4 and M = 1 are copied as one block: every way the span can
// cover the image.
TEST(PackInputRowF32, DenseRowsCopiedWhole) {
  std::mt19937 rng(102);
  for (int32_t in_c : {4, 8, 32}) {
    for (int32_t pad_left : {0, 1, 3}) {
      for (int32_t span : {1, 2, 5, 9, 12, 16}) {
        ASSERT_TRUE(packs_like_loop(rng, 9, in_c, 1, pad_left, span, 0, false));
      }
    }
  }
}

}  // namespace
}  // namespace test
}  // namespace sepconv
