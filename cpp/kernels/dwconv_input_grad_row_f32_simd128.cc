#include "dwconv_input_grad_row_f32_simd128.h"

#include <algorithm>
#include <cassert>

#include "simd128.h"

namespace sepconv {
namespace {

inline void add_product(float* at, v128_t a, v128_t b) {
  wasm_v128_store(at, wasm_f32x4_add(wasm_v128_load(at), wasm_f32x4_mul(a, b)));
}

// Stride 1, gathered: each padded position x sums its terms from the pixels j = x - dj*dilation
// in registers, then updates the row once (one load and one store per position rather than one
// per tap). Taps in order, as the scatter form adds them.
void gather_stride1(float* row, int32_t k_w, const float* w, const float* d_mid, int32_t out_w,
                    int32_t dilation, int32_t cm_stride) {
  const int32_t span = out_w + (k_w - 1) * dilation;
  // Positions every tap reaches with a pixel inside the row: [(k_w-1)*dilation, out_w).
  const int32_t first_full = (k_w - 1) * dilation;
  for (int32_t x = 0; x < span; ++x) {
    float* at = row + static_cast<size_t>(x) * cm_stride;
    v128_t sum = wasm_f32x4_splat(0.0f);
    if (x >= first_full && x < out_w) {
      const float* d = d_mid + static_cast<size_t>(x) * cm_stride;
      for (int32_t dj = 0; dj < k_w; ++dj, d -= dilation * cm_stride) {
        sum = wasm_f32x4_add(sum,
                             wasm_f32x4_mul(wasm_v128_load(d), wasm_v128_load(w + dj * cm_stride)));
      }
    } else {
      for (int32_t dj = 0; dj < k_w; ++dj) {
        const int32_t j = x - dj * dilation;
        if (j < 0 || j >= out_w) continue;
        sum = wasm_f32x4_add(sum, wasm_f32x4_mul(wasm_v128_load(d_mid + j * cm_stride),
                                                 wasm_v128_load(w + dj * cm_stride)));
      }
    }
    wasm_v128_store(at, wasm_f32x4_add(wasm_v128_load(at), sum));
  }
}

}  // namespace

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
      if (stride == 1) {
        gather_stride1(rows[di] + c, k_w, w, d_mid + c, out_w, dilation, cm_stride);
        continue;
      }
      // Larger strides: each pixel scattered through the taps, pixels and taps in order.
      float* row = rows[di] + c;
      const float* d = d_mid + c;
      for (int32_t j = 0; j < out_w; ++j, row += pixel_step, d += cm_stride) {
        const v128_t value = wasm_v128_load(d);
        for (int32_t dj = 0; dj < k_w; ++dj) {
          add_product(row + dj * tap_step, value, wasm_v128_load(w + dj * cm_stride));
        }
      }
    }
  }
}

}  // namespace sepconv
