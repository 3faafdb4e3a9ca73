// Which outputs pass the gradient back through the fused activation (a clamp to [lo, hi]):
// TensorFlow's ReluGrad and Relu6Grad read the op's output y and pass where y > 0, and where
// 0 < y < 6; a linear op passes everything. An infinite bound clamps nothing, so it passes
// everything on its side (y = +inf under relu passes, as y > 0); a NaN output passes only when
// neither bound clamps (linear), as TensorFlow's comparisons with NaN are false.
#pragma once

#include <cmath>

namespace sepconv {

inline bool activation_passes(float y, float lo, float hi) {
  return (std::isinf(lo) || y > lo) && (std::isinf(hi) || y < hi);
}

}  // namespace sepconv
