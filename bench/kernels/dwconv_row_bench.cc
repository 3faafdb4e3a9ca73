// The depthwise row kernels on MobileNet-like rows: the general kernel against the 3x3 and
// 5x5 specialisations, at the same shapes.
#include <benchmark/benchmark.h>

#include <vector>

#include "dwconv_row_3x3_f32_simd128.h"
#include "dwconv_row_5x5_f32_simd128.h"
#include "dwconv_row_f32_simd128.h"
#include "kernel_bench_util.h"

namespace sepconv {
namespace bench {
namespace {

void BM_dwconv_row_general(benchmark::State& state) {
  DwconvRow r(state);
  for (auto _ : state) {
    dwconv_row_f32_simd128(r.rows.data(), r.k, r.k, r.weights.data(), r.out_w, r.stride, 1,
                           r.channels, r.mid.data());
    benchmark::DoNotOptimize(r.mid.data());
  }
  count_macs(state, r.macs());
}

void BM_dwconv_row_3x3(benchmark::State& state) {
  DwconvRow r(state);
  for (auto _ : state) {
    dwconv_row_3x3_f32_simd128(r.rows.data(), r.weights.data(), r.out_w, r.stride, 1, r.channels,
                               r.mid.data());
    benchmark::DoNotOptimize(r.mid.data());
  }
  count_macs(state, r.macs());
}

void BM_dwconv_row_5x5(benchmark::State& state) {
  DwconvRow r(state);
  for (auto _ : state) {
    dwconv_row_5x5_f32_simd128(r.rows.data(), r.k, r.weights.data(), r.out_w, r.stride, 1,
                               r.channels, r.mid.data());
    benchmark::DoNotOptimize(r.mid.data());
  }
  count_macs(state, r.macs());
}

// mbv1_a, mbv1_c, stride2 rows (3x3); xception_5x5 rows (5x5).
const std::vector<std::vector<int64_t>> k3_rows = {{3, 112, 32, 1}, {3, 28, 256, 1}, {3, 56, 64, 2}};
const std::vector<std::vector<int64_t>> k5_rows = {{5, 38, 256, 1}};

BENCHMARK(BM_dwconv_row_general)->Args(k3_rows[0])->Args(k3_rows[1])->Args(k3_rows[2])->Args(k5_rows[0]);
BENCHMARK(BM_dwconv_row_3x3)->Args(k3_rows[0])->Args(k3_rows[1])->Args(k3_rows[2]);
BENCHMARK(BM_dwconv_row_5x5)->Args(k5_rows[0]);

}  // namespace
}  // namespace bench
}  // namespace sepconv
