// The depthwise filter's gradient from one output row: each tap's weight gradient is the sum,
// over the row's pixels, of the input value the tap read times the gradient of the depthwise
// output, four channels per SIMD lane group.
#pragma once

#include <cstdint>

namespace sepconv {

// acc[(di*k_w + dj)*cm_stride + c] += sum_{j < out_w}
//     rows[di][(j*stride + dj*dilation)*cm_stride + c] * d_mid[j*cm_stride + c]
// for every di with rows[di] != nullptr (null marks a row in the zero padding: nothing to add),
// dj < k_w and c < cm_stride. rows as dwconv_row_f32_simd128 reads them; cm_stride a multiple of 4.
void dwconv_filter_grad_row_f32_simd128(const float* const* rows, int32_t k_h, int32_t k_w,
                                        const float* d_mid, int32_t out_w, int32_t stride,
                                        int32_t dilation, int32_t cm_stride, float* acc);

}  // namespace sepconv
