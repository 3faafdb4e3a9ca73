#include "mask_output_grad_f32.h"

#include <algorithm>
#include <cassert>

#include "activation_grad.h"

namespace sepconv {

void mask_output_grad_f32(const float* y, const float* dy, int32_t pixels, int32_t out_c,
                          ptrdiff_t stride_j, ptrdiff_t stride_k, float lo, float hi, float* g,
                          int32_t g_stride, float* sums) {
  assert(y != nullptr && dy != nullptr && g != nullptr);
  assert(pixels >= 1 && out_c >= 1 && g_stride >= out_c);
  for (int32_t j = 0; j < pixels; ++j) {
    float* g_row = g + static_cast<size_t>(j) * g_stride;
    for (int32_t k = 0; k < out_c; ++k) {
      const ptrdiff_t at = j * stride_j + k * stride_k;
      g_row[k] = activation_passes(y[at], lo, hi) ? dy[at] : 0.0f;
    }
    std::fill(g_row + out_c, g_row + g_stride, 0.0f);
    if (sums != nullptr) {
      for (int32_t k = 0; k < out_c; ++k) sums[k] += g_row[k];
    }
  }
}

}  // namespace sepconv
