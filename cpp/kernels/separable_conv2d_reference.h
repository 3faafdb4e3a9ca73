// The oracle: TensorFlow's formula computed directly, in double precision.
// Every fast path is tested against it; it is never used for speed.
#pragma once

#include "sepconv_params.h"

namespace sepconv {

// out[b,i,j,k] = clamp(bias[k] + sum_{di,dj,q,r} in[b, sh*i + dh*di - pad_top, sw*j + dw*dj - pad_left, q]
//                                * dw[di,dj,q,r] * pw[q*M + r, k], output_min, output_max),
// with zeros outside the image. bias may be null (no bias).
void separable_conv2d_reference(const SepConvParams& p, const float* input, const float* depthwise,
                                const float* pointwise, const float* bias, float* output);

}  // namespace sepconv
