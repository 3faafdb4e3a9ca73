#include "separable_conv2d_backward_reference.h"

#include <algorithm>
#include <vector>

#include "activation_grad.h"

namespace sepconv {

void separable_conv2d_backward_reference(const SepConvParams& p, const float* input,
                                         const float* depthwise, const float* pointwise,
                                         const float* output, const float* d_output, float* d_input,
                                         float* d_depthwise, float* d_pointwise, float* d_bias) {
  const TensorStrides is = input_strides(p);
  const TensorStrides os = output_strides(p);
  const int32_t cm_count = depthwise_channels(p);
  const size_t taps = static_cast<size_t>(p.k_h) * p.k_w;
  // Sums in double, written out as float once at the end.
  std::vector<double> dx(d_input != nullptr ? size_t{1} * p.batch * p.in_h * p.in_w * p.in_c : 0);
  std::vector<double> ddw(taps * cm_count), dpw(static_cast<size_t>(cm_count) * p.out_c);
  std::vector<double> dbias(p.out_c);
  std::vector<double> mid(cm_count), g(p.out_c), dmid(cm_count);
  for (int32_t b = 0; b < p.batch; ++b) {
    for (int32_t i = 0; i < p.out_h; ++i) {
      for (int32_t j = 0; j < p.out_w; ++j) {
        // The taps of this pixel inside the image: (tap index, input offset), the rest are zero.
        std::vector<std::pair<size_t, ptrdiff_t>> window;
        for (int32_t di = 0; di < p.k_h; ++di) {
          // In 64 bits: with enough padding, stride and dilation may each be near 2^31.
          const int64_t y = int64_t{p.stride_h} * i + int64_t{p.dilation_h} * di - p.pad_top;
          if (y < 0 || y >= p.in_h) continue;
          for (int32_t dj = 0; dj < p.k_w; ++dj) {
            const int64_t x = int64_t{p.stride_w} * j + int64_t{p.dilation_w} * dj - p.pad_left;
            if (x < 0 || x >= p.in_w) continue;
            window.emplace_back(static_cast<size_t>(di) * p.k_w + dj,
                                b * is.n + y * is.h + x * is.w);
          }
        }
        const ptrdiff_t out_at = b * os.n + i * os.h + j * os.w;
        for (int32_t k = 0; k < p.out_c; ++k) {
          const float y = output[out_at + k * os.c];
          const double gate = activation_passes(y, p.output_min, p.output_max) ? 1.0 : 0.0;
          g[k] = d_output[out_at + k * os.c] * gate;
          dbias[k] += g[k];
        }
        for (int32_t cm = 0; cm < cm_count; ++cm) {
          const int32_t q = cm / p.multiplier;
          mid[cm] = 0.0;
          for (const auto& [tap, at] : window) {
            mid[cm] += double{input[at + q * is.c]} * depthwise[tap * cm_count + cm];
          }
          dmid[cm] = 0.0;
          for (int32_t k = 0; k < p.out_c; ++k) {
            dmid[cm] += g[k] * pointwise[static_cast<size_t>(cm) * p.out_c + k];
            dpw[static_cast<size_t>(cm) * p.out_c + k] += mid[cm] * g[k];
          }
          for (const auto& [tap, at] : window) {
            ddw[tap * cm_count + cm] += double{input[at + q * is.c]} * dmid[cm];
            if (d_input != nullptr) {
              dx[at + q * is.c] += dmid[cm] * depthwise[tap * cm_count + cm];
            }
          }
        }
      }
    }
  }
  auto store = [](const std::vector<double>& sums, float* out) {
    if (out != nullptr)
      std::transform(sums.begin(), sums.end(), out, [](double v) { return float(v); });
  };
  store(dx, d_input);
  store(ddw, d_depthwise);
  store(dpw, d_pointwise);
  store(dbias, d_bias);
}

}  // namespace sepconv
