// The fused backward operator against the backward oracle, over random geometries, biases,
// activations and subsets of the gradients, with 1, 2 and 3 threads; and its results bitwise
// the same on every pool.
#include "separable_conv2d_backward.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "separable_conv2d.h"
#include "separable_conv2d_backward_reference.h"
#include "test_util.h"

namespace sepconv {
namespace test {
namespace {

// One backward call's inputs; y is the forward oracle's output for them. Without an activation
// the operator may be given no y (without_y): nothing is masked.
struct Call {
  SepConvParams p;
  std::vector<float> input, depthwise, pointwise, y, dy;
  bool without_y = false;
};

Call random_call(const SepConvParams& p, std::mt19937& rng) {
  Call c{p,
         random_floats(input_floats(p), rng),
         random_floats(depthwise_floats(p), rng),
         random_floats(pointwise_floats(p), rng),
         {},
         random_floats(output_floats(p), rng)};
  // Scaled so that relu6's upper bound and the arbitrary clamps clip some outputs too.
  for (float& w : c.pointwise) w *= 2.0f;
  c.y = reference_output(p, c.input, c.depthwise, c.pointwise, random_bias(p.out_c, rng));
  c.without_y = std::isinf(p.output_min) && std::isinf(p.output_max) && random_int(rng, 0, 1) == 1;
  return c;
}

// Which gradients a call asks for.
struct Wanted {
  bool input = true, depthwise = true, pointwise = true, bias = true;
  std::string describe() const {
    return std::string(", gradients") + (input ? " x" : "") + (depthwise ? " dw" : "") +
           (pointwise ? " pw" : "") + (bias ? " bias" : "");
  }
};

// Every gradient, NaN where not wanted (and prefilled with NaN where wanted: an element the
// operator forgot fails).
struct Gradients {
  std::vector<float> input, depthwise, pointwise, bias;
  std::vector<const std::vector<float>*> all() const {
    return {&input, &depthwise, &pointwise, &bias};
  }
};

Gradients nan_gradients(const SepConvParams& p) {
  return {nans(input_floats(p)), nans(depthwise_floats(p)), nans(pointwise_floats(p)),
          nans(p.out_c)};
}

float* wanted(bool want, std::vector<float>& values) { return want ? values.data() : nullptr; }

Gradients oracle(const Call& c, const Wanted& w) {
  Gradients g = nan_gradients(c.p);
  separable_conv2d_backward_reference(c.p, c.input.data(), c.depthwise.data(), c.pointwise.data(),
                                      c.y.data(), c.dy.data(), wanted(w.input, g.input),
                                      wanted(w.depthwise, g.depthwise),
                                      wanted(w.pointwise, g.pointwise), wanted(w.bias, g.bias));
  return g;
}

// Packs as the bindings will, every buffer of exactly the size asked for, and computes with
// compute(op, tensors, packed, workspace) on a workspace for `threads` threads.
template <typename Compute>
Gradients computed(const Call& c, const Wanted& w, int threads, Compute compute) {
  const FilterShape f = filter_shape(c.p);
  const uint64_t packed_bytes = backward_packed_weights_bytes(f);
  EXPECT_EQ(packed_bytes % sizeof(float), 0u);
  std::vector<float> packed(packed_bytes / sizeof(float));
  pack_backward_weights(f, c.depthwise.data(), c.pointwise.data(), packed.data());
  SeparableConv2dBackward op(c.p);
  std::vector<unsigned char> workspace(op.workspace_bytes(threads));
  Gradients g = nan_gradients(c.p);
  const BackwardTensors tensors{c.input.data(),
                                c.without_y ? nullptr : c.y.data(),
                                c.dy.data(),
                                wanted(w.input, g.input),
                                wanted(w.depthwise, g.depthwise),
                                wanted(w.pointwise, g.pointwise),
                                wanted(w.bias, g.bias)};
  compute(op, tensors, packed.data(), workspace.data());
  return g;
}

Gradients run_operator(const Call& c, const Wanted& w, ThreadPool& pool) {
  return computed(c, w, pool.threads(),
                  [&pool](SeparableConv2dBackward& op, const BackwardTensors& t,
                          const float* packed, void* workspace) {
                    op.run(t, packed, workspace, pool);
                  });
}

// Sums of up to a few thousand float products against double ones.
constexpr double kBackwardTolerance = 1e-4;

class SeparableConv2dBackwardTest : public ::testing::Test {
 protected:
  // The operator on every pool against the oracle; bitwise equal to one thread's results where a
  // pool splits only channels, and to its own first results where it splits rows too (bands).
  ::testing::AssertionResult matches_oracle(const Call& c, const Wanted& w) {
    return matches_oracle_on(c, w, pools_);
  }

