// The input's gradient from one output row of the depthwise convolution: the transposed
// depthwise pass. Each pixel's depthwise-output gradient goes, through the tap weights, onto the
// padded input rows it was computed from, four channels per SIMD lane group: at stride 1 each
// input position gathers its terms, at larger strides (where few overlap) each pixel scatters.
#pragma once

#include <cstdint>

namespace sepconv {

// rows[di][(j*stride + dj*dilation)*cm_stride + c] +=
//     d_mid[j*cm_stride + c] * weights[(di*k_w + dj)*cm_stride + c]
// for j < out_w, dj < k_w, c < cm_stride and every di with rows[di] != nullptr (null marks a row
// in the zero padding, whose gradient nobody wants). rows are padded input rows in
// pack_input_row_f32's layout (the multiplier's copies of a channel still apart); weights from
// pack_depthwise_f32. cm_stride a multiple of 4.
void dwconv_input_grad_row_f32_simd128(float* const* rows, int32_t k_h, int32_t k_w,
                                       const float* weights, const float* d_mid, int32_t out_w,
                                       int32_t stride, int32_t dilation, int32_t cm_stride);

}  // namespace sepconv
