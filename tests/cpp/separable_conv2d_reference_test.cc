// The oracle against cases small enough to compute by hand: if these hold, the random tests of
// the fast paths compare against TensorFlow's semantics, not against a shared mistake.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "test_util.h"

namespace sepconv {
namespace test {
namespace {

// A single-channel, single-output convolution along H only (W = 1): with a pointwise weight of
// 1, each output is a dot product of the depthwise taps with a column, visible at a glance.
ConvSpec column(int32_t in_h, int32_t k_h) {
  ConvSpec s;
  s.in_h = in_h;
  s.k_h = k_h;
  return s;
}

// The geometry helper every test builds its params with, against sizes TensorFlow reports.
TEST(SeparableConv2dReference, GeometryHelperFollowsTensorFlow) {
  struct Case {
    Padding padding;
    int32_t in, k, stride, dilation, pad_before, pad_after, out, pad;
  };
  const Case cases[] = {
      {Padding::kSame, 5, 3, 2, 1, 0, 0, 3, 1},  // total 2
      {Padding::kSame, 5, 3, 1, 2, 0, 0, 5, 2},  // dilated extent 5, total 4
      {Padding::kSame, 7, 1, 4, 1, 0, 0, 2, 0},  // total -2 clamped at 0
      {Padding::kValid, 7, 3, 2, 1, 0, 0, 3, 0},
      {Padding::kValid, 2, 3, 2, 1, 0, 0, 0, 0},  // does not fit
      {Padding::kExplicit, 5, 3, 2, 1, 1, 2, 3, 1},
      {Padding::kExplicit, 2, 3, 2, 1, 0, 0, 0, 0},  // does not fit, however it rounds
  };
  for (const Case& c : cases) {
    const AxisGeometry g =
        axis_geometry(c.padding, c.in, c.k, c.stride, c.dilation, c.pad_before, c.pad_after);
    EXPECT_EQ(g.out < 1 ? 0 : g.out, c.out) << "in " << c.in << " k " << c.k << " s " << c.stride;
    if (c.out > 0) {
      EXPECT_EQ(g.pad_before, c.pad) << "in " << c.in << " k " << c.k;
    }
  }
}

TEST(SeparableConv2dReference, IdentityWeightsReproduceInput) {
  std::mt19937 rng(1);
  for (bool nchw : {false, true}) {
    ConvSpec s;
    s.batch = 2;
    s.in_h = 3;
    s.in_w = 4;
    s.in_c = 5;
    s.out_c = 5;
    s.nchw = nchw;
    const SepConvParams p = make_params(s);
    std::vector<float> pointwise(pointwise_floats(p), 0.0f);
    for (int32_t c = 0; c < p.in_c; ++c) pointwise[c * p.out_c + c] = 1.0f;
    const std::vector<float> input = random_floats(input_floats(p), rng);
    const std::vector<float> depthwise(depthwise_floats(p), 1.0f);
    EXPECT_TRUE(all_near(input, reference_output(p, input, depthwise, pointwise), describe(p), 0));
  }
}

TEST(SeparableConv2dReference, BoxBlurSameCountsNeighboursInsideTheImage) {
  ConvSpec s;
  s.in_h = 4;
  s.in_w = 5;
  s.k_h = 3;
  s.k_w = 3;
  s.padding = Padding::kSame;
  const SepConvParams p = make_params(s);
  ASSERT_EQ(p.out_h, 4);
  ASSERT_EQ(p.out_w, 5);
  ASSERT_EQ(p.pad_top, 1);
  ASSERT_EQ(p.pad_left, 1);
  const std::vector<float> ones(input_floats(p), 1.0f);
  const std::vector<float> expected = {4, 6, 6, 6, 4,  //
                                       6, 9, 9, 9, 6,  //
                                       6, 9, 9, 9, 6,  //
                                       4, 6, 6, 6, 4};
  EXPECT_TRUE(all_near(expected, reference_output(p, ones, std::vector<float>(9, 1.0f), {1.0f}),
                       describe(p), 0));
}

TEST(SeparableConv2dReference, SameWithOddTotalPaddingPadsAfterTheImage) {
  // H=4, k=2, s=1: total padding 1, all of it below the last row.
  ConvSpec s = column(4, 2);
  s.padding = Padding::kSame;
  const SepConvParams p = make_params(s);
  ASSERT_EQ(p.out_h, 4);
  ASSERT_EQ(p.pad_top, 0);
  // out[i] = in[i] + 10 * in[i+1]; the last output reads the zero row.
  const std::vector<float> expected = {21, 32, 43, 4};
  EXPECT_TRUE(all_near(expected, reference_output(p, {1, 2, 3, 4}, {1, 10}, {1}), describe(p), 0));
}

TEST(SeparableConv2dReference, ExplicitPaddingShiftsTheWindow) {
  ConvSpec s = column(3, 2);
  s.padding = Padding::kExplicit;
  s.pad_top = 2;
  const SepConvParams p = make_params(s);
  ASSERT_EQ(p.out_h, 4);  // rows 0 0 1 2 3
  const std::vector<float> expected = {0, 10, 21, 32};
  EXPECT_TRUE(all_near(expected, reference_output(p, {1, 2, 3}, {1, 10}, {1}), describe(p), 0));
}

TEST(SeparableConv2dReference, DilationSpreadsTheTaps) {
  ConvSpec s = column(5, 2);
  s.dilation_h = 2;
  const SepConvParams p = make_params(s);
  ASSERT_EQ(p.out_h, 3);
  const std::vector<float> expected = {31, 42, 53};  // in[i] + 10 * in[i+2]
  EXPECT_TRUE(
      all_near(expected, reference_output(p, {1, 2, 3, 4, 5}, {1, 10}, {1}), describe(p), 0));
}

TEST(SeparableConv2dReference, StrideLargerThanKernelSkipsPixels) {
  for (Padding padding : {Padding::kValid, Padding::kSame}) {
    ConvSpec s;
    s.in_h = 7;
    s.in_w = 7;
    s.stride_h = 3;
    s.stride_w = 3;
    s.padding = padding;
    const SepConvParams p = make_params(s);
    ASSERT_EQ(p.out_h, 3);
    ASSERT_EQ(p.out_w, 3);
    std::vector<float> input;
    for (int y = 0; y < 7; ++y) {
      for (int x = 0; x < 7; ++x) input.push_back(static_cast<float>(10 * y + x));
    }
    const std::vector<float> expected = {0, 3, 6, 30, 33, 36, 60, 63, 66};
    EXPECT_TRUE(all_near(expected, reference_output(p, input, {1}, {1}), describe(p), 0));
  }
}

TEST(SeparableConv2dReference, KernelLargerThanInputUnderSame) {
  ConvSpec s;
  s.in_h = 2;
  s.in_w = 2;
  s.k_h = 5;
  s.k_w = 5;
  s.padding = Padding::kSame;
  const SepConvParams p = make_params(s);
  ASSERT_EQ(p.out_h, 2);
  ASSERT_EQ(p.pad_top, 2);  // total 4
  ASSERT_EQ(p.pad_left, 2);
  std::vector<float> depthwise;  // w[di][dj] = 5*di + dj, so every tap is distinguishable
  for (int t = 0; t < 25; ++t) depthwise.push_back(static_cast<float>(t));
  // out[i][j] = sum in[y][x] * w[y - i + 2][x - j + 2], e.g. out[0][0] = 1*12 + 2*13 + 3*17 + 4*18.
  const std::vector<float> expected = {161, 151, 111, 101};
  EXPECT_TRUE(
      all_near(expected, reference_output(p, {1, 2, 3, 4}, depthwise, {1}), describe(p), 0));
}

TEST(SeparableConv2dReference, MultiplierOrdersIntermediateChannelsByInputChannel) {
  ConvSpec s;
  s.in_c = 2;
  s.multiplier = 2;
  s.out_c = 4;
  const SepConvParams p = make_params(s);
  // Intermediate channel q*M + r = input[q] * dw[q][r]; the identity pointwise exposes the order.
  std::vector<float> pointwise(16, 0.0f);
  for (int k = 0; k < 4; ++k) pointwise[k * 4 + k] = 1.0f;
  const std::vector<float> expected = {1, 10, 200, 2000};
  EXPECT_TRUE(all_near(expected, reference_output(p, {1, 2}, {1, 10, 100, 1000}, pointwise),
                       describe(p), 0));
}

// Bias is added before the clamp: with relu6 each output below is pushed across a different
// part of the range (clipped at 0, inside, exactly 6, clipped at 6) only because of its bias.
TEST(SeparableConv2dReference, BiasThenRelu6) {
  ConvSpec s = column(4, 2);
  s.out_c = 2;
  const SepConvParams p = make_params(s);
  ASSERT_EQ(p.out_h, 3);
  // mid[i] = in[i] + 10 * in[i+1] = {1, -10, 4}; channel 0 = mid + 2, channel 1 = -mid + 3.
  const std::vector<float> input = {1, 0, -1, 0.5f};
  const std::vector<float> depthwise = {1, 10};
  const std::vector<float> pointwise = {1, -1};
  const std::vector<float> bias = {2, 3};
  const std::vector<float> linear_expected = {3, 2, -8, 13, 6, -1};  // [1,3,1,2], NHWC
  EXPECT_TRUE(all_near(linear_expected, reference_output(p, input, depthwise, pointwise, bias),
                       describe(p), 0));
  const SepConvParams clamped = with_activation(p, relu6());
  const std::vector<float> relu6_expected = {3, 2, 0, 6, 6, 0};
  EXPECT_TRUE(all_near(relu6_expected,
                       reference_output(clamped, input, depthwise, pointwise, bias),
                       describe(clamped), 0));
}

// NaN passes every clamp; only the outputs whose window reads the NaN are NaN.
TEST(SeparableConv2dReference, NanInputStaysNanUnderEveryActivation) {
  ConvSpec s = column(4, 2);
  s.out_c = 2;
  const SepConvParams p = make_params(s);
  const std::vector<float> input = {1, 0, -1, std::nanf("")};  // read by output row 2 only
  const std::vector<float> relu6_expected = {3, 2, 0, 6, std::nanf(""), std::nanf("")};
  for (const Activation& a : {linear(), relu(), relu6()}) {
    const SepConvParams clamped = with_activation(p, a);
    const std::vector<float> actual = reference_output(clamped, input, {1, 10}, {1, -1}, {2, 3});
    EXPECT_TRUE(std::isnan(actual[4]) && std::isnan(actual[5])) << a.name;
    // Rows 0 and 1 never see the NaN; under relu6 they are the hand-computed values above.
    if (a.name == "relu6") EXPECT_TRUE(all_near(relu6_expected, actual, describe(clamped), 0));
    for (int i = 0; i < 4; ++i) EXPECT_FALSE(std::isnan(actual[i])) << a.name << " element " << i;
  }
}

// [N,H,W,C] -> [N,C,H,W].
std::vector<float> to_nchw(const std::vector<float>& nhwc, int32_t n, int32_t h, int32_t w,
                           int32_t c) {
  std::vector<float> nchw(nhwc.size());
  for (int32_t b = 0; b < n; ++b) {
    for (int32_t y = 0; y < h; ++y) {
      for (int32_t x = 0; x < w; ++x) {
        for (int32_t q = 0; q < c; ++q) {
          nchw[((b * c + q) * h + y) * w + x] = nhwc[((b * h + y) * w + x) * c + q];
        }
      }
    }
  }
  return nchw;
}

TEST(SeparableConv2dReference, NchwEqualsTransposedNhwc) {
  ConvSpec s;
  s.batch = 2;
  s.in_h = 5;
  s.in_w = 6;
  s.in_c = 3;
  s.k_h = 3;
  s.k_w = 2;
  s.multiplier = 2;
  s.out_c = 4;
  s.stride_h = 2;
  s.padding = Padding::kSame;
  const SepConvParams nhwc = make_params(s);
  s.nchw = true;
  const SepConvParams nchw = make_params(s);
  std::mt19937 rng(2);
  const std::vector<float> input = random_floats(input_floats(nhwc), rng);
  const std::vector<float> depthwise = random_floats(depthwise_floats(nhwc), rng);
  const std::vector<float> pointwise = random_floats(pointwise_floats(nhwc), rng);
  const std::vector<float> expected = to_nchw(reference_output(nhwc, input, depthwise, pointwise),
                                              nhwc.batch, nhwc.out_h, nhwc.out_w, nhwc.out_c);
  const std::vector<float> actual =
      reference_output(nchw, to_nchw(input, s.batch, s.in_h, s.in_w, s.in_c), depthwise, pointwise);
  EXPECT_TRUE(all_near(expected, actual, describe(nchw), 0));
}

}  // namespace
}  // namespace test
}  // namespace sepconv
