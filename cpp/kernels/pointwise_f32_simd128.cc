#include "pointwise_f32_simd128.h"

#include <algorithm>
#include <cassert>

#include "pack_weights_f32.h"
#include "simd128.h"

namespace sepconv {
namespace {

// 4x8: 8 accumulators + 2 weight vectors + 1 input splat. Measured: a 6x8 tile (15 of V8's 16
// xmm registers) runs about 9% slower, as V8's register allocator then spills.
constexpr int32_t kTileRows = 4;

// Stores a 4x8 tile; the contiguous full-width case is the hot one (NHWC).
void store_tile(const v128_t (&acc)[kTileRows][2], int32_t rows, int32_t lanes, float* out,
                ptrdiff_t stride_j, ptrdiff_t stride_k) {
  if (stride_k == 1 && lanes == kPointwisePanel) {
    for (int32_t r = 0; r < rows; ++r) {
      wasm_v128_store(out + r * stride_j, acc[r][0]);
      wasm_v128_store(out + r * stride_j + 4, acc[r][1]);
    }
    return;
  }
  alignas(16) float tile[kTileRows][kPointwisePanel];
  for (int32_t r = 0; r < kTileRows; ++r) {
    wasm_v128_store(&tile[r][0], acc[r][0]);
    wasm_v128_store(&tile[r][4], acc[r][1]);
  }
  for (int32_t r = 0; r < rows; ++r) {
    for (int32_t l = 0; l < lanes; ++l) out[r * stride_j + l * stride_k] = tile[r][l];
  }
}

}  // namespace

namespace {

// One 4-pixel x 8-channel block: pixels [j0, j0+rows) of the tile, the panel's `lanes` channels.
inline void block_4x8(const float* mid, int32_t j0, int32_t rows, int32_t mid_stride,
                      int32_t cm_count, const float* panel, int32_t lanes, v128_t vmin,
                      v128_t vmax, float* out, ptrdiff_t out_stride_j, ptrdiff_t out_stride_k) {
  // Rows past the end re-read the last valid row; their results are not stored.
  const float* a[kTileRows];
  for (int32_t r = 0; r < kTileRows; ++r) {
    a[r] = mid + static_cast<size_t>(j0 + std::min(r, rows - 1)) * mid_stride;
  }
  const v128_t bias0 = wasm_v128_load(panel);
  const v128_t bias1 = wasm_v128_load(panel + 4);
  v128_t acc[kTileRows][2];
  for (auto& row : acc) {
    row[0] = bias0;
    row[1] = bias1;
  }
  const float* w = panel + kPointwisePanel;
  for (int32_t cm = 0; cm < cm_count; ++cm, w += kPointwisePanel) {
    const v128_t w0 = wasm_v128_load(w);
    const v128_t w1 = wasm_v128_load(w + 4);
    for (int32_t r = 0; r < kTileRows; ++r) {
      const v128_t x = wasm_f32x4_splat(a[r][cm]);
      acc[r][0] = wasm_f32x4_add(acc[r][0], wasm_f32x4_mul(x, w0));
      acc[r][1] = wasm_f32x4_add(acc[r][1], wasm_f32x4_mul(x, w1));
    }
  }
  for (auto& row : acc) {
    // pmax(a, b) is `a < b ? b : a`: one maxps on x64, and a NaN in `a` stays NaN.
    row[0] = wasm_f32x4_pmin(wasm_f32x4_pmax(row[0], vmin), vmax);
    row[1] = wasm_f32x4_pmin(wasm_f32x4_pmax(row[1], vmin), vmax);
  }
  store_tile(acc, rows, lanes, out, out_stride_j, out_stride_k);
}

// Packed weights up to this size stay in L1 next to a few pixels: then all panels go over 4
// pixels before the next 4, so each output row is written whole, once.
constexpr size_t kL1WeightBytes = 36 * 1024;

}  // namespace

void pointwise_f32_simd128(const float* mid, int32_t pixels, int32_t mid_stride, int32_t cm_count,
                           const float* packed, int32_t out_c, float out_min, float out_max,
                           float* out, ptrdiff_t out_stride_j, ptrdiff_t out_stride_k) {
  // Preconditions (checked in the sanitizer and fuzz builds, free in release builds).
  assert(mid != nullptr && packed != nullptr && out != nullptr);
  assert(pixels >= 1 && cm_count >= 1 && out_c >= 1);
  assert(mid_stride >= cm_count && mid_stride % 4 == 0);
  assert(!(out_min > out_max));
  const v128_t vmin = wasm_f32x4_splat(out_min);
  const v128_t vmax = wasm_f32x4_splat(out_max);
  const size_t panel_floats = static_cast<size_t>(cm_count + 1) * kPointwisePanel;
  const int32_t panels = (out_c + kPointwisePanel - 1) / kPointwisePanel;
  auto block = [&](int32_t p, int32_t j0) {
    const int32_t k0 = p * kPointwisePanel;
    block_4x8(mid, j0, std::min(kTileRows, pixels - j0), mid_stride, cm_count,
              packed + static_cast<size_t>(p) * panel_floats, std::min(kPointwisePanel, out_c - k0),
              vmin, vmax, out + j0 * out_stride_j + k0 * out_stride_k, out_stride_j, out_stride_k);
  };
  if (sizeof(float) * panel_floats * panels <= kL1WeightBytes) {
    for (int32_t j0 = 0; j0 < pixels; j0 += kTileRows) {
      for (int32_t p = 0; p < panels; ++p) block(p, j0);
    }
  } else {
    // Panels outside, pixels inside: one panel of weights stays in cache across the whole tile.
    for (int32_t p = 0; p < panels; ++p) {
      for (int32_t j0 = 0; j0 < pixels; j0 += kTileRows) block(p, j0);
    }
  }
}

}  // namespace sepconv
