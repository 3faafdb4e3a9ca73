// The weight packings against the layouts their header describes, written as plain loops.
#include "pack_weights_f32.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>
#include <vector>

#include "test_util.h"

namespace sepconv {
namespace test {
namespace {

struct RandomPointwise {
  int32_t cm_count, out_c;
  std::vector<float> pointwise;  // [cm_count][out_c]
};

RandomPointwise random_pointwise(std::mt19937& rng) {
  const int32_t cm_count = random_int(rng, 1, 27);
  const int32_t out_c = random_int(rng, 1, 30);
  return {cm_count, out_c, random_floats(static_cast<size_t>(cm_count) * out_c, rng)};
}

TEST(PackWeightsF32, RoundUp) {
  EXPECT_EQ(round_up(1, 4), 4);
  EXPECT_EQ(round_up(4, 4), 4);
  EXPECT_EQ(round_up(5, 4), 8);
  EXPECT_EQ(round_up(17, kPointwisePanel), 24);
}

TEST(PackWeightsF32, DepthwiseZeroFillsChannelsPastCount) {
  std::mt19937 rng(201);
  for (int iteration = 0; iteration < 500; ++iteration) {
    const int32_t taps = random_int(rng, 1, 25);
    const int32_t cm_count = random_int(rng, 1, 27);
    const int32_t cm_stride = round_up(cm_count, 4) + 4 * random_int(rng, 0, 1);
    const std::vector<float> depthwise = random_floats(static_cast<size_t>(taps) * cm_count, rng);

    std::vector<float> expected(static_cast<size_t>(taps) * cm_stride, 0.0f);
    for (int32_t t = 0; t < taps; ++t) {
      for (int32_t cm = 0; cm < cm_count; ++cm) {
        expected[t * cm_stride + cm] = depthwise[t * cm_count + cm];
      }
    }
    std::vector<float> actual = nans(expected.size());
    pack_depthwise_f32(depthwise.data(), taps, cm_count, cm_stride, actual.data());

    std::ostringstream config;
    config << "taps " << taps << " cm_count " << cm_count << " cm_stride " << cm_stride;
    ASSERT_TRUE(all_near(expected, actual, config.str(), 0));
  }
}

// One panel written out by hand, so the layout is pinned down by more than a loop that could
// share the packer's indexing mistake: [bias 8 lanes][weights of cm 0][weights of cm 1].
TEST(PackWeightsF32, PointwisePanelStartsWithBias) {
  const std::vector<float> pointwise = {1, 2, 3,   // cm 0, k 0..2
                                        4, 5, 6};  // cm 1
  const std::vector<float> bias = {-1, -2, -3};
  ASSERT_EQ(packed_pointwise_floats(2, 3), 24u);
  const std::vector<float> with_bias = {-1, -2, -3, 0, 0, 0, 0, 0,  //
                                        1,  2,  3,  0, 0, 0, 0, 0,  //
                                        4,  5,  6,  0, 0, 0, 0, 0};
  std::vector<float> actual = nans(24);
  pack_pointwise_f32(pointwise.data(), bias.data(), 2, 3, actual.data());
  EXPECT_TRUE(all_near(with_bias, actual, "with bias", 0));

  // No bias: the kernel still starts its accumulators from the bias lanes, so they must be
  // written as zeros, not left as whatever the buffer held (NaN here).
  std::vector<float> without_bias = with_bias;
  std::fill(without_bias.begin(), without_bias.begin() + 3, 0.0f);
  actual = nans(24);
  pack_pointwise_f32(pointwise.data(), nullptr, 2, 3, actual.data());
  EXPECT_TRUE(all_near(without_bias, actual, "without bias", 0));
}

TEST(PackWeightsF32, PointwisePanelsOfEightLanes) {
  std::mt19937 rng(202);
  for (int iteration = 0; iteration < 500; ++iteration) {
    const auto [cm_count, out_c, pointwise] = random_pointwise(rng);
    const std::vector<float> bias = random_bias(out_c, rng);

    // Each panel is one bias row and cm_count weight rows of kPointwisePanel lanes; lanes past
    // out_c (bias and weights alike) are zero, so the kernel's dead lanes compute zeros.
    const int32_t panel_rows = cm_count + 1;
    std::vector<float> expected(packed_pointwise_floats(cm_count, out_c), 0.0f);
    ASSERT_EQ(expected.size(), static_cast<size_t>(panel_rows) * round_up(out_c, kPointwisePanel));
    for (int32_t k = 0; k < out_c; ++k) {
      const int32_t panel = k / kPointwisePanel, lane = k % kPointwisePanel;
      const int32_t panel_start = panel * panel_rows * kPointwisePanel;
      expected[panel_start + lane] = bias.empty() ? 0.0f : bias[k];
      for (int32_t cm = 0; cm < cm_count; ++cm) {
        expected[panel_start + (1 + cm) * kPointwisePanel + lane] = pointwise[cm * out_c + k];
      }
    }
    std::vector<float> actual = nans(expected.size());  // NaN catches any float not written
    pack_pointwise_f32(pointwise.data(), data_or_null(bias), cm_count, out_c, actual.data());

    std::ostringstream config;
    config << "cm_count " << cm_count << " out_c " << out_c << (bias.empty() ? " no" : " with")
           << " bias";
    ASSERT_TRUE(all_near(expected, actual, config.str(), 0));
  }
}

// The transposed packing against its header's formula, written as plain loops.
TEST(PackWeightsF32, PointwiseTransposedPanelsOfEightDepthwiseChannels) {
  std::mt19937 rng(203);
  for (int iteration = 0; iteration < 500; ++iteration) {
    const auto [cm_count, out_c, pointwise] = random_pointwise(rng);
    const int32_t panel_rows = out_c + 1;
    std::vector<float> expected(packed_pointwise_floats(out_c, cm_count), 0.0f);
    for (int32_t cm = 0; cm < cm_count; ++cm) {
      const int32_t panel = cm / kPointwisePanel, lane = cm % kPointwisePanel;
      for (int32_t k = 0; k < out_c; ++k) {
        expected[(panel * panel_rows + 1 + k) * kPointwisePanel + lane] = pointwise[cm * out_c + k];
      }
    }
    std::vector<float> actual = nans(expected.size());
    pack_pointwise_transposed_f32(pointwise.data(), cm_count, out_c, actual.data());
    std::ostringstream config;
    config << "cm_count " << cm_count << " out_c " << out_c;
    ASSERT_TRUE(all_near(expected, actual, config.str(), 0));
  }
}

// Transposed from the forward packing, bias and all, it is the transposed packing of the filter.
TEST(PackWeightsF32, TransposedFromPackedIsTheTransposedPacking) {
  std::mt19937 rng(204);
  for (int iteration = 0; iteration < 500; ++iteration) {
    const auto [cm_count, out_c, pointwise] = random_pointwise(rng);
    const std::vector<float> bias = random_floats(out_c, rng);
    std::vector<float> forward(packed_pointwise_floats(cm_count, out_c));
    pack_pointwise_f32(pointwise.data(), bias.data(), cm_count, out_c, forward.data());
    std::vector<float> expected(packed_pointwise_floats(out_c, cm_count));
    pack_pointwise_transposed_f32(pointwise.data(), cm_count, out_c, expected.data());
    std::vector<float> actual = nans(expected.size());
    transpose_packed_pointwise_f32(forward.data(), cm_count, out_c, actual.data());
    std::ostringstream config;
    config << "cm_count " << cm_count << " out_c " << out_c;
    ASSERT_TRUE(all_near(expected, actual, config.str(), 0));
  }
}

}  // namespace
}  // namespace test
}  // namespace sepconv
