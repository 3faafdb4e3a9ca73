// A random case for the depthwise row microkernels, with its expected output computed by the
// formula in dwconv_row_f32_simd128.h written as a plain loop. Every row kernel is tested
// against the same oracle.
#pragma once

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "pack_weights_f32.h"
#include "test_util.h"

namespace sepconv {
namespace test {

struct DwconvRowCase {
  int32_t k_h, k_w, out_w, stride, dilation, cm_stride;
  std::vector<std::vector<float>> row_data;
  std::vector<const float*> rows;  // nullptr: a row in the zero padding
  std::vector<float> weights;
  std::vector<float> expected;

  std::string describe() const {
    std::ostringstream out;
    out << "kernel " << k_h << 'x' << k_w << " out_w " << out_w << " stride " << stride
        << " dilation " << dilation << " cm_stride " << cm_stride << " rows present";
    for (const float* row : rows) out << ' ' << (row != nullptr);
    return out.str();
  }
};

// Stride and dilation are drawn independently (the kernels must not assume either is 1).
// Each present row is present with probability `row_presence`; each row holds exactly the
// pixels the kernel may read, so an over-read is an ASan error.
inline DwconvRowCase random_dwconv_row_case(std::mt19937& rng, int32_t k_h, int32_t k_w,
                                            double row_presence) {
  DwconvRowCase c;
  c.k_h = k_h;
  c.k_w = k_w;
  c.out_w = random_int(rng, 1, 20);
  c.stride = random_int(rng, 1, 3);
  c.dilation = random_int(rng, 1, 3);
  c.cm_stride = round_up(random_int(rng, 1, 27), 4);
  const int32_t span = (c.out_w - 1) * c.stride + (k_w - 1) * c.dilation + 1;
  c.row_data.resize(k_h);
  c.rows.assign(k_h, nullptr);
  std::bernoulli_distribution present(row_presence);
  for (int32_t di = 0; di < k_h; ++di) {
    if (!present(rng)) continue;
    c.row_data[di] = random_floats(static_cast<size_t>(span) * c.cm_stride, rng);
    c.rows[di] = c.row_data[di].data();
  }
  c.weights = random_floats(static_cast<size_t>(k_h) * k_w * c.cm_stride, rng);
  c.expected.resize(static_cast<size_t>(c.out_w) * c.cm_stride);
  for (int32_t j = 0; j < c.out_w; ++j) {
    for (int32_t ch = 0; ch < c.cm_stride; ++ch) {
      double sum = 0.0;
      for (int32_t di = 0; di < k_h; ++di) {
        if (c.rows[di] == nullptr) continue;
        for (int32_t dj = 0; dj < k_w; ++dj) {
          sum += static_cast<double>(
                     c.rows[di][(j * c.stride + dj * c.dilation) * c.cm_stride + ch]) *
                 c.weights[(di * k_w + dj) * c.cm_stride + ch];
        }
      }
      c.expected[j * c.cm_stride + ch] = static_cast<float>(sum);
    }
  }
  return c;
}

}  // namespace test
}  // namespace sepconv
