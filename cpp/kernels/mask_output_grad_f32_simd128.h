// The gradient of the pre-activation outputs of one tile: the output gradient where the
// activation passes it (activation_grad.h), else zero, gathered from the output's layout into a
// dense [pixel][channel] tile the GEMM kernels read; and, when wanted, its sums per channel,
// which are the bias gradient.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sepconv {

// g[j*g_stride + k] = dy[at] * (activation_passes(y[at], lo, hi) ? 1 : 0) (a product, as
// TensorFlow's ReluGrad: a NaN dy stays NaN where masked), at = j*stride_j + k*stride_k,
// for j < pixels, k < out_c; g[j*g_stride + k] = 0 for k in [out_c, g_stride). When sums is not
// null, sums[k] += g[0*g_stride + k] + g[1*g_stride + k] + ..., in pixel order. y may be null
// when both bounds are infinite (no activation): then every output passes.
void mask_output_grad_f32_simd128(const float* y, const float* dy, int32_t pixels, int32_t out_c,
                                  ptrdiff_t stride_j, ptrdiff_t stride_k, float lo, float hi,
                                  float* g, int32_t g_stride, float* sums);

}  // namespace sepconv
