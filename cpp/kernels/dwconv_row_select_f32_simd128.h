// The fastest depthwise row kernel for a row's kernel shape and padding: the forward pass and the
// backward pass (which recomputes the depthwise output) pick alike.
#pragma once

#include <cstdint>

#include "dwconv_row_3x3_f32_simd128.h"
#include "dwconv_row_5x5_f32_simd128.h"
#include "dwconv_row_f32_simd128.h"

namespace sepconv {

// As dwconv_row_f32_simd128.
inline void dwconv_row_select_f32_simd128(const float* const* rows, int32_t k_h, int32_t k_w,
                                          const float* weights, int32_t out_w, int32_t stride,
                                          int32_t dilation, int32_t cm_stride, float* mid) {
  bool all_rows = true;
  for (int32_t di = 0; di < k_h; ++di) all_rows = all_rows && rows[di] != nullptr;
  if (all_rows && k_h == 3 && k_w == 3) {
    dwconv_row_3x3_f32_simd128(rows, weights, out_w, stride, dilation, cm_stride, mid);
  } else if (k_w == 5) {
    dwconv_row_5x5_f32_simd128(rows, k_h, weights, out_w, stride, dilation, cm_stride, mid);
  } else {
    dwconv_row_f32_simd128(rows, k_h, k_w, weights, out_w, stride, dilation, cm_stride, mid);
  }
}

}  // namespace sepconv
