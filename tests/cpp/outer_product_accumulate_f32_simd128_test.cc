// outer_product_accumulate_f32_simd128 against the formula in its header as a plain loop.
#include "outer_product_accumulate_f32_simd128.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <vector>

#include "pack_weights_f32.h"
#include "test_util.h"

namespace sepconv {
namespace test {
namespace {

TEST(OuterProductAccumulateF32Simd128, MatchesScalarLoop) {
  std::mt19937 rng(1313);
  for (int iteration = 0; iteration < 1000; ++iteration) {
    const int32_t pixels = random_int(rng, 1, 70);
    const int32_t rows = random_int(rng, 1, 30);
    const int32_t cols = random_int(rng, 1, 30);
    const int32_t a_stride = round_up(rows, 4) + 4 * random_int(rng, 0, 1);
    const int32_t b_stride = round_up(cols, 8) + 4 * random_int(rng, 0, 1);
    const int32_t acc_stride = cols + random_int(rng, 0, 3);  // gaps the kernel must not touch
    // Padding lanes of a and b hold NaN: a kernel that used them would spread it.
    std::vector<float> a = nans(static_cast<size_t>(pixels) * a_stride);
    std::vector<float> b = nans(static_cast<size_t>(pixels) * b_stride);
    for (int32_t j = 0; j < pixels; ++j) {
      for (int32_t m = 0; m < rows; ++m) a[j * a_stride + m] = random_floats(1, rng)[0];
      for (int32_t k = 0; k < cols; ++k) b[j * b_stride + k] = random_floats(1, rng)[0];
    }
    const size_t acc_floats = static_cast<size_t>(rows - 1) * acc_stride + cols;
    std::vector<float> start = nans(acc_floats);
    std::vector<float> expected = nans(acc_floats);
    for (int32_t m = 0; m < rows; ++m) {
      for (int32_t k = 0; k < cols; ++k) {
        const float initial = random_floats(1, rng)[0];
        start[m * acc_stride + k] = initial;
        double sum = initial;
        for (int32_t j = 0; j < pixels; ++j)
          sum += double{a[j * a_stride + m]} * b[j * b_stride + k];
        expected[m * acc_stride + k] = static_cast<float>(sum);
      }
    }
    std::vector<float> actual = start;
    outer_product_accumulate_f32_simd128(a.data(), pixels, a_stride, rows, b.data(), b_stride, cols,
                                         actual.data(), acc_stride);
    std::ostringstream config;
    config << "pixels " << pixels << " rows " << rows << " cols " << cols << " strides " << a_stride
           << ',' << b_stride << ',' << acc_stride;
    ASSERT_TRUE(all_near(expected, actual, config.str()));
  }
}

}  // namespace
}  // namespace test
}  // namespace sepconv
