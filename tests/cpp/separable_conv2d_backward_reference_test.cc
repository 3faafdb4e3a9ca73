// The backward oracle against central finite differences of the forward oracle. The loss
// L = sum(dy * y) is linear in each single input, weight or bias value wherever no output
// crosses a bound of its clamp, so the central difference over such a step is exact up to the
// float rounding of y: every step is checked not to move any output across a bound (and halved
// until it does not), which keeps the points away from the relu kinks.
#include "separable_conv2d_backward_reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace sepconv {
namespace test {
namespace {

// One forward call's tensors; bias empty: none.
struct Point {
  std::vector<float> input, depthwise, pointwise, bias;
};

// Where each output lies relative to the clamp: -1 at the lower bound, 1 at the upper, 0 inside.
std::vector<int> sides(const SepConvParams& p, const std::vector<float>& y) {
  std::vector<int> side(y.size());
  for (size_t i = 0; i < y.size(); ++i) side[i] = y[i] <= p.output_min ? -1 : y[i] >= p.output_max;
  return side;
}

struct Loss {
  double value;
  std::vector<int> sides;
};

Loss loss(const SepConvParams& p, const Point& at, const std::vector<float>& dy) {
  const std::vector<float> y = reference_output(p, at.input, at.depthwise, at.pointwise, at.bias);
  double sum = 0.0;
  for (size_t i = 0; i < y.size(); ++i) sum += double{dy[i]} * y[i];
  return {sum, sides(p, y)};
}

// The gradients the oracle gives, in the order of Point's tensors.
struct Gradients {
  std::vector<float> input, depthwise, pointwise, bias;
};

Gradients oracle(const SepConvParams& p, const Point& at, const std::vector<float>& dy) {
  const std::vector<float> y = reference_output(p, at.input, at.depthwise, at.pointwise, at.bias);
  Gradients g{nans(input_floats(p)), nans(depthwise_floats(p)), nans(pointwise_floats(p)),
              nans(at.bias.empty() ? 0 : p.out_c)};
  separable_conv2d_backward_reference(p, at.input.data(), at.depthwise.data(), at.pointwise.data(),
                                      y.data(), dy.data(), g.input.data(), g.depthwise.data(),
                                      g.pointwise.data(),
                                      at.bias.empty() ? nullptr : g.bias.data());
  return g;
}

struct Tally {
  int checked = 0, near_kink = 0;
};

// Compares every element of `gradient` with the central difference of the loss in the matching
// element of at.*member.
::testing::AssertionResult matches_differences(const SepConvParams& p, Point at,
                                               std::vector<float> Point::*member,
                                               const std::vector<float>& gradient,
                                               const std::vector<float>& dy, const char* name,
                                               Tally* tally) {
  const Loss base = loss(p, at, dy);
  std::vector<float>& values = at.*member;
  double scale = 0.0;
  for (float v : gradient) scale = std::max(scale, std::fabs(double{v}));
  for (size_t e = 0; e < values.size(); ++e) {
    const float original = values[e];
    bool linear = false;
    double difference = 0.0;
    for (float h = 1.0f / 64; h >= 1.0f / 1024 && !linear; h /= 2) {
      values[e] = original + h;
      const Loss plus = loss(p, at, dy);
      values[e] = original - h;
      const Loss minus = loss(p, at, dy);
      values[e] = original;
      linear = plus.sides == base.sides && minus.sides == base.sides;
      // h is a power of two, so original +- h is exact for these values' magnitudes.
      difference = (plus.value - minus.value) / (2.0 * h);
    }
    if (!linear) {
      ++tally->near_kink;
      continue;
    }
    ++tally->checked;
    const double limit = 1e-3 * (1.0 + scale);
    if (!(std::fabs(difference - gradient[e]) <= limit)) {
      return ::testing::AssertionFailure()
             << describe(p) << (at.bias.empty() ? ", no bias" : ", bias") << ": d" << name << "["
             << e << "] = " << gradient[e] << ", finite difference " << difference << " (limit "
             << limit << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(SeparableConv2dBackwardReference, MatchesFiniteDifferences) {
  std::mt19937 rng(1301);
  SpecLimits small;
  small.batch = 2;
  small.size = 7;
  small.channels = 3;
  small.out_c = 4;
  small.kernel = 3;
  Tally tally;
  for (int tested = 0; tested < 60; ++tested) {
    // Every activation in turn, so each gets its share whatever random_activation draws.
    const Activation activations[] = {linear(), relu(), relu6(), random_activation(rng)};
    const SepConvParams p = with_activation(random_params(rng, small), activations[tested % 4]);
    Point at{random_floats(input_floats(p), rng), random_floats(depthwise_floats(p), rng),
             random_floats(pointwise_floats(p), rng), random_bias(p.out_c, rng)};
    // Scaled up so that relu6's upper bound clips some outputs too.
    for (float& w : at.pointwise) w *= 3.0f;
    const std::vector<float> dy = random_floats(output_floats(p), rng);
    const Gradients g = oracle(p, at, dy);
    ASSERT_TRUE(matches_differences(p, at, &Point::input, g.input, dy, "input", &tally));
    ASSERT_TRUE(
        matches_differences(p, at, &Point::depthwise, g.depthwise, dy, "depthwise", &tally));
    ASSERT_TRUE(
        matches_differences(p, at, &Point::pointwise, g.pointwise, dy, "pointwise", &tally));
    ASSERT_TRUE(matches_differences(p, at, &Point::bias, g.bias, dy, "bias", &tally));
  }
  // Steps that move an output across a bound at every size are rare: almost all are checked.
  EXPECT_GT(tally.checked, 20 * tally.near_kink) << tally.checked << " checked";
}

// Strides larger than the kernel leave input rows and columns no output reads: their gradient
// is exactly zero. By hand: a 1x1 kernel of weight 2, pointwise 3, stride 2 over a 3x3 image
// reads (0,0), (0,2), (2,0), (2,2), each with dL/dy = dy = 1, so dx = 6 there and 0 elsewhere.
TEST(SeparableConv2dBackwardReference, UnreadInputsGetZeroGradient) {
  ConvSpec s;
  s.in_h = 3;
  s.in_w = 3;
  s.stride_h = 2;
  s.stride_w = 2;
  const SepConvParams p = make_params(s);
  ASSERT_EQ(p.out_h, 2);
  ASSERT_EQ(p.out_w, 2);
  const std::vector<float> input(9, 1.0f), depthwise = {2.0f}, pointwise = {3.0f}, dy(4, 1.0f);
  const std::vector<float> y = reference_output(p, input, depthwise, pointwise);
  std::vector<float> dx = nans(9), ddw = nans(1), dpw = nans(1), dbias = nans(1);
  separable_conv2d_backward_reference(p, input.data(), depthwise.data(), pointwise.data(), y.data(),
                                      dy.data(), dx.data(), ddw.data(), dpw.data(), dbias.data());
  EXPECT_TRUE(all_near({6, 0, 6, 0, 0, 0, 6, 0, 6}, dx, "dx", 0));
  EXPECT_TRUE(all_near({4 * 3.0f}, ddw, "d_depthwise: sum of x * pw * dy", 0));
  EXPECT_TRUE(all_near({4 * 2.0f}, dpw, "d_pointwise: sum of mid = x * dw", 0));
  EXPECT_TRUE(all_near({4.0f}, dbias, "d_bias: sum of dy", 0));
}

// relu passes where y > 0 and relu6 where 0 < y < 6, reading y as TensorFlow's ReluGrad and
// Relu6Grad do: an output exactly at a bound passes nothing.
TEST(SeparableConv2dBackwardReference, ActivationMasksByOutput) {
  ConvSpec s;
  s.in_w = 4;
  const SepConvParams linear_params = make_params(s);
  const std::vector<float> input = {-1.0f, 0.0f, 3.0f, 7.0f}, one = {1.0f};
  const std::vector<float> dy = {1.0f, 1.0f, 1.0f, 1.0f};
  const struct {
    Activation activation;
    std::vector<float> dbias;
  } cases[] = {{linear(), {4}}, {relu(), {2}}, {relu6(), {1}}};
  for (const auto& c : cases) {
    const SepConvParams p = with_activation(linear_params, c.activation);
    const std::vector<float> y = reference_output(p, input, one, one);
    std::vector<float> dbias = nans(1);
    separable_conv2d_backward_reference(p, input.data(), one.data(), one.data(), y.data(),
                                        dy.data(), nullptr, nullptr, nullptr, dbias.data());
    EXPECT_TRUE(all_near(c.dbias, dbias, c.activation.name, 0));
  }
}

// A batch of 0 has no outputs: zero filter gradients, and no input gradient to write.
TEST(SeparableConv2dBackwardReference, EmptyBatchGivesZeroFilterGradients) {
  std::mt19937 rng(1302);
  ConvSpec s = random_spec(rng);
  s.batch = 0;
  s.padding = Padding::kSame;
  const SepConvParams p = make_params(s);
  const std::vector<float> depthwise = random_floats(depthwise_floats(p), rng);
  const std::vector<float> pointwise = random_floats(pointwise_floats(p), rng);
  std::vector<float> ddw = nans(depthwise_floats(p)), dpw = nans(pointwise_floats(p));
  std::vector<float> dbias = nans(p.out_c);
  const float none = 0.0f;  // a valid address for the empty tensors
  std::vector<float> dx;
  separable_conv2d_backward_reference(p, &none, depthwise.data(), pointwise.data(), &none, &none,
                                      dx.data(), ddw.data(), dpw.data(), dbias.data());
  EXPECT_TRUE(all_near(std::vector<float>(ddw.size()), ddw, describe(p), 0));
  EXPECT_TRUE(all_near(std::vector<float>(dpw.size()), dpw, describe(p), 0));
  EXPECT_TRUE(all_near(std::vector<float>(dbias.size()), dbias, describe(p), 0));
}

}  // namespace
}  // namespace test
}  // namespace sepconv
