// Depthwise convolution of one output row for 3x3 kernels, the common case (MobileNet,
// Xception): the nine weight vectors of a 4-channel group stay in registers while the kernel
// walks the row, instead of being reloaded for every pixel.
#pragma once

#include <cstdint>

namespace sepconv {

// As dwconv_row_f32_simd128 with k_h = k_w = 3, but every one of the three rows must be present
// (no nullptr): rows at the top or bottom padding go to the general kernel.
void dwconv_row_3x3_f32_simd128(const float* const* rows, const float* weights, int32_t out_w,
                                int32_t stride, int32_t dilation, int32_t cm_stride, float* mid);

}  // namespace sepconv
