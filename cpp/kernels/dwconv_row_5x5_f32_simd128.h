// Depthwise convolution of one output row for 5-wide kernels (Xception, EfficientNet's 5x5):
// one pass per kernel row, its five weight vectors in registers, accumulating into mid. 25
// weight vectors would not fit in the 16 SIMD registers; five do.
#pragma once

#include <cstdint>

namespace sepconv {

// As dwconv_row_f32_simd128 with k_w = 5 (any k_h; rows[di] == nullptr marks padding).
void dwconv_row_5x5_f32_simd128(const float* const* rows, int32_t k_h, const float* weights,
                                int32_t out_w, int32_t stride, int32_t dilation,
                                int32_t cm_stride, float* mid);

}  // namespace sepconv
