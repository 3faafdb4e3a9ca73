// Buffer sizes never wrap. The wrapper refuses a call whose sizes pass 2 GiB, so the sizes must
// be exact however large the geometry gets. Strides, dilations and pads up to 2^31-1 are legal,
// and wasm32's 32-bit size_t once wrapped a 4 GiB + 16 byte workspace to 16 bytes. Each size
// must be at least the bytes of what the buffer has to hold. Nothing here is allocated.
#include <gtest/gtest.h>

#include <cstdint>

#include "separable_conv2d.h"
#include "separable_conv2d_backward.h"
#include "test_util.h"

namespace sepconv {
namespace test {
namespace {

constexpr int32_t kMax = INT32_MAX;

// Width 1 with `pad_right` zeros after it, stride `stride_w`, 1x1 kernel, `channels` channels.
SepConvParams wide_padding(int32_t stride_w, int32_t pad_right, int32_t channels) {
  ConvSpec s;
  s.in_c = channels;
  s.stride_w = stride_w;
  s.padding = Padding::kExplicit;
  s.pad_right = pad_right;
  return make_params(s);
}

// A workspace holds at least one packed input row per thread: span x C*M floats, where
// span = (out_w-1)*stride + (k_w-1)*dilation + 1 is the padded extent one output row reads.
uint64_t one_row_bytes(const SepConvParams& p) {
  const uint64_t span = uint64_t(p.out_w - 1) * uint64_t(p.stride_w) +
                        uint64_t(p.k_w - 1) * uint64_t(p.dilation_w) + 1;
  return sizeof(float) * span * uint64_t(depthwise_channels(p));
}

// Each operator's workspace per thread holds at least `rows` such rows (the backward: a packed
// input row and a row of input gradients), and grows in proportion to the threads.
template <typename Op>
void expect_rows_per_thread(const SepConvParams& p, uint64_t rows) {
  const Op op(p);
  EXPECT_GE(op.workspace_bytes(1), rows * one_row_bytes(p)) << describe(p);
  EXPECT_GE(op.workspace_bytes(2), 2 * rows * one_row_bytes(p)) << describe(p);
  EXPECT_EQ(op.workspace_bytes(2), 2 * op.workspace_bytes(1)) << describe(p);
}

TEST(SizeLimits, WorkspaceOfAHugePaddedExtentDoesNotWrap) {
  struct Case {
    int32_t stride_w, pad_right, channels, out_w;
  };
  for (const Case& c : {Case{1 << 25, 1 << 26, 8, 3},   // 2 GiB + a little per thread
                        Case{1 << 27, 1 << 28, 1, 3},   // once wrapped to 16 bytes
                        Case{1 << 30, kMax, 1, 2},      // once read a wrong column
                        Case{kMax, kMax, 3, 2}}) {      // extent 2^31 itself
    const SepConvParams p = wide_padding(c.stride_w, c.pad_right, c.channels);
    ASSERT_EQ(p.out_w, c.out_w) << describe(p);
    expect_rows_per_thread<SeparableConv2d>(p, 1);
    expect_rows_per_thread<SeparableConv2dBackward>(p, 2);
  }
}

TEST(SizeLimits, WorkspaceOfAHugeDilationDoesNotWrap) {
  ConvSpec s;
  s.k_h = 2;
  s.k_w = 2;
  s.dilation_h = kMax;
  s.dilation_w = kMax;
  s.padding = Padding::kExplicit;
  s.pad_top = kMax;
  s.pad_left = kMax;
  const SepConvParams p = make_params(s);
  ASSERT_EQ(p.out_h, 1);
  ASSERT_EQ(p.out_w, 1);
  expect_rows_per_thread<SeparableConv2d>(p, 1);
  expect_rows_per_thread<SeparableConv2dBackward>(p, 2);
}

TEST(SizeLimits, PackedWeightsOfHugeFiltersDoNotWrap) {
  // 2^32 taps: 16 GiB of depthwise weights for one channel.
  EXPECT_GE(packed_weights_bytes(FilterShape{1 << 16, 1 << 16, 1, 1, 1}),
            sizeof(float) * (uint64_t{1} << 32));
  // A 2^32-float pointwise filter.
  EXPECT_GE(packed_weights_bytes(FilterShape{1, 1, 1 << 16, 1, 1 << 16}),
            sizeof(float) * (uint64_t{1} << 32));
  // The same for the backward pass's packing.
  EXPECT_GE(backward_packed_weights_bytes(FilterShape{1 << 16, 1 << 16, 1, 1, 1}),
            sizeof(float) * (uint64_t{1} << 32));
  EXPECT_GE(backward_packed_weights_bytes(FilterShape{1, 1, 1 << 16, 1, 1 << 16}),
            sizeof(float) * (uint64_t{1} << 32));
}

}  // namespace
}  // namespace test
}  // namespace sepconv
