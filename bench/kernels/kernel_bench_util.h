// Shared set-up for the per-microkernel benchmarks: random data and a FLOP counter.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
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

}  // namespace bench
}  // namespace sepconv
