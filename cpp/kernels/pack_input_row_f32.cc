#include "pack_input_row_f32.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace sepconv {

void pack_input_row_f32(const float* row, ptrdiff_t w_stride, ptrdiff_t c_stride, int32_t in_w,
                        int32_t in_c, int32_t multiplier, int32_t pad_left, int32_t span,
                        int32_t cm_stride, float* packed) {
  assert(row != nullptr && packed != nullptr);
  assert(in_w >= 1 && in_c >= 1 && multiplier >= 1 && pad_left >= 0 && span >= 1);
  assert(cm_stride >= in_c * multiplier && cm_stride % 4 == 0);
  const int32_t first = std::min(std::max(pad_left, 0), span);          // first x inside the image
  const int32_t last = std::max(std::min(pad_left + in_w, span), first);  // one past the last
  std::memset(packed, 0, sizeof(float) * static_cast<size_t>(first) * cm_stride);
  std::memset(packed + static_cast<size_t>(last) * cm_stride, 0,
              sizeof(float) * static_cast<size_t>(span - last) * cm_stride);
  const int32_t cm_count = in_c * multiplier;
  if (multiplier == 1 && c_stride == 1 && w_stride == in_c && cm_stride == in_c) {
    // Dense NHWC pixels with no lanes to pad: the row is one block (one memory.copy in wasm,
    // where a copy per pixel costs a call each).
    if (last > first) {
      std::memcpy(packed + static_cast<size_t>(first) * cm_stride,
                  row + (first - pad_left) * w_stride,
                  sizeof(float) * static_cast<size_t>(last - first) * in_c);
    }
    return;
  }
  for (int32_t x = first; x < last; ++x) {
    const float* src = row + (x - pad_left) * w_stride;
    float* dst = packed + static_cast<size_t>(x) * cm_stride;
    if (multiplier == 1 && c_stride == 1) {
      std::memcpy(dst, src, sizeof(float) * in_c);
    } else {
      for (int32_t q = 0; q < in_c; ++q) {
        const float v = src[q * c_stride];
        for (int32_t r = 0; r < multiplier; ++r) dst[q * multiplier + r] = v;
      }
    }
    std::fill(dst + cm_count, dst + cm_stride, 0.0f);
  }
}

}  // namespace sepconv
