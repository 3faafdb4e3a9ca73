#include "dwconv_filter_grad_row_f32_simd128.h"

#include <cassert>

#include "simd128.h"

namespace sepconv {
namespace {

// One kernel row's K taps for four channels: K sums in registers while the row is walked once,
// so each pixel's d_mid is loaded once for all K taps.
template <int K>
void row_taps(const float* in, const float* d, int32_t out_w, int32_t pixel_step, int32_t tap_step,
              int32_t cm_stride, float* acc) {
  v128_t sum[K];
  for (int dj = 0; dj < K; ++dj) sum[dj] = wasm_v128_load(acc + dj * cm_stride);
  for (int32_t j = 0; j < out_w; ++j, in += pixel_step, d += cm_stride) {
    const v128_t g = wasm_v128_load(d);
    for (int dj = 0; dj < K; ++dj) {
      sum[dj] = wasm_f32x4_add(sum[dj], wasm_f32x4_mul(wasm_v128_load(in + dj * tap_step), g));
    }
  }
  for (int dj = 0; dj < K; ++dj) wasm_v128_store(acc + dj * cm_stride, sum[dj]);
}

}  // namespace

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
      const float* in = rows[di] + c;
      const float* d = d_mid + c;
      float* a = acc + di * k_w * cm_stride + c;
      // The common widths whole; others in groups of up to four taps, each walking the row.
      if (k_w == 3) {
        row_taps<3>(in, d, out_w, pixel_step, tap_step, cm_stride, a);
      } else if (k_w == 5) {
        row_taps<5>(in, d, out_w, pixel_step, tap_step, cm_stride, a);
      } else {
        int32_t dj = 0;
        for (; dj + 4 <= k_w; dj += 4) {
          row_taps<4>(in + dj * tap_step, d, out_w, pixel_step, tap_step, cm_stride,
                      a + dj * cm_stride);
        }
        for (; dj < k_w; ++dj) {
          row_taps<1>(in + dj * tap_step, d, out_w, pixel_step, tap_step, cm_stride,
                      a + dj * cm_stride);
        }
      }
    }
  }
}

}  // namespace sepconv
