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

namespace {

// Panels of the matrix m[row][lane] = at(row, lane) (rows x lanes), kPointwisePanel lanes each,
// each panel its bias lanes (or zeros) then its rows.
template <typename At>
void pack_panels(At at, const float* bias, int32_t rows, int32_t lanes, float* packed) {
  for (int32_t k0 = 0; k0 < lanes; k0 += kPointwisePanel) {
    const int32_t live = std::min(kPointwisePanel, lanes - k0);
    if (bias != nullptr) {
      std::copy(bias + k0, bias + k0 + live, packed);
    } else {
      std::fill(packed, packed + live, 0.0f);
    }
    std::fill(packed + live, packed + kPointwisePanel, 0.0f);
    packed += kPointwisePanel;
    for (int32_t row = 0; row < rows; ++row) {
      for (int32_t lane = 0; lane < live; ++lane) packed[lane] = at(row, k0 + lane);
      std::fill(packed + live, packed + kPointwisePanel, 0.0f);
      packed += kPointwisePanel;
    }
  }
}

}  // namespace

void pack_pointwise_f32(const float* pointwise, const float* bias, int32_t cm_count, int32_t out_c,
                        float* packed) {
  const auto at = [=](int32_t cm, int32_t k) {
    return pointwise[static_cast<size_t>(cm) * out_c + k];
  };
  pack_panels(at, bias, cm_count, out_c, packed);
}

void pack_pointwise_transposed_f32(const float* pointwise, int32_t cm_count, int32_t out_c,
                                   float* packed) {
  const auto at = [=](int32_t k, int32_t cm) {
    return pointwise[static_cast<size_t>(cm) * out_c + k];
  };
  pack_panels(at, nullptr, out_c, cm_count, packed);
}

void transpose_packed_pointwise_f32(const float* packed_pointwise, int32_t cm_count, int32_t out_c,
                                    float* packed) {
  // pointwise[cm][k] is lane k % kPointwisePanel of row 1 + cm of panel k / kPointwisePanel.
  const auto at = [=](int32_t k, int32_t cm) {
    const size_t panel = static_cast<size_t>(k / kPointwisePanel) * (cm_count + 1);
    return packed_pointwise[(panel + 1 + cm) * kPointwisePanel + k % kPointwisePanel];
  };
  pack_panels(at, nullptr, out_c, cm_count, packed);
}

}  // namespace sepconv
