// The whole backward pass (all four gradients) against the forward pass of the same layer (one
// thread), and on two threads, on bench/layers.js's layers: the ratios the targets
// (backward <= 2.5x forward, 2 threads >= 1.7x one) are about. Native through SIMDe: a guide while designing; npm run bench measures the wasm.
#include <benchmark/benchmark.h>

#include <vector>

#include "kernel_bench_util.h"
#include "separable_conv2d.h"
#include "separable_conv2d_backward.h"

namespace sepconv {
namespace bench {
namespace {

// Arguments: H (= W), C, K, M, O, stride, dilation; batch 1, SAME padding, NHWC, relu6.
SepConvParams layer(const benchmark::State& state) {
  SepConvParams p{};
  p.batch = 1;
  p.in_h = p.in_w = static_cast<int32_t>(state.range(0));
  p.in_c = static_cast<int32_t>(state.range(1));
  p.k_h = p.k_w = static_cast<int32_t>(state.range(2));
  p.multiplier = static_cast<int32_t>(state.range(3));
  p.out_c = static_cast<int32_t>(state.range(4));
  p.stride_h = p.stride_w = static_cast<int32_t>(state.range(5));
  p.dilation_h = p.dilation_w = static_cast<int32_t>(state.range(6));
  p.out_h = p.out_w = (p.in_h + p.stride_h - 1) / p.stride_h;
  const int32_t extent = (p.k_h - 1) * p.dilation_h + 1;
  const int32_t total = std::max((p.out_h - 1) * p.stride_h + extent - p.in_h, 0);
  p.pad_top = p.pad_left = total / 2;
  p.nchw = false;
  p.output_min = 0.0f;
  p.output_max = 6.0f;
  return p;
}

double forward_macs(const SepConvParams& p) {
  return double(p.batch) * p.out_h * p.out_w * p.in_c * p.multiplier * (p.k_h * p.k_w + p.out_c);
}

size_t count(const SepConvParams& p, bool input) {
  return size_t(p.batch) * (input ? size_t(p.in_h) * p.in_w * p.in_c
                                  : size_t(p.out_h) * p.out_w * p.out_c);
}

// A layer's random input and filters.
struct Layer {
  SepConvParams p;
  FilterShape f;
  std::vector<float> x, dw, pw;
  explicit Layer(const benchmark::State& state)
      : p(layer(state)),
        f(filter_shape(p)),
        x(random_floats(count(p, true), 1)),
        dw(random_floats(size_t(f.k_h) * f.k_w * f.in_c * f.multiplier, 2)),
        pw(random_floats(size_t(f.in_c) * f.multiplier * f.out_c, 3)) {}
};

void BM_forward(benchmark::State& state) {
  const Layer l(state);
  const SepConvParams& p = l.p;
  const FilterShape& f = l.f;
  const std::vector<float>&x = l.x, &dw = l.dw, &pw = l.pw;
  std::vector<float> packed(packed_weights_bytes(f) / sizeof(float));
  pack_weights(f, dw.data(), pw.data(), nullptr, packed.data());
  ThreadPool pool(1);
  SeparableConv2d op(p);
  std::vector<unsigned char> workspace(op.workspace_bytes(1));
  std::vector<float> y(count(p, false));
  for (auto _ : state) {
    op.run(x.data(), packed.data(), y.data(), workspace.data(), pool);
    benchmark::DoNotOptimize(y.data());
  }
  count_macs(state, forward_macs(p));
}

void BM_backward(benchmark::State& state) {
  const Layer l(state);
  const SepConvParams& p = l.p;
  const FilterShape& f = l.f;
  const std::vector<float>&x = l.x, &dw = l.dw, &pw = l.pw;
  // y in [0, 6): most outputs pass relu6's gradient, as in a trained layer.
  std::vector<float> y = random_floats(count(p, false), 4);
  for (float& v : y) v = 3.0f + 3.0f * v;
  const std::vector<float> dy = random_floats(count(p, false), 5);
  std::vector<float> packed(backward_packed_weights_bytes(f) / sizeof(float));
  pack_backward_weights(f, dw.data(), pw.data(), packed.data());
  ThreadPool pool(static_cast<int>(state.range(7)));
  SeparableConv2dBackward op(p);
  std::vector<unsigned char> workspace(op.workspace_bytes(pool.threads()));
  std::vector<float> dx(count(p, true)), ddw(dw.size()), dpw(pw.size()), dbias(p.out_c);
  const BackwardTensors t{x.data(),   y.data(),   dy.data(),  dx.data(),
                          ddw.data(), dpw.data(), dbias.data()};
  for (auto _ : state) {
    op.run(t, packed.data(), workspace.data(), pool);
    benchmark::DoNotOptimize(dx.data());
  }
  count_macs(state, forward_macs(p));  // the forward's count: GFLOP/s compare the times directly
}

// bench/layers.js's batch-1 layers: mbv1_a-e, stride2, mult2_dil2, xception_5x5.
#define LAYERS                                                                     \
  Args({112, 32, 3, 1, 64, 1, 1})->Args({56, 128, 3, 1, 128, 1, 1})->              \
      Args({28, 256, 3, 1, 256, 1, 1})->Args({14, 512, 3, 1, 512, 1, 1})->         \
      Args({7, 1024, 3, 1, 1024, 1, 1})->Args({112, 64, 3, 1, 128, 2, 1})->        \
      Args({64, 32, 3, 2, 64, 1, 2})->Args({38, 256, 5, 1, 256, 1, 1})->Unit(benchmark::kMillisecond)

BENCHMARK(BM_forward)->LAYERS;
// The same layers on 1 and 2 threads (the 8th argument), timed by the clock: the pool's scaling.
void backward_layers(benchmark::internal::Benchmark* b) {
  const std::vector<std::vector<int64_t>> layers = {
      {112, 32, 3, 1, 64, 1, 1}, {56, 128, 3, 1, 128, 1, 1},   {28, 256, 3, 1, 256, 1, 1},
      {14, 512, 3, 1, 512, 1, 1}, {7, 1024, 3, 1, 1024, 1, 1}, {112, 64, 3, 1, 128, 2, 1},
      {64, 32, 3, 2, 64, 1, 2},   {38, 256, 5, 1, 256, 1, 1}};
  for (const auto& layer : layers) {
    for (int64_t threads : {1, 2}) {
      std::vector<int64_t> args = layer;
      args.push_back(threads);
      b->Args(args);
    }
  }
  b->UseRealTime()->Unit(benchmark::kMillisecond);
}
BENCHMARK(BM_backward)->Apply(backward_layers);

}  // namespace
}  // namespace bench
}  // namespace sepconv
