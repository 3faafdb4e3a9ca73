#include "unpack_input_grad_row_f32.h"

#include <cassert>

namespace sepconv {

void unpack_input_grad_row_f32(const float* packed, int32_t span, int32_t cm_stride,
                               int32_t pad_left, int32_t in_w, int32_t in_c, int32_t multiplier,
                               float* row, ptrdiff_t w_stride, ptrdiff_t c_stride) {
  assert(row != nullptr && span >= 1 && pad_left >= 0 && in_w >= 1 && in_c >= 1);
  assert(multiplier >= 1 && cm_stride >= in_c * multiplier);
  for (int32_t x = 0; x < in_w; ++x) {
    // In 64 bits: pad_left and in_w may each be near 2^31.
    const int64_t padded = int64_t{x} + pad_left;
    const float* src = packed != nullptr && padded < span
                           ? packed + static_cast<size_t>(padded) * cm_stride
                           : nullptr;
    float* dst = row + x * w_stride;
    for (int32_t q = 0; q < in_c; ++q) {
      float sum = 0.0f;
      if (src != nullptr) {
        for (int32_t r = 0; r < multiplier; ++r) sum += src[q * multiplier + r];
      }
      dst[q * c_stride] = sum;
    }
  }
}

}  // namespace sepconv
