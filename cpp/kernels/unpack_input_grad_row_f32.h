// The inverse of pack_input_row_f32 for gradients: one padded, channel-expanded row of input
// gradients back into the input's layout, the multiplier's copies of each channel summed (they
// all read the same input value) and the padding dropped.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sepconv {

// row[x*w_stride + q*c_stride] = sum_{r < multiplier} packed[(x + pad_left)*cm_stride + q*M + r]
// for x < in_w and q < in_c, zero where x + pad_left >= span (columns no output reads), and zero
// everywhere when packed is null (a row no output reads).
void unpack_input_grad_row_f32(const float* packed, int32_t span, int32_t cm_stride,
                               int32_t pad_left, int32_t in_w, int32_t in_c, int32_t multiplier,
                               float* row, ptrdiff_t w_stride, ptrdiff_t c_stride);

}  // namespace sepconv
