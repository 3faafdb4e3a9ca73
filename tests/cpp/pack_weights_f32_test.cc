// The weight packings against the layouts their header describes, written as plain loops.
#include "pack_weights_f32.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <vector>

#include "test_util.h"

namespace sepconv {
namespace test {
namespace {

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

TEST(PackWeightsF32, PointwisePanelsOfEightLanes) {
  std::mt19937 rng(202);
  for (int iteration = 0; iteration < 500; ++iteration) {
    const int32_t cm_count = random_int(rng, 1, 27);
    const int32_t out_c = random_int(rng, 1, 30);
    const std::vector<float> pointwise = random_floats(static_cast<size_t>(cm_count) * out_c, rng);

    std::vector<float> expected(packed_pointwise_floats(cm_count, out_c), 0.0f);
    ASSERT_EQ(expected.size(), static_cast<size_t>(cm_count) * round_up(out_c, kPointwisePanel));
    for (int32_t cm = 0; cm < cm_count; ++cm) {
      for (int32_t k = 0; k < out_c; ++k) {
        const int32_t panel = k / kPointwisePanel, lane = k % kPointwisePanel;
        expected[(panel * cm_count + cm) * kPointwisePanel + lane] = pointwise[cm * out_c + k];
      }
    }
    std::vector<float> actual = nans(expected.size());
    pack_pointwise_f32(pointwise.data(), cm_count, out_c, actual.data());

    std::ostringstream config;
    config << "cm_count " << cm_count << " out_c " << out_c;
    ASSERT_TRUE(all_near(expected, actual, config.str(), 0));
  }
}

}  // namespace
}  // namespace test
}  // namespace sepconv
