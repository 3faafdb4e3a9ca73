// The fused operator against the oracle, over random geometries and with 1, 2 and 3 threads.
#include "separable_conv2d.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "test_util.h"

namespace sepconv {
namespace test {
namespace {

// Strides and dilations are never both above 1, as TensorFlow requires.
ConvSpec random_spec(std::mt19937& rng) {
  ConvSpec s;
  s.batch = random_int(rng, 1, 3);
  s.in_h = random_int(rng, 1, 20);
  s.in_w = random_int(rng, 1, 20);
  s.in_c = random_int(rng, 1, 9);
  s.multiplier = random_int(rng, 1, 3);
  s.out_c = random_int(rng, 1, 11);
  s.k_h = random_int(rng, 1, 5);
  s.k_w = random_int(rng, 1, 5);
  if (random_int(rng, 0, 1) == 0) {
    s.stride_h = random_int(rng, 1, 3);
    s.stride_w = random_int(rng, 1, 3);
  } else {
    s.dilation_h = random_int(rng, 1, 3);
    s.dilation_w = random_int(rng, 1, 3);
  }
  s.padding = static_cast<Padding>(random_int(rng, 0, 2));
  if (s.padding == Padding::kExplicit) {
    s.pad_top = random_int(rng, 0, 3);
    s.pad_bottom = random_int(rng, 0, 3);
    s.pad_left = random_int(rng, 0, 3);
    s.pad_right = random_int(rng, 0, 3);
  }
  s.nchw = random_int(rng, 0, 1) == 1;
  return s;
}

// Packs and runs exactly as the bindings do, with buffers of exactly the sizes the operator asks
// for (so ASan sees any overrun) and the output prefilled with NaN (so a skipped element fails).
std::vector<float> run_operator(const SepConvParams& p, const std::vector<float>& input,
                                const std::vector<float>& depthwise,
                                const std::vector<float>& pointwise, ThreadPool& pool) {
  const SeparableConv2d op(p);
  std::vector<float> packed(op.packed_weights_bytes() / sizeof(float));
  op.pack_weights(depthwise.data(), pointwise.data(), packed.data());
  std::vector<unsigned char> workspace(op.workspace_bytes(pool.threads()));
  std::vector<float> output = nans(output_floats(p));
  op.run(input.data(), packed.data(), output.data(), workspace.data(), pool);
  return output;
}

class SeparableConv2dTest : public ::testing::Test {
 protected:
  // Random data for p, run on every pool, compared with the oracle.
  ::testing::AssertionResult matches_reference(const SepConvParams& p, std::mt19937& rng) {
    const std::vector<float> input = random_floats(input_floats(p), rng);
    const std::vector<float> depthwise = random_floats(depthwise_floats(p), rng);
    const std::vector<float> pointwise = random_floats(pointwise_floats(p), rng);
    const std::vector<float> expected = reference_output(p, input, depthwise, pointwise);
    for (ThreadPool& pool : pools_) {
      const ::testing::AssertionResult result =
          all_near(expected, run_operator(p, input, depthwise, pointwise, pool),
                   describe(p) + ", " + std::to_string(pool.threads()) + " threads");
      if (!result) return result;
    }
    return ::testing::AssertionSuccess();
  }

  ThreadPool pools_[3] = {ThreadPool(1), ThreadPool(2), ThreadPool(3)};
};

TEST_F(SeparableConv2dTest, RandomConfigurationsMatchReference) {
  std::mt19937 rng(501);
  int tested = 0;
  while (tested < 400) {
    const SepConvParams p = make_params(random_spec(rng));
    if (p.out_h < 1 || p.out_w < 1) continue;  // the kernel does not fit: TF rejects it too
    ASSERT_TRUE(matches_reference(p, rng));
    ++tested;
  }
}

// Large enough that run() splits rows over the pool; the second and third put a task boundary
// inside a batch, so a thread's ring of packed rows must restart on the next image.
TEST_F(SeparableConv2dTest, LargeConfigurationsSplitAcrossThreads) {
  ConvSpec wide;
  wide.in_h = 32;
  wide.in_w = 32;
  wide.in_c = 64;
  wide.k_h = 3;
  wide.k_w = 3;
  wide.out_c = 64;
  wide.padding = Padding::kSame;

  ConvSpec strided_nchw;
  strided_nchw.batch = 2;
  strided_nchw.in_h = 24;
  strided_nchw.in_w = 24;
  strided_nchw.in_c = 16;
  strided_nchw.multiplier = 2;
  strided_nchw.k_h = 5;
  strided_nchw.k_w = 5;
  strided_nchw.stride_h = 2;
  strided_nchw.stride_w = 2;
  strided_nchw.out_c = 40;
  strided_nchw.nchw = true;

  ConvSpec dilated;
  dilated.batch = 3;
  dilated.in_h = 17;
  dilated.in_w = 19;
  dilated.in_c = 8;
  dilated.multiplier = 3;
  dilated.k_h = 3;
  dilated.k_w = 3;
  dilated.dilation_h = 2;
  dilated.dilation_w = 2;
  dilated.out_c = 11;
  dilated.padding = Padding::kExplicit;
  dilated.pad_top = 1;
  dilated.pad_bottom = 2;
  dilated.pad_left = 2;

  std::mt19937 rng(502);
  for (const ConvSpec& spec : {wide, strided_nchw, dilated}) {
    EXPECT_TRUE(matches_reference(make_params(spec), rng));
  }
}

}  // namespace
}  // namespace test
}  // namespace sepconv
