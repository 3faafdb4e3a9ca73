#include "pack_weights_f32.h"

#include <algorithm>
#include <cstring>

namespace sepconv {

void pack_depthwise_f32(const float* depthwise, int32_t taps, int32_t cm_count, int32_t cm_stride,
                        float* packed) {
  for (int32_t t = 0; t < taps; ++t) {
    float* dst = packed + static_cast<size_t>(t) * cm_stride;
    std::memcpy(dst, depthwise + static_cast<size_t>(t) * cm_count, sizeof(float) * cm_count);
    std::fill(dst + cm_count, dst + cm_stride, 0.0f);
  }
}

void pack_pointwise_f32(const float* pointwise, const float* bias, int32_t cm_count, int32_t out_c,
                        float* packed) {
  for (int32_t k0 = 0; k0 < out_c; k0 += kPointwisePanel) {
    const int32_t lanes = std::min(kPointwisePanel, out_c - k0);
    if (bias != nullptr) {
      std::copy(bias + k0, bias + k0 + lanes, packed);
    } else {
      std::fill(packed, packed + lanes, 0.0f);
    }
    std::fill(packed + lanes, packed + kPointwisePanel, 0.0f);
    packed += kPointwisePanel;
    for (int32_t cm = 0; cm < cm_count; ++cm) {
      const float* src = pointwise + static_cast<size_t>(cm) * out_c + k0;
      std::copy(src, src + lanes, packed);
      std::fill(packed + lanes, packed + kPointwisePanel, 0.0f);
      packed += kPointwisePanel;
    }
  }
}

}  // namespace sepconv
