// Depthwise convolution of one output row, four channels per SIMD lane group.
#pragma once

#include <cstdint>

namespace sepconv {

// mid[j*cm_stride + c] = sum over di (rows[di] != nullptr) and dj of
//   rows[di][(j*stride + dj*dilation)*cm_stride + c] * weights[(di*k_w + dj)*cm_stride + c]
// for j < out_w and c < cm_stride. rows[di] == nullptr marks a row in the zero padding.
// cm_stride is a multiple of 4; rows come from pack_input_row_f32, weights from pack_depthwise_f32.
void dwconv_row_f32_simd128(const float* const* rows, int32_t k_h, int32_t k_w,
                            const float* weights, int32_t out_w, int32_t stride, int32_t dilation,
                            int32_t cm_stride, float* mid);

}  // namespace sepconv
