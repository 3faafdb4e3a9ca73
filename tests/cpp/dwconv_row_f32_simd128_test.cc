// dwconv_row_f32_simd128 against the formula in its header, written as a plain loop.
#include "dwconv_row_f32_simd128.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <vector>

#include "pack_weights_f32.h"
#include "test_util.h"

namespace sepconv {
namespace test {
namespace {

TEST(DwconvRowF32Simd128, MatchesScalarLoop) {
  std::mt19937 rng(301);
  for (int iteration = 0; iteration < 1000; ++iteration) {
    const int32_t k_h = random_int(rng, 1, 5);
    const int32_t k_w = random_int(rng, 1, 5);
    const int32_t out_w = random_int(rng, 1, 20);
    const int32_t stride = random_int(rng, 1, 3);
    const int32_t dilation = random_int(rng, 1, 3);
    const int32_t cm_stride = round_up(random_int(rng, 1, 27), 4);
    // Each row holds exactly the pixels the kernel may read, so an over-read is an ASan error.
    const int32_t span = (out_w - 1) * stride + (k_w - 1) * dilation + 1;
    std::vector<std::vector<float>> row_data(k_h);
    std::vector<const float*> rows(k_h, nullptr);
    for (int32_t di = 0; di < k_h; ++di) {
      if (random_int(rng, 0, 2) == 0) continue;  // a row in the zero padding
      row_data[di] = random_floats(static_cast<size_t>(span) * cm_stride, rng);
      rows[di] = row_data[di].data();
    }
    const std::vector<float> weights =
        random_floats(static_cast<size_t>(k_h) * k_w * cm_stride, rng);

    std::vector<float> expected(static_cast<size_t>(out_w) * cm_stride);
    for (int32_t j = 0; j < out_w; ++j) {
      for (int32_t c = 0; c < cm_stride; ++c) {
        double sum = 0.0;
        for (int32_t di = 0; di < k_h; ++di) {
          if (rows[di] == nullptr) continue;
          for (int32_t dj = 0; dj < k_w; ++dj) {
            sum += static_cast<double>(rows[di][(j * stride + dj * dilation) * cm_stride + c]) *
                   weights[(di * k_w + dj) * cm_stride + c];
          }
        }
        expected[j * cm_stride + c] = static_cast<float>(sum);
      }
    }
    std::vector<float> actual = nans(expected.size());
    dwconv_row_f32_simd128(rows.data(), k_h, k_w, weights.data(), out_w, stride, dilation,
                           cm_stride, actual.data());

    std::ostringstream config;
    config << "kernel " << k_h << 'x' << k_w << " out_w " << out_w << " stride " << stride
           << " dilation " << dilation << " cm_stride " << cm_stride << " rows present";
    for (const float* row : rows) config << ' ' << (row != nullptr);
    ASSERT_TRUE(all_near(expected, actual, config.str()));
  }
}

}  // namespace
}  // namespace test
}  // namespace sepconv
