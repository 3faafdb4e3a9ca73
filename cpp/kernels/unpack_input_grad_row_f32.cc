#include "unpack_input_grad_row_f32.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace sepconv {

void unpack_input_grad_row_f32(const float* packed, int32_t span, int32_t cm_stride,
                               int32_t pad_left, int32_t in_w, int32_t in_c, int32_t multiplier,
                               float* row, ptrdiff_t w_stride, ptrdiff_t c_stride) {
  assert(row != nullptr && span >= 1 && pad_left >= 0 && in_w >= 1 && in_c >= 1);
  assert(multiplier >= 1 && cm_stride >= in_c * multiplier);
  // Columns [0, read) have packed gradients; the rest (and all of an absent row) are zero.
  // In 64 bits: pad_left and in_w may each be near 2^31.
  const auto read = static_cast<int32_t>(
      packed == nullptr ? 0 : std::clamp<int64_t>(int64_t{span} - pad_left, 0, in_w));
  if (multiplier == 1 && c_stride == 1) {
    // Dense NHWC channels, nothing to sum: copies (one block when the pixels are contiguous).
    if (read > 0) {
      const float* src = packed + static_cast<size_t>(pad_left) * cm_stride;
      if (w_stride == in_c && cm_stride == in_c) {
        std::memcpy(row, src, sizeof(float) * static_cast<size_t>(read) * in_c);
      } else {
        for (int32_t x = 0; x < read; ++x) {
          std::memcpy(row + x * w_stride, src + static_cast<size_t>(x) * cm_stride,
                      sizeof(float) * in_c);
        }
      }
    }
    for (int32_t x = read; x < in_w; ++x)
      std::fill(row + x * w_stride, row + x * w_stride + in_c, 0.0f);
    return;
  }
  for (int32_t x = 0; x < in_w; ++x) {
    const float* src =
        x < read ? packed + (static_cast<size_t>(x) + pad_left) * cm_stride : nullptr;
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
