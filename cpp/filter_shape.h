// The filters' shape alone: what packing the weights needs, and all it needs. A layer packs its
// weights once from this (and repacks them in place for new weights of the same shape); the
// input's geometry (SepConvParams) comes later, per call, as in XNNPACK's create/reshape split.
#pragma once

#include <cstdint>

#include "kernels/sepconv_params.h"

namespace sepconv {

struct FilterShape {
  int32_t k_h, k_w, in_c, multiplier;  // depthwise [KH,KW,C,M]
  int32_t out_c;                       // pointwise [1,1,C*M,O], bias [O]
};

inline FilterShape filter_shape(const SepConvParams& p) {
  return {p.k_h, p.k_w, p.in_c, p.multiplier, p.out_c};
}

inline int32_t depthwise_channels(const FilterShape& f) { return f.in_c * f.multiplier; }

}  // namespace sepconv
