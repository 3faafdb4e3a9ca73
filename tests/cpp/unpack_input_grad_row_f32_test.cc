// unpack_input_grad_row_f32 against the formula in its header as a plain loop, in both layouts.
#include "unpack_input_grad_row_f32.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <vector>

#include "pack_weights_f32.h"
#include "test_util.h"

namespace sepconv {
namespace test {
namespace {

TEST(UnpackInputGradRowF32, MatchesScalarLoop) {
  std::mt19937 rng(1315);
  for (int iteration = 0; iteration < 1000; ++iteration) {
    const int32_t in_w = random_int(rng, 1, 20);
    const int32_t in_c = random_int(rng, 1, 6);
    const int32_t multiplier = random_int(rng, 1, 3);
    const int32_t pad_left = random_int(rng, 0, 3);
    // Spans shorter than the padded image leave columns no output reads.
    const int32_t span = random_int(rng, 1, in_w + 2 * pad_left + 2);
    const int32_t cm_stride = round_up(in_c * multiplier, 4) + 4 * random_int(rng, 0, 1);
    const bool absent = random_int(rng, 0, 4) == 0;  // a row no output reads
    const std::vector<float> packed = random_floats(static_cast<size_t>(span) * cm_stride, rng);
    const bool nchw = random_int(rng, 0, 1) == 1;
    const ptrdiff_t w_stride = nchw ? 1 : in_c + random_int(rng, 0, 2);
    const ptrdiff_t c_stride = nchw ? in_w + random_int(rng, 0, 2) : 1;
    const size_t row_floats = (in_w - 1) * w_stride + (in_c - 1) * c_stride + 1;
    std::vector<float> expected = nans(row_floats);  // gaps stay NaN: never written
    for (int32_t x = 0; x < in_w; ++x) {
      for (int32_t q = 0; q < in_c; ++q) {
        double sum = 0.0;
        for (int32_t r = 0; r < multiplier && !absent && x + pad_left < span; ++r) {
          sum += packed[(x + pad_left) * cm_stride + q * multiplier + r];
        }
        expected[x * w_stride + q * c_stride] = static_cast<float>(sum);
      }
    }
    std::vector<float> actual = nans(row_floats);
    unpack_input_grad_row_f32(absent ? nullptr : packed.data(), span, cm_stride, pad_left, in_w,
                              in_c, multiplier, actual.data(), w_stride, c_stride);
    std::ostringstream config;
    config << "in_w " << in_w << " in_c " << in_c << " M " << multiplier << " pad_left " << pad_left
           << " span " << span << (absent ? " absent" : "") << (nchw ? " NCHW" : "");
    ASSERT_TRUE(all_near(expected, actual, config.str()));
  }
}

}  // namespace
}  // namespace test
}  // namespace sepconv
