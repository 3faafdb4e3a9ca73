// Geometry of one separable convolution, shared by every kernel.
// The JavaScript wrapper validates arguments and derives the output size and
// padding; kernels trust these values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

namespace sepconv {

struct SepConvParams {
  int32_t batch, in_h, in_w, in_c;           // input [N,H,W,C] (or [N,C,H,W] when nchw)
  int32_t k_h, k_w, multiplier, out_c;       // depthwise [KH,KW,C,M], pointwise [1,1,C*M,O]
  int32_t out_h, out_w;                      // output [N,OH,OW,O] (or [N,O,OH,OW])
  int32_t stride_h, stride_w, dilation_h, dilation_w;
  int32_t pad_top, pad_left;                 // zeros before the first row / column
  bool nchw;                                 // layout of input and output; filters never change
  // The fused activation as a clamp of every output: linear (the default), relu [0, inf),
  // relu6 [0, 6]. NaN stays NaN, as the clamp propagates it.
  float output_min = -std::numeric_limits<float>::infinity();
  float output_max = std::numeric_limits<float>::infinity();
};

// Element strides of a 4-D activation tensor by role, so one kernel serves NHWC and NCHW.
struct TensorStrides {
  ptrdiff_t n, h, w, c;
};

inline TensorStrides activation_strides(bool nchw, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c) {
  return nchw ? TensorStrides{c * h * w, w, 1, h * w} : TensorStrides{h * w * c, w * c, c, 1};
}

inline TensorStrides input_strides(const SepConvParams& p) {
  return activation_strides(p.nchw, p.in_h, p.in_w, p.in_c);
}

inline TensorStrides output_strides(const SepConvParams& p) {
  return activation_strides(p.nchw, p.out_h, p.out_w, p.out_c);
}

inline int32_t depthwise_channels(const SepConvParams& p) { return p.in_c * p.multiplier; }

}  // namespace sepconv
