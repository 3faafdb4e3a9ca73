#include "dwconv_row_3x3_f32_simd128.h"

#include <cassert>

#include "simd128.h"

namespace sepconv {
namespace {

inline v128_t tap(v128_t acc, const float* in, v128_t w) {
  return wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(in), w));
}

}  // namespace

void dwconv_row_3x3_f32_simd128(const float* const* rows, const float* weights, int32_t out_w,
                                int32_t stride, int32_t dilation, int32_t cm_stride, float* mid) {
  assert(rows != nullptr && weights != nullptr && mid != nullptr);
  assert(rows[0] != nullptr && rows[1] != nullptr && rows[2] != nullptr);  // no padding rows here
  assert(out_w >= 1 && stride >= 1 && dilation >= 1);
  assert(cm_stride >= 4 && cm_stride % 4 == 0);
  const int32_t pixel_step = stride * cm_stride;
  const int32_t t1 = dilation * cm_stride;
  const int32_t t2 = 2 * t1;
  for (int32_t c = 0; c < cm_stride; c += 4) {
    const float* w = weights + c;
    const v128_t w00 = wasm_v128_load(w), w01 = wasm_v128_load(w + cm_stride),
                 w02 = wasm_v128_load(w + 2 * cm_stride), w10 = wasm_v128_load(w + 3 * cm_stride),
                 w11 = wasm_v128_load(w + 4 * cm_stride), w12 = wasm_v128_load(w + 5 * cm_stride),
                 w20 = wasm_v128_load(w + 6 * cm_stride), w21 = wasm_v128_load(w + 7 * cm_stride),
                 w22 = wasm_v128_load(w + 8 * cm_stride);
    const float* r0 = rows[0] + c;
    const float* r1 = rows[1] + c;
    const float* r2 = rows[2] + c;
    float* out = mid + c;
    for (int32_t j = 0; j < out_w; ++j) {
      v128_t acc = wasm_f32x4_mul(wasm_v128_load(r0), w00);
      acc = tap(acc, r0 + t1, w01);
      acc = tap(acc, r0 + t2, w02);
      acc = tap(acc, r1, w10);
      acc = tap(acc, r1 + t1, w11);
      acc = tap(acc, r1 + t2, w12);
      acc = tap(acc, r2, w20);
      acc = tap(acc, r2 + t1, w21);
      acc = tap(acc, r2 + t2, w22);
      wasm_v128_store(out, acc);
      r0 += pixel_step;
      r1 += pixel_step;
      r2 += pixel_step;
      out += cm_stride;
    }
  }
}

}  // namespace sepconv
