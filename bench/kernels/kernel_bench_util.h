// Shared set-up for the per-microkernel benchmarks: random data and a FLOP counter.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace sepconv {
namespace bench {

inline std::vector<float> random_floats(size_t count, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> values(count);
  for (float& v : values) v = dist(rng);
  return values;
}

// Reports GFLOP/s (a multiply-add counts 2) next to the time.
inline void count_macs(benchmark::State& state, double macs_per_iteration) {
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * macs_per_iteration,
                                                 benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::OneK::kIs1000);
}

// One depthwise output row's data, from the arguments: kernel size, output width, channels (a
// multiple of 4), stride. k padded input rows, k*k weights and a row of depthwise outputs (the
// forward kernels' result, the backward kernels' gradient of it).
struct DwconvRow {
  int32_t k, out_w, channels, stride;
  std::vector<std::vector<float>> data;
  std::vector<float*> rows;
  std::vector<float> weights, mid;

  explicit DwconvRow(const benchmark::State& state)
      : k(static_cast<int32_t>(state.range(0))),
        out_w(static_cast<int32_t>(state.range(1))),
        channels(static_cast<int32_t>(state.range(2))),
        stride(static_cast<int32_t>(state.range(3))) {
    const int32_t span = (out_w - 1) * stride + k;
    for (int32_t di = 0; di < k; ++di) data.push_back(random_floats(size_t(span) * channels, di));
    for (auto& d : data) rows.push_back(d.data());
    weights = random_floats(size_t(k) * k * channels, 99);
    mid = random_floats(size_t(out_w) * channels, 98);
  }
  double macs() const { return double(k) * k * out_w * channels; }
};

}  // namespace bench
}  // namespace sepconv
