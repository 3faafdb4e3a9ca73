#include "dwconv_row_5x5_f32_simd128.h"

#include <cassert>

#include "simd128.h"

namespace sepconv {

void dwconv_row_5x5_f32_simd128(const float* const* rows, int32_t k_h, const float* weights,
                                int32_t out_w, int32_t stride, int32_t dilation, int32_t cm_stride,
                                float* mid) {
  assert(rows != nullptr && weights != nullptr && mid != nullptr);
  assert(k_h >= 1 && out_w >= 1 && stride >= 1 && dilation >= 1);
  assert(cm_stride >= 4 && cm_stride % 4 == 0);
  constexpr int32_t kW = 5;
  const int32_t pixel_step = stride * cm_stride;
  const int32_t t = dilation * cm_stride;
  bool first = true;  // the first present row initialises mid; later rows add to it
  for (int32_t di = 0; di < k_h; ++di) {
    if (rows[di] == nullptr) continue;
    for (int32_t c = 0; c < cm_stride; c += 4) {
      const float* w = weights + di * kW * cm_stride + c;
      const v128_t w0 = wasm_v128_load(w), w1 = wasm_v128_load(w + cm_stride),
                   w2 = wasm_v128_load(w + 2 * cm_stride), w3 = wasm_v128_load(w + 3 * cm_stride),
                   w4 = wasm_v128_load(w + 4 * cm_stride);
      const float* in = rows[di] + c;
      float* out = mid + c;
      for (int32_t j = 0; j < out_w; ++j, in += pixel_step, out += cm_stride) {
        v128_t acc = first ? wasm_f32x4_splat(0.0f) : wasm_v128_load(out);
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(in), w0));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(in + t), w1));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(in + 2 * t), w2));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(in + 3 * t), w3));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(in + 4 * t), w4));
        wasm_v128_store(out, acc);
      }
    }
    first = false;
  }
  if (first) {  // every row in the padding: the depthwise output is zero
    for (int32_t j = 0; j < out_w * cm_stride; j += 4)
      wasm_v128_store(mid + j, wasm_f32x4_splat(0.0f));
  }
}

}  // namespace sepconv
