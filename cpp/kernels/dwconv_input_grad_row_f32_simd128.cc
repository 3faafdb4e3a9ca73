#include "dwconv_input_grad_row_f32_simd128.h"

#include <cassert>

#include "simd128.h"

namespace sepconv {

void dwconv_input_grad_row_f32_simd128(float* const* rows, int32_t k_h, int32_t k_w,
                                       const float* weights, const float* d_mid, int32_t out_w,
                                       int32_t stride, int32_t dilation, int32_t cm_stride) {
  assert(rows != nullptr && weights != nullptr && d_mid != nullptr);
  assert(k_h >= 1 && k_w >= 1 && out_w >= 1 && stride >= 1 && dilation >= 1);
  assert(cm_stride >= 4 && cm_stride % 4 == 0);
  const int32_t pixel_step = stride * cm_stride;
  const int32_t tap_step = dilation * cm_stride;
  for (int32_t di = 0; di < k_h; ++di) {
    if (rows[di] == nullptr) continue;
    for (int32_t c = 0; c < cm_stride; c += 4) {
      const float* w = weights + di * k_w * cm_stride + c;
      float* row = rows[di] + c;
      const float* d = d_mid + c;
      // Pixels in order, taps in order: a position several (j, dj) reach gets its terms in a
      // fixed order, so the sums are reproducible.
      for (int32_t j = 0; j < out_w; ++j, row += pixel_step, d += cm_stride) {
        const v128_t dj_value = wasm_v128_load(d);
        for (int32_t dj = 0; dj < k_w; ++dj) {
          float* at = row + dj * tap_step;
          wasm_v128_store(
              at, wasm_f32x4_add(wasm_v128_load(at),
                                 wasm_f32x4_mul(dj_value, wasm_v128_load(w + dj * cm_stride))));
        }
      }
    }
  }
}

}  // namespace sepconv
