// Copies one input row into a zero-padded, channel-expanded row, so the depthwise kernel reads
// a dense, branch-free buffer whatever the layout (NHWC or NCHW) and the channel multiplier.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sepconv {

// packed[x*cm_stride + q*M + r] = row[(x - pad_left)*w_stride + q*c_stride] for x in [0, span),
// zero where x - pad_left is outside [0, in_w) and for channels in [C*M, cm_stride).
void pack_input_row_f32(const float* row, ptrdiff_t w_stride, ptrdiff_t c_stride, int32_t in_w,
                        int32_t in_c, int32_t multiplier, int32_t pad_left, int32_t span,
                        int32_t cm_stride, float* packed);

}  // namespace sepconv
