#include "dwconv_row_f32_simd128.h"

#include <cassert>

#include "simd128.h"

namespace sepconv {

void dwconv_row_f32_simd128(const float* const* rows, int32_t k_h, int32_t k_w,
                            const float* weights, int32_t out_w, int32_t stride, int32_t dilation,
                            int32_t cm_stride, float* mid) {
  assert(rows != nullptr && weights != nullptr && mid != nullptr);
  assert(k_h >= 1 && k_w >= 1 && out_w >= 1 && stride >= 1 && dilation >= 1);
  assert(cm_stride >= 4 && cm_stride % 4 == 0);
  const int32_t pixel_step = stride * cm_stride;
  const int32_t tap_step = dilation * cm_stride;
  for (int32_t j = 0; j < out_w; ++j) {
    float* out = mid + j * cm_stride;
    for (int32_t c = 0; c < cm_stride; c += 4) {
      v128_t acc = wasm_f32x4_splat(0.0f);
      for (int32_t di = 0; di < k_h; ++di) {
        if (rows[di] == nullptr) continue;
        const float* in = rows[di] + j * pixel_step + c;
        const float* w = weights + di * k_w * cm_stride + c;
        for (int32_t dj = 0; dj < k_w; ++dj) {
          acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(in + dj * tap_step),
                                                   wasm_v128_load(w + dj * cm_stride)));
        }
      }
      wasm_v128_store(out + c, acc);
    }
  }
}

}  // namespace sepconv
