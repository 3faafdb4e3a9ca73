#include "mask_output_grad_f32_simd128.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "activation_grad.h"
#include "simd128.h"

namespace sepconv {

void mask_output_grad_f32_simd128(const float* y, const float* dy, int32_t pixels, int32_t out_c,
                                  ptrdiff_t stride_j, ptrdiff_t stride_k, float lo, float hi,
                                  float* g, int32_t g_stride, float* sums) {
  assert(dy != nullptr && g != nullptr);
  assert(y != nullptr || (std::isinf(lo) && std::isinf(hi)));
  assert(pixels >= 1 && out_c >= 1 && g_stride >= out_c);
  // activation_passes four lanes at a time: an infinite bound passes its side whatever y is
  // (NaN included), so its comparison is replaced by all ones.
  const v128_t vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi);
  const v128_t one = wasm_f32x4_splat(1.0f);
  const v128_t lo_all = wasm_i32x4_splat(std::isinf(lo) ? -1 : 0);
  const v128_t hi_all = wasm_i32x4_splat(std::isinf(hi) ? -1 : 0);
  // Dense channels (NHWC): whole vectors; the rest, and every strided layout, one at a time.
  const int32_t vector_end = stride_k == 1 ? out_c / 4 * 4 : 0;
  for (int32_t j = 0; j < pixels; ++j) {
    const float* y_row = y != nullptr ? y + j * stride_j : nullptr;
    const float* dy_row = dy + j * stride_j;
    float* g_row = g + static_cast<size_t>(j) * g_stride;
    for (int32_t k = 0; k < vector_end; k += 4) {
      v128_t pass = wasm_i32x4_splat(-1);
      if (y_row != nullptr) {
        const v128_t v = wasm_v128_load(y_row + k);
        pass = wasm_v128_and(wasm_v128_or(wasm_f32x4_gt(v, vlo), lo_all),
                             wasm_v128_or(wasm_f32x4_lt(v, vhi), hi_all));
      }
      // dy times 1 or 0, not a select: a NaN or infinite dy stays NaN where it is masked.
      const v128_t gate = wasm_v128_and(pass, one);
      wasm_v128_store(g_row + k, wasm_f32x4_mul(wasm_v128_load(dy_row + k), gate));
    }
    for (int32_t k = vector_end; k < out_c; ++k) {
      const bool pass = y_row == nullptr || activation_passes(y_row[k * stride_k], lo, hi);
      g_row[k] = dy_row[k * stride_k] * (pass ? 1.0f : 0.0f);
    }
    std::fill(g_row + out_c, g_row + g_stride, 0.0f);
    if (sums != nullptr) {
      int32_t k = 0;
      for (; k < out_c / 4 * 4; k += 4) {
        wasm_v128_store(sums + k,
                        wasm_f32x4_add(wasm_v128_load(sums + k), wasm_v128_load(g_row + k)));
      }
      for (; k < out_c; ++k) sums[k] += g_row[k];
    }
  }
}

}  // namespace sepconv
