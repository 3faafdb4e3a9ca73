// Packing one input row: NHWC with multiplier 1 (a plain copy), multiplier 2 (expansion) and
// NCHW (a gather).
#include <benchmark/benchmark.h>

#include <vector>

#include "kernel_bench_util.h"
#include "pack_input_row_f32.h"

namespace sepconv {
namespace bench {
namespace {

// Arguments: width, channels, multiplier, nchw (0/1).
void BM_pack_input_row(benchmark::State& state) {
  const auto w = static_cast<int32_t>(state.range(0));
  const auto c = static_cast<int32_t>(state.range(1));
  const auto m = static_cast<int32_t>(state.range(2));
  const bool nchw = state.range(3) != 0;
  const std::vector<float> row = random_floats(size_t(w) * c, 1);
  const int32_t cm_stride = (c * m + 3) / 4 * 4;
  std::vector<float> packed(size_t(w + 2) * cm_stride);
  for (auto _ : state) {
    pack_input_row_f32(row.data(), nchw ? 1 : c, nchw ? w : 1, w, c, m, 1, w + 2, cm_stride,
                       packed.data());
    benchmark::DoNotOptimize(packed.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(packed.size()) * 4);
}

BENCHMARK(BM_pack_input_row)->Args({112, 32, 1, 0})->Args({64, 32, 2, 0})->Args({112, 32, 1, 1});

}  // namespace
}  // namespace bench
}  // namespace sepconv
