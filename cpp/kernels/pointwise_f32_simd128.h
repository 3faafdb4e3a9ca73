// The 1x1 pointwise convolution of one tile of depthwise outputs: a small GEMM with a
// 4-pixel x 8-channel register tile.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sepconv {

// out[j*out_stride_j + k*out_stride_k] =
//   clamp(bias[k] + sum_{cm < cm_count} mid[j*mid_stride + cm] * pw[cm][k], out_min, out_max)
// for j < pixels, k < out_c, where bias and pw are packed by pack_pointwise_f32.
void pointwise_f32_simd128(const float* mid, int32_t pixels, int32_t mid_stride, int32_t cm_count,
                           const float* packed, int32_t out_c, float out_min, float out_max,
                           float* out, ptrdiff_t out_stride_j, ptrdiff_t out_stride_k);

}  // namespace sepconv
