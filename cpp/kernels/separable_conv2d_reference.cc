#include "separable_conv2d_reference.h"

#include <algorithm>
#include <vector>

namespace sepconv {

void separable_conv2d_reference(const SepConvParams& p, const float* input, const float* depthwise,
                                const float* pointwise, const float* bias, float* output) {
  const TensorStrides is = input_strides(p);
  const TensorStrides os = output_strides(p);
  const int32_t cm_count = depthwise_channels(p);
  std::vector<double> mid(static_cast<size_t>(cm_count));
  for (int32_t b = 0; b < p.batch; ++b) {
    for (int32_t i = 0; i < p.out_h; ++i) {
      for (int32_t j = 0; j < p.out_w; ++j) {
        for (int32_t q = 0; q < p.in_c; ++q) {
          for (int32_t r = 0; r < p.multiplier; ++r) {
            double sum = 0.0;
            for (int32_t di = 0; di < p.k_h; ++di) {
              // In 64 bits: with enough padding, stride and dilation may each be near 2^31.
              const int64_t y = int64_t{p.stride_h} * i + int64_t{p.dilation_h} * di - p.pad_top;
              if (y < 0 || y >= p.in_h) continue;
              for (int32_t dj = 0; dj < p.k_w; ++dj) {
                const int64_t x = int64_t{p.stride_w} * j + int64_t{p.dilation_w} * dj - p.pad_left;
                if (x < 0 || x >= p.in_w) continue;
                const double v = input[b * is.n + y * is.h + x * is.w + q * is.c];
                const double w = depthwise[((di * p.k_w + dj) * p.in_c + q) * p.multiplier + r];
                sum += v * w;
              }
            }
            mid[q * p.multiplier + r] = sum;
          }
        }
        for (int32_t k = 0; k < p.out_c; ++k) {
          double sum = bias != nullptr ? bias[k] : 0.0;
          for (int32_t cm = 0; cm < cm_count; ++cm) sum += mid[cm] * pointwise[cm * p.out_c + k];
          // std::max/min return their first argument when it is NaN, so NaN propagates.
          const float clamped =
              std::min(std::max(static_cast<float>(sum), p.output_min), p.output_max);
          output[b * os.n + i * os.h + j * os.w + k * os.c] = clamped;
        }
      }
    }
  }
}

}  // namespace sepconv
