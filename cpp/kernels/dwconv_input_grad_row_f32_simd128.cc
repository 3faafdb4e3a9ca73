#include "dwconv_input_grad_row_f32_simd128.h"

#include <algorithm>
#include <cassert>

#include "simd128.h"

namespace sepconv {
namespace {

inline void add_product(float* at, v128_t a, v128_t b) {
  wasm_v128_store(at, wasm_f32x4_add(wasm_v128_load(at), wasm_f32x4_mul(a, b)));
}

// Stride 1, gathered: each padded position x in [x0, x1) sums its terms from the pixels
// j = x - dj*dilation in registers, then updates the row once (one load and one store per
// position rather than one per tap).
void gather_stride1(float* row, int32_t k_w, const float* w, const float* d_mid, int32_t out_w,
                    int32_t dilation, int32_t cm_stride, int32_t x0, int32_t x1) {
  for (int32_t x = x0; x < x1; ++x) {
    v128_t sum = wasm_f32x4_splat(0.0f);
    for (int32_t dj = 0; dj < k_w; ++dj) {
      const int32_t j = x - dj * dilation;
      if (j < 0 || j >= out_w) continue;
      sum = wasm_f32x4_add(sum, wasm_f32x4_mul(wasm_v128_load(d_mid + j * cm_stride),
                                               wasm_v128_load(w + dj * cm_stride)));
    }
    float* at = row + static_cast<size_t>(x) * cm_stride;
    wasm_v128_store(at, wasm_f32x4_add(wasm_v128_load(at), sum));
  }
}

// Stride 1, 3x3, all three rows present, positions [x0, x1) that every tap reaches from a pixel
// of the row: the three rows in one walk, the nine weight vectors in registers, so each pixel's
// gradient is loaded once for nine products. The terms are summed as gather_stride1 sums them.
void gather_3x3_interior(float* const* rows, const float* w, const float* d_mid, int32_t dilation,
                         int32_t cm_stride, int32_t x0, int32_t x1) {
  v128_t weight[3][3];
  for (int di = 0; di < 3; ++di) {
    for (int dj = 0; dj < 3; ++dj) weight[di][dj] = wasm_v128_load(w + (di * 3 + dj) * cm_stride);
  }
  const ptrdiff_t tap = ptrdiff_t{dilation} * cm_stride;
  for (int32_t x = x0; x < x1; ++x) {
    const float* d = d_mid + static_cast<size_t>(x) * cm_stride;
    const v128_t d0 = wasm_v128_load(d), d1 = wasm_v128_load(d - tap),
                 d2 = wasm_v128_load(d - 2 * tap);
    for (int di = 0; di < 3; ++di) {
      const v128_t sum = wasm_f32x4_add(
          wasm_f32x4_add(wasm_f32x4_mul(d0, weight[di][0]), wasm_f32x4_mul(d1, weight[di][1])),
          wasm_f32x4_mul(d2, weight[di][2]));
      float* at = rows[di] + static_cast<size_t>(x) * cm_stride;
      wasm_v128_store(at, wasm_f32x4_add(wasm_v128_load(at), sum));
    }
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
  const int32_t span = (out_w - 1) * stride + (k_w - 1) * dilation + 1;
  // Positions every tap reaches from a pixel of the row at stride 1: [first_full, out_w).
  const int32_t first_full = (k_w - 1) * dilation;
  const int32_t left_end = std::min(first_full, span), right_begin = std::max(out_w, first_full);
  bool all_rows = true;
  for (int32_t di = 0; di < k_h; ++di) all_rows = all_rows && rows[di] != nullptr;
  if (stride == 1 && k_h == 3 && k_w == 3 && all_rows) {
    for (int32_t c = 0; c < cm_stride; c += 4) {
      float* const shifted[3] = {rows[0] + c, rows[1] + c, rows[2] + c};
      gather_3x3_interior(shifted, weights + c, d_mid + c, dilation, cm_stride, first_full, out_w);
      for (int32_t di = 0; di < 3; ++di) {
        const float* w = weights + di * 3 * cm_stride + c;
        gather_stride1(shifted[di], 3, w, d_mid + c, out_w, dilation, cm_stride, 0, left_end);
        gather_stride1(shifted[di], 3, w, d_mid + c, out_w, dilation, cm_stride, right_begin, span);
      }
    }
    return;
  }
  for (int32_t di = 0; di < k_h; ++di) {
    if (rows[di] == nullptr) continue;
    for (int32_t c = 0; c < cm_stride; c += 4) {
      const float* w = weights + di * k_w * cm_stride + c;
      if (stride == 1) {
        gather_stride1(rows[di] + c, k_w, w, d_mid + c, out_w, dilation, cm_stride, 0, span);
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
