#include "dwconv_filter_grad_row_f32_simd128.h"

#include <cassert>

#include "simd128.h"

namespace sepconv {

void dwconv_filter_grad_row_f32_simd128(const float* const* rows, int32_t k_h, int32_t k_w,
                                        const float* d_mid, int32_t out_w, int32_t stride,
                                        int32_t dilation, int32_t cm_stride, float* acc) {
  assert(rows != nullptr && d_mid != nullptr && acc != nullptr);
  assert(k_h >= 1 && k_w >= 1 && out_w >= 1 && stride >= 1 && dilation >= 1);
  assert(cm_stride >= 4 && cm_stride % 4 == 0);
  const int32_t pixel_step = stride * cm_stride;
  const int32_t tap_step = dilation * cm_stride;
  for (int32_t di = 0; di < k_h; ++di) {
    if (rows[di] == nullptr) continue;
    for (int32_t c = 0; c < cm_stride; c += 4) {
      for (int32_t dj = 0; dj < k_w; ++dj) {
        float* a = acc + (di * k_w + dj) * cm_stride + c;
        const float* in = rows[di] + dj * tap_step + c;
        const float* d = d_mid + c;
        // Two partial sums, so consecutive adds do not wait on each other.
        v128_t sum0 = wasm_v128_load(a);
        v128_t sum1 = wasm_f32x4_splat(0.0f);
        int32_t j = 0;
        for (; j + 1 < out_w; j += 2, in += 2 * pixel_step, d += 2 * cm_stride) {
          sum0 = wasm_f32x4_add(sum0, wasm_f32x4_mul(wasm_v128_load(in), wasm_v128_load(d)));
          sum1 = wasm_f32x4_add(
              sum1, wasm_f32x4_mul(wasm_v128_load(in + pixel_step), wasm_v128_load(d + cm_stride)));
        }
        if (j < out_w) {
          sum0 = wasm_f32x4_add(sum0, wasm_f32x4_mul(wasm_v128_load(in), wasm_v128_load(d)));
        }
        wasm_v128_store(a, wasm_f32x4_add(sum0, sum1));
      }
    }
  }
}

}  // namespace sepconv