  template <typename Pools>
  ::testing::AssertionResult matches_oracle_on(const Call& c, const Wanted& w, Pools& pools) {
    const Gradients expected = oracle(c, w);
    const std::string config = describe(c.p) + w.describe() + (c.without_y ? ", no y" : "");
    ThreadPool one(1);
    const Gradients first = run_operator(c, w, one);
    const SeparableConv2dBackward probe(c.p);
    const char* names[] = {"dx", "d_depthwise", "d_pointwise", "d_bias"};
    for (ThreadPool& pool : pools) {
      const Gradients actual = run_operator(c, w, pool);
      const bool bands = probe.bands(pool.threads()) > 1;
      const Gradients& same = bands ? run_operator(c, w, pool) : first;
      const std::string on = config + ", " + std::to_string(pool.threads()) + " threads: ";
      for (int k = 0; k < 4; ++k) {
        ::testing::AssertionResult result =
            all_near(*expected.all()[k], *actual.all()[k], on + names[k], kBackwardTolerance);
        if (!result) return result;
        result = all_near(*same.all()[k], *actual.all()[k],
                          on + names[k] + (bands ? " run again" : " as on 1 thread"), 0);
        if (!result) return result;
      }
    }
    return ::testing::AssertionSuccess();
  }

  ThreadPool pools_[4] = {ThreadPool(1), ThreadPool(2), ThreadPool(3), ThreadPool(2, false)};
};

Wanted random_wanted(std::mt19937& rng) {
  Wanted w;
  if (random_int(rng, 0, 1) == 0) return w;  // half the time all, else any non-empty subset
  do {
    w.input = random_int(rng, 0, 1) == 1;
    w.depthwise = random_int(rng, 0, 1) == 1;
    w.pointwise = random_int(rng, 0, 1) == 1;
    w.bias = random_int(rng, 0, 1) == 1;
  } while (!(w.input || w.depthwise || w.pointwise || w.bias));
  return w;
}

TEST_F(SeparableConv2dBackwardTest, RandomConfigurationsMatchOracle) {
  std::mt19937 rng(1303);
  for (int tested = 0; tested < 300; ++tested) {
    const SepConvParams p = random_params(rng);
    ASSERT_TRUE(matches_oracle(random_call(p, rng), random_wanted(rng)));
  }
}

// Many channels, so several blocks share the threads (M = 3: blocks of whole input channels).
TEST_F(SeparableConv2dBackwardTest, ManyChannelBlocks) {
  std::mt19937 rng(1304);
  SpecLimits wide;
  wide.channels = 80;
  wide.out_c = 40;
  wide.size = 12;
  for (int tested = 0; tested < 40; ++tested) {
    const SepConvParams p = random_params(rng, wide);
    ASSERT_TRUE(matches_oracle(random_call(p, rng), random_wanted(rng)));
  }
}

// Few channels for the threads: the work is split into bands of rows too, which may end inside an
// image, span images, or hold one row (5 threads on a short image); dx rows reached from two
// bands (kernels taller than the stride, dilations) are summed from both.
TEST_F(SeparableConv2dBackwardTest, RowBandsMatchOracle) {
  std::mt19937 rng(1308);
  ThreadPool more[] = {ThreadPool(5), ThreadPool(4, false)};
  SpecLimits few;
  few.channels = 6;
  few.multiplier = 3;
  few.out_c = 40;
  few.size = 24;
  int banded = 0;
  for (int tested = 0; tested < 80; ++tested) {
    const SepConvParams p = random_params(rng, few);
    banded += SeparableConv2dBackward(p).bands(2) > 1;
    const Call c = random_call(p, rng);
    const Wanted w = random_wanted(rng);
    ASSERT_TRUE(matches_oracle(c, w));
    ASSERT_TRUE(matches_oracle_on(c, w, more));
  }
  EXPECT_GE(banded, 60);  // most draws are split into bands
}

// One operator's 64th job runs solo (see thread_pool.h): on the helping caller, or on whichever
// worker of a waiting caller's pool comes first. Its gradients, channel blocks alone or with bands
// of rows summed at the end, must come out as on every thread.
TEST_F(SeparableConv2dBackwardTest, AJobSoloOnAnyThreadGivesTheSameGradients) {
  std::mt19937 rng(1311);
  ConvSpec many_channels;  // blocks of channels
  many_channels.in_h = 20;
  many_channels.in_w = 20;
  many_channels.in_c = 64;
  many_channels.k_h = 3;
  many_channels.k_w = 3;
  many_channels.out_c = 32;
  many_channels.padding = Padding::kSame;
  ConvSpec few_channels = many_channels;  // bands of rows too
  few_channels.in_h = 48;
  few_channels.in_c = 4;
  EXPECT_EQ(SeparableConv2dBackward(make_params(few_channels)).bands(2), 2);
  for (const ConvSpec& spec : {many_channels, few_channels}) {
    const Call c = random_call(make_params(spec), rng);
    const Wanted all;
    const Gradients expected = oracle(c, all);
    for (ThreadPool& pool : pools_) {
      if (pool.threads() == 1) continue;
      int solo_jobs = 0;
      computed(c, all, pool.threads(), [&](SeparableConv2dBackward& op, const BackwardTensors& t,
                                           const float* packed, void* workspace) {
        const std::pair<float*, size_t> gradients[] = {{t.d_input, input_floats(c.p)},
                                                       {t.d_depthwise, depthwise_floats(c.p)},
                                                       {t.d_pointwise, pointwise_floats(c.p)},
                                                       {t.d_bias, static_cast<size_t>(c.p.out_c)}};
        for (int job = 0; job < 66; ++job) {
          for (const auto& [g, count] : gradients) std::fill(g, g + count, std::nanf(""));
          op.run(t, packed, workspace, pool);
          solo_jobs += pool.solo() ? 1 : 0;
          for (int k = 0; k < 4; ++k) {
            const std::vector<float> actual(gradients[k].first, gradients[k].first + gradients[k].second);
            ASSERT_TRUE(all_near(*expected.all()[k], actual,
                                 describe(c.p) + ", job " + std::to_string(job) + (pool.solo() ? " (solo), " : ", ") +
                                     std::to_string(pool.threads()) + " threads",
                                 kBackwardTolerance));
          }
        }
      });
      EXPECT_GE(solo_jobs, 1) << describe(c.p) << ", " << pool.threads() << " threads";
    }
  }
}

// A page computes in slices of channel blocks on its own thread (run_blocks): every block size
// it may pick gives the pool's results, bit for bit.
TEST_F(SeparableConv2dBackwardTest, SlicesOfEveryBlockSizeAreThePoolsResults) {
  std::mt19937 rng(1305);
  SpecLimits wide;
  wide.channels = 40;
  wide.out_c = 24;
  wide.size = 10;
  for (int tested = 0; tested < 40; ++tested) {
    const SepConvParams p = random_params(rng, wide);
    const Call c = random_call(p, rng);
    const Wanted w = random_wanted(rng);
    const Gradients expected = run_operator(c, w, pools_[0]);
    const SeparableConv2dBackward probe(p);
    const int32_t channels = p.in_c * p.multiplier;
    for (int32_t size = probe.slice_unit(); size <= probe.max_block(); size += probe.slice_unit()) {
      const Gradients sliced =
          computed(c, w, 1, [&](SeparableConv2dBackward& op, const BackwardTensors& t,
                                const float* packed, void* workspace) {
            for (int32_t block = 0; block * size < channels; ++block) {
              op.run_blocks(t, packed, workspace, size, block, block + 1);
            }
          });
      const std::string on = describe(p) + w.describe() + ", blocks of " + std::to_string(size);
      const char* names[] = {"dx", "d_depthwise", "d_pointwise", "d_bias"};
      for (int k = 0; k < 4; ++k) {
        ASSERT_TRUE(all_near(*expected.all()[k], *sliced.all()[k], on + ": " + names[k], 0));
      }
    }
  }
}

// A layer packs the backward weights from its forward packing: the same floats as from its filters.
TEST_F(SeparableConv2dBackwardTest, BackwardWeightsFromTheForwardPackingAreTheSame) {
  std::mt19937 rng(1306);
  for (int tested = 0; tested < 100; ++tested) {
    const SepConvParams p = random_params(rng);
    const FilterShape f = filter_shape(p);
    const std::vector<float> depthwise = random_floats(depthwise_floats(p), rng);
    const std::vector<float> pointwise = random_floats(pointwise_floats(p), rng);
    std::vector<float> forward(packed_weights_bytes(f) / sizeof(float));
    pack_weights(f, depthwise.data(), pointwise.data(), random_bias(p.out_c, rng).data(),
                 forward.data());
    std::vector<float> expected(backward_packed_weights_bytes(f) / sizeof(float));
    pack_backward_weights(f, depthwise.data(), pointwise.data(), expected.data());
    std::vector<float> actual = nans(expected.size());
    pack_backward_weights_from_forward(f, forward.data(), actual.data());
    ASSERT_TRUE(all_near(expected, actual, describe(p), 0));
  }
}

// Strides and dilations near 2^31, legal with enough padding; the rows stay narrow, so the
// buffers stay small.
TEST_F(SeparableConv2dBackwardTest, HugeStridesAndDilations) {
  constexpr int32_t kHuge = INT32_MAX;
  ConvSpec dilated;  // kernel rows 2^31-1 apart: the second row reads the image
  dilated.in_h = 3;
  dilated.in_w = 5;
  dilated.in_c = 3;
  dilated.multiplier = 2;
  dilated.out_c = 5;
  dilated.k_h = 2;
  dilated.k_w = 3;
  dilated.dilation_h = kHuge - 1;
  dilated.padding = Padding::kExplicit;
  dilated.pad_top = kHuge - 1;
  ConvSpec strided = dilated;  // two output rows 2^31-1 apart: the second in the padding
  strided.dilation_h = 1;
  strided.stride_h = kHuge;
  strided.stride_w = kHuge;
  strided.pad_top = 1;
  strided.pad_bottom = kHuge;
  ConvSpec same = strided;  // SAME: one output pixel
  same.padding = Padding::kSame;
  same.nchw = true;
  std::mt19937 rng(1305);
  for (const ConvSpec& spec : {dilated, strided, same}) {
    for (const Activation& activation : {linear(), relu(), relu6()}) {
      const SepConvParams p = with_activation(make_params(spec), activation);
      ASSERT_GE(p.out_h, 1) << describe(p);
      ASSERT_GE(p.out_w, 1) << describe(p);
      EXPECT_TRUE(matches_oracle(random_call(p, rng), Wanted{}));
    }
  }
}

// A batch of 0: zero filter gradients and nothing written to the (empty) dx.
TEST_F(SeparableConv2dBackwardTest, EmptyBatchGivesZeroFilterGradients) {
  std::mt19937 rng(1306);
  for (int tested = 0; tested < 20; ++tested) {
    SepConvParams p = random_params(rng);
    p.batch = 0;
    const Call c = random_call(p, rng);
    const Gradients g = run_operator(c, Wanted{}, pools_[tested % 4]);
    EXPECT_TRUE(g.input.empty());
    EXPECT_TRUE(all_near(std::vector<float>(g.depthwise.size()), g.depthwise, describe(p), 0));
    EXPECT_TRUE(all_near(std::vector<float>(g.pointwise.size()), g.pointwise, describe(p), 0));
    EXPECT_TRUE(all_near(std::vector<float>(g.bias.size()), g.bias, describe(p), 0));
  }
}

// MobileNet-sized layers: several tiles per image, rows split into tiles, blocks on threads; and
// 256 outputs, whose rows of g the operator pads against cache-set conflicts.
TEST_F(SeparableConv2dBackwardTest, LargeConfigurations) {
  ConvSpec wide;
  wide.in_h = 28;
  wide.in_w = 28;
  wide.in_c = 64;
  wide.k_h = 3;
  wide.k_w = 3;
  wide.out_c = 48;
  wide.padding = Padding::kSame;
  ConvSpec strided = wide;
  strided.batch = 2;
  strided.stride_h = 2;
  strided.stride_w = 2;
  strided.k_h = 5;
  strided.k_w = 5;
  strided.multiplier = 2;
  strided.nchw = true;
  ConvSpec many_outputs = wide;
  many_outputs.in_h = 6;
  many_outputs.in_w = 6;
  many_outputs.in_c = 24;
  many_outputs.out_c = 256;
  std::mt19937 rng(1307);
  for (const ConvSpec& spec : {wide, strided, many_outputs}) {
    const SepConvParams p = with_activation(make_params(spec), relu6());
    EXPECT_TRUE(matches_oracle(random_call(p, rng), Wanted{}));
  }
}

}  // namespace
}  // namespace test
}  // namespace sepconv
