// The pointwise GEMM kernel on MobileNet-like tiles: about 64 pixels by C*M by O.
#include <benchmark/benchmark.h>

#include <limits>
#include <vector>

#include "kernel_bench_util.h"
#include "pack_weights_f32.h"
#include "pointwise_f32_simd128.h"

namespace sepconv {
namespace bench {
namespace {

// Arguments: pixels, cm_count (a multiple of 4), out_c.
void BM_pointwise(benchmark::State& state) {
  const auto pixels = static_cast<int32_t>(state.range(0));
  const auto cm = static_cast<int32_t>(state.range(1));
  const auto out_c = static_cast<int32_t>(state.range(2));
  const std::vector<float> mid = random_floats(size_t(pixels) * cm, 1);
  const std::vector<float> weights = random_floats(size_t(cm) * out_c, 2);
  const std::vector<float> bias = random_floats(size_t(out_c), 3);
  std::vector<float> packed(packed_pointwise_floats(cm, out_c));
  pack_pointwise_f32(weights.data(), bias.data(), cm, out_c, packed.data());
  std::vector<float> out(size_t(pixels) * out_c);
  const float inf = std::numeric_limits<float>::infinity();
  for (auto _ : state) {
    pointwise_f32_simd128(mid.data(), pixels, cm, cm, packed.data(), out_c, -inf, inf, out.data(),
                          out_c, 1);
    benchmark::DoNotOptimize(out.data());
  }
  count_macs(state, double(pixels) * cm * out_c);
}

// mbv1_a (112 pixels), mbv1_c (84), mbv1_d (70), mbv1_e (49) tiles.
BENCHMARK(BM_pointwise)->Args({112, 32, 64})->Args({84, 256, 256})->Args({70, 512, 512})->Args({49, 1024, 1024});

}  // namespace
}  // namespace bench
}  // namespace sepconv
