// Weight layouts the fast kernels read. Packing happens once per call (or once per prepared
// layer), so kernels never branch on channel remainders.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sepconv {

// Output channels per pointwise panel: two f32x4 vectors.
constexpr int32_t kPointwisePanel = 8;

inline int32_t round_up(int32_t value, int32_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// [taps][cm_count] -> [taps][cm_stride], zero-filled channels past cm_count.
void pack_depthwise_f32(const float* depthwise, int32_t taps, int32_t cm_count, int32_t cm_stride,
                        float* packed);

inline size_t packed_pointwise_floats(int32_t cm_count, int32_t out_c) {
  return static_cast<size_t>(cm_count + 1) * round_up(out_c, kPointwisePanel);
}

// bias [out_c] (or null: zeros) and pointwise [cm_count][out_c] -> panels of kPointwisePanel
// output channels, each its bias then its weights: packed[panel][1 + cm][lane], zero-filled
// lanes past out_c. The bias leads so the kernel starts its accumulators from it.
void pack_pointwise_f32(const float* pointwise, const float* bias, int32_t cm_count, int32_t out_c,
                        float* packed);

// pointwise [cm_count][out_c] transposed, for the backward pass's d_mid = g * pointwise^T (the
// same GEMM kernel with the roles of cm and k swapped): panels of kPointwisePanel depthwise
// channels, each a zero bias row then one row per output channel:
// packed[panel][1 + k][lane] = pointwise[(panel*kPointwisePanel + lane)*out_c + k], zero-filled
// lanes past cm_count. packed_pointwise_floats(out_c, cm_count) floats.
void pack_pointwise_transposed_f32(const float* pointwise, int32_t cm_count, int32_t out_c,
                                   float* packed);

// The same, read from pack_pointwise_f32's output instead of the pointwise filter: a prepared
// layer keeps only its packed weights, and packs the backward pass's when it is first asked for.
void transpose_packed_pointwise_f32(const float* packed_pointwise, int32_t cm_count, int32_t out_c,
                                    float* packed);

}  // namespace sepconv
