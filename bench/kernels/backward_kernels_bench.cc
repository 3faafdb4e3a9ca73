// The backward pass's hot kernels on MobileNet-like shapes: the depthwise filter's and the
// input's gradient rows against the forward row kernel at the same shape, and the pointwise
// filter's gradient (an outer-product GEMM) against the forward pointwise GEMM.
#include <benchmark/benchmark.h>

#include <vector>

#include "dwconv_filter_grad_row_f32_simd128.h"
#include "dwconv_input_grad_row_f32_simd128.h"
#include "kernel_bench_util.h"
#include "outer_product_accumulate_f32_simd128.h"

namespace sepconv {
namespace bench {
namespace {

void BM_dwconv_filter_grad_row(benchmark::State& state) {
  DwconvRow r(state);
  for (auto _ : state) {
    dwconv_filter_grad_row_f32_simd128(r.rows.data(), r.k, r.k, r.mid.data(), r.out_w, r.stride,
                                       1, r.channels, r.weights.data());
    benchmark::DoNotOptimize(r.weights.data());
  }
  count_macs(state, r.macs());
}

void BM_dwconv_input_grad_row(benchmark::State& state) {
  DwconvRow r(state);
  for (auto _ : state) {
    dwconv_input_grad_row_f32_simd128(r.rows.data(), r.k, r.k, r.weights.data(), r.mid.data(),
                                      r.out_w, r.stride, 1, r.channels);
    benchmark::DoNotOptimize(r.rows.data());
  }
  count_macs(state, r.macs());
}

// DwconvRow's arguments: MobileNet-like rows in the backward's blocks of at most 64 channels.
#define GRAD_ROW_SHAPES                                                                      \
  Args({3, 112, 32, 1})->Args({3, 56, 64, 1})->Args({3, 14, 64, 1})->Args({3, 56, 64, 2})-> \
      Args({5, 38, 64, 1})

BENCHMARK(BM_dwconv_filter_grad_row)->GRAD_ROW_SHAPES;
BENCHMARK(BM_dwconv_input_grad_row)->GRAD_ROW_SHAPES;

// Arguments: pixels, rows (a block's channels), cols (output channels).
void BM_outer_product_accumulate(benchmark::State& state) {
  const auto pixels = static_cast<int32_t>(state.range(0));
  const auto rows = static_cast<int32_t>(state.range(1));
  const auto cols = static_cast<int32_t>(state.range(2));
  const std::vector<float> a = random_floats(size_t(pixels) * rows, 1);
  const std::vector<float> b = random_floats(size_t(pixels) * cols, 2);
  std::vector<float> acc(size_t(rows) * cols);
  for (auto _ : state) {
    outer_product_accumulate_f32_simd128(a.data(), pixels, rows, rows, b.data(), cols, cols,
                                         acc.data(), cols);
    benchmark::DoNotOptimize(acc.data());
  }
  count_macs(state, double(pixels) * rows * cols);
}

// mbv1_a (112 pixels), mbv1_c (84), mbv1_d (70), mbv1_e (49) tiles, 64-channel blocks.
BENCHMARK(BM_outer_product_accumulate)
    ->Args({112, 8, 64})
    ->Args({84, 64, 256})
    ->Args({70, 64, 512})
    ->Args({49, 64, 1024});

}  // namespace
}  // namespace bench
}  // namespace sepconv
