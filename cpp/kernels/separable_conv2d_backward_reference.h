// The backward oracle: the gradients of L = sum(dy * y), where
//   y = clamp(separable_conv2d(x, dw, pw) + bias, output_min, output_max),
// computed directly from their formulas in double precision. The fused backward operator and
// every backward kernel are tested against it; it is itself tested against finite differences
// of the forward oracle. Never used for speed.
#pragma once

#include "sepconv_params.h"

namespace sepconv {

// With mid[b,i,j,q*M+r] = sum_{di,dj} x[b, sh*i + dh*di - pad_top, sw*j + dw*dj - pad_left, q]
//                                     * dw[di,dj,q,r]   (zero outside the image),
//   g[b,i,j,k]     = dy[b,i,j,k] * (activation_passes(y[b,i,j,k]) ? 1 : 0)   (activation_grad.h;
//                    a product, as TensorFlow's ReluGrad: a NaN dy stays NaN where masked)
//   dMid[b,i,j,cm] = sum_k g[b,i,j,k] * pw[cm,k]
//   d_bias[k]      = sum_{b,i,j} g[b,i,j,k]
//   d_pointwise[cm,k] = sum_{b,i,j} mid[b,i,j,cm] * g[b,i,j,k]
//   d_depthwise[di,dj,q,r] = sum_{b,i,j} x[b, sh*i + dh*di - pad_top, sw*j + dw*dj - pad_left, q]
//                                        * dMid[b,i,j,q*M+r]
//   d_input[b,y,x,q] = sum over (i,di), (j,dj), r with sh*i + dh*di - pad_top = y and
//                      sw*j + dw*dj - pad_left = x of dMid[b,i,j,q*M+r] * dw[di,dj,q,r]
// input, d_input in the params' layout (NHWC or NCHW); output (y) and d_output (dy) in the
// output's; d_depthwise [KH,KW,C,M], d_pointwise [C*M,O], d_bias [O]. Each gradient pointer may be
// null: that gradient is not computed. The bias is not an argument: y already holds its effect.
// A batch of 0 gives zero filter gradients and an empty d_input.
void separable_conv2d_backward_reference(const SepConvParams& p, const float* input,
                                         const float* depthwise, const float* pointwise,
                                         const float* output, const float* d_output, float* d_input,
                                         float* d_depthwise, float* d_pointwise, float* d_bias);

}  // namespace sepconv
