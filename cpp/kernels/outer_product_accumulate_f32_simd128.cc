#include "outer_product_accumulate_f32_simd128.h"

#include <algorithm>
#include <cassert>

#include "simd128.h"

namespace sepconv {
namespace {

constexpr int32_t kRows = 4;
constexpr int32_t kCols = 8;

// One 4x8 block of acc at rows [m0, m0 + live_rows), columns [k0, k0 + live_cols). A full-width
// block reads and writes acc directly; a narrower one through a tile on the stack.
void block_4x8(const float* a, int32_t pixels, int32_t a_stride, int32_t m0, int32_t live_rows,
               const float* b, int32_t b_stride, int32_t k0, int32_t live_cols, float* acc,
               ptrdiff_t acc_stride) {
  alignas(16) float tile[kRows][kCols] = {};
  float* target[kRows];
  const bool direct = live_cols == kCols;
  for (int32_t r = 0; r < kRows; ++r) {
    target[r] = tile[r];  // rows past live_rows compute zeros there, never stored
    if (r >= live_rows) continue;
    float* acc_row = acc + (m0 + r) * acc_stride + k0;
    if (direct) {
      target[r] = acc_row;
    } else {
      std::copy(acc_row, acc_row + live_cols, tile[r]);
    }
  }
  v128_t sum[kRows][2];
  for (int32_t r = 0; r < kRows; ++r) {
    sum[r][0] = wasm_v128_load(target[r]);
    sum[r][1] = wasm_v128_load(target[r] + 4);
  }
  const float* a_row = a + m0;
  const float* b_row = b + k0;
  for (int32_t j = 0; j < pixels; ++j, a_row += a_stride, b_row += b_stride) {
    const v128_t b0 = wasm_v128_load(b_row);
    const v128_t b1 = wasm_v128_load(b_row + 4);
    for (int32_t r = 0; r < kRows; ++r) {
      const v128_t x = wasm_f32x4_splat(a_row[r]);
      sum[r][0] = wasm_f32x4_add(sum[r][0], wasm_f32x4_mul(x, b0));
      sum[r][1] = wasm_f32x4_add(sum[r][1], wasm_f32x4_mul(x, b1));
    }
  }
  for (int32_t r = 0; r < kRows; ++r) {
    wasm_v128_store(target[r], sum[r][0]);
    wasm_v128_store(target[r] + 4, sum[r][1]);
  }
  if (direct) return;
  for (int32_t r = 0; r < live_rows; ++r) {
    std::copy(tile[r], tile[r] + live_cols, acc + (m0 + r) * acc_stride + k0);
  }
}

}  // namespace

void outer_product_accumulate_f32_simd128(const float* a, int32_t pixels, int32_t a_stride,
                                          int32_t rows, const float* b, int32_t b_stride,
                                          int32_t cols, float* acc, ptrdiff_t acc_stride) {
  assert(a != nullptr && b != nullptr && acc != nullptr);
  assert(pixels >= 1 && rows >= 1 && cols >= 1);
  assert(a_stride >= (rows + kRows - 1) / kRows * kRows);
  assert(b_stride >= (cols + kCols - 1) / kCols * kCols);
  for (int32_t m0 = 0; m0 < rows; m0 += kRows) {
    for (int32_t k0 = 0; k0 < cols; k0 += kCols) {
      block_4x8(a, pixels, a_stride, m0, std::min(kRows, rows - m0), b, b_stride, k0,
                std::min(kCols, cols - k0), acc, acc_stride);
    }
  }
}

}  // namespace sepconv
