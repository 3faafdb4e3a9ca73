// The pointwise filter's gradient from one tile: the depthwise outputs transposed times the
// gradients of the pre-activation outputs, a small GEMM over the tile's pixels accumulated into
// the gradient, with a 4-row x 8-column register tile.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sepconv {

// acc[m*acc_stride + k] += sum_{j < pixels} a[j*a_stride + m] * b[j*b_stride + k]
// for m < rows and k < cols, the pixels summed in order. a_stride >= round_up(rows, 4) and
// b_stride >= round_up(cols, 8): the kernel reads (never uses) those padding lanes.
void outer_product_accumulate_f32_simd128(const float* a, int32_t pixels, int32_t a_stride,
                                          int32_t rows, const float* b, int32_t b_stride,
                                          int32_t cols, float* acc, ptrdiff_t acc_stride);

}  // namespace sepconv
