// The fused operator against the oracle, over random geometries, biases and activations, with
// 1, 2 and 3 threads.
#include "separable_conv2d.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace sepconv {
namespace test {
namespace {

// The filters of one call; bias empty means none.
struct Weights {
  std::vector<float> depthwise, pointwise, bias;
};

Weights random_weights(const SepConvParams& p, std::mt19937& rng) {
  Weights w;
  w.depthwise = random_floats(depthwise_floats(p), rng);
  w.pointwise = random_floats(pointwise_floats(p), rng);
  w.bias = random_bias(p.out_c, rng);
  return w;
}

// Packs as the bindings do, into a buffer of exactly the size asked for, so ASan sees any
// overrun by the packer or, later, by the kernels reading it.
std::vector<float> pack(const SepConvParams& p, const Weights& w) {
  const size_t bytes = packed_weights_bytes(filter_shape(p));
  EXPECT_EQ(bytes % sizeof(float), 0u);
  std::vector<float> packed(bytes / sizeof(float));
  pack_weights(filter_shape(p), w.depthwise.data(), w.pointwise.data(), data_or_null(w.bias), packed.data());
  return packed;
}

std::vector<float> oracle_output(const SepConvParams& p, const std::vector<float>& input,
                                 const Weights& w) {
  return reference_output(p, input, w.depthwise, w.pointwise, w.bias);
}

// Runs as the bindings do, with a workspace of exactly the size asked for and the output
// prefilled with `fill` (NaN by default, so a skipped element fails the comparison).
std::vector<float> run_operator(const SepConvParams& p, const std::vector<float>& input,
                                const std::vector<float>& packed, ThreadPool& pool,
                                float fill = std::nanf("")) {
  SeparableConv2d op(p);
  std::vector<unsigned char> workspace(op.workspace_bytes(pool.threads()));
  std::vector<float> output(output_floats(p), fill);
  op.run(input.data(), packed.data(), output.data(), workspace.data(), pool);
  return output;
}

// A small late layer: every row in one tile, so the threads split its output channels (25 panels).
ConvSpec small_late_layer() {
  ConvSpec spec;
  spec.in_h = 5;
  spec.in_w = 5;
  spec.in_c = 128;
  spec.k_h = 3;
  spec.k_w = 3;
  spec.out_c = 200;
  spec.padding = Padding::kSame;
  return spec;
}

// Two images of many rows: the threads split its rows.
ConvSpec tall_layer() {
  ConvSpec spec;
  spec.batch = 2;
  spec.in_h = 40;
  spec.in_w = 24;
  spec.in_c = 16;
  spec.k_h = 3;
  spec.k_w = 3;
  spec.out_c = 24;
  spec.padding = Padding::kSame;
  return spec;
}

class SeparableConv2dTest : public ::testing::Test {
 protected:
  // Runs p with `packed` on every pool and compares each output with `expected`.
  ::testing::AssertionResult every_pool_matches(const SepConvParams& p,
                                                const std::vector<float>& input,
                                                const std::vector<float>& packed,
                                                const std::vector<float>& expected,
                                                const std::string& note,
                                                float fill = std::nanf("")) {
    for (ThreadPool& pool : pools_) {
      const ::testing::AssertionResult result =
          all_near(expected, run_operator(p, input, packed, pool, fill),
                   describe(p) + note + ", " + std::to_string(pool.threads()) + " threads");
      if (!result) return result;
    }
    return ::testing::AssertionSuccess();
  }

  // Random input, filters and bias for p (with p's activation), compared with the oracle.
  ::testing::AssertionResult matches_reference(const SepConvParams& p, std::mt19937& rng) {
    const std::vector<float> input = random_floats(input_floats(p), rng);
    const Weights w = random_weights(p, rng);
    return every_pool_matches(p, input, pack(p, w), oracle_output(p, input, w),
                              w.bias.empty() ? ", no bias" : ", with bias");
  }

  // The last as on a page's main thread: the workers compute, the caller only waits.
  ThreadPool pools_[4] = {ThreadPool(1), ThreadPool(2), ThreadPool(3), ThreadPool(2, false)};
};

TEST_F(SeparableConv2dTest, RandomConfigurationsMatchReference) {
  std::mt19937 rng(501);
  for (int tested = 0; tested < 400; ++tested) {
    ASSERT_TRUE(matches_reference(random_params(rng), rng));
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

  // Few output rows and many output channels: run() splits the output channels over the
  // threads instead of rows (the panel count, 13, divides unevenly; O = 100 ends mid-panel).
  ConvSpec few_rows;
  few_rows.in_h = 3;
  few_rows.in_w = 9;
  few_rows.in_c = 96;
  few_rows.k_h = 3;
  few_rows.k_w = 3;
  few_rows.out_c = 100;
  few_rows.padding = Padding::kSame;

  ConvSpec few_rows_nchw = few_rows;
  few_rows_nchw.batch = 2;
  few_rows_nchw.in_h = 1;
  few_rows_nchw.multiplier = 2;
  few_rows_nchw.nchw = true;

  std::mt19937 rng(502);
  for (const ConvSpec& spec : {wide, strided_nchw, dilated, few_rows, few_rows_nchw}) {
    for (const Activation& activation : {linear(), relu6()}) {
      EXPECT_TRUE(matches_reference(with_activation(make_params(spec), activation), rng));
    }
  }
}

// The JS wrapper starts the operator, does its own work for a while, then joins: the result
// must not depend on when the caller joins.
TEST_F(SeparableConv2dTest, CallerJoiningLateGetsTheSameResult) {
  ConvSpec spec;
  spec.batch = 2;
  spec.in_h = 21;
  spec.in_w = 30;
  spec.in_c = 24;
  spec.k_h = 3;
  spec.k_w = 3;
  spec.out_c = 20;
  spec.padding = Padding::kSame;
  const SepConvParams p = make_params(spec);
  std::mt19937 rng(505);
  const std::vector<float> input = random_floats(input_floats(p), rng);
  const Weights w = random_weights(p, rng);
  const std::vector<float> packed = pack(p, w);
  const std::vector<float> expected = oracle_output(p, input, w);
  for (ThreadPool& pool : pools_) {
    for (int delay_ms : {0, 1, 30}) {
      SeparableConv2d op(p);
      std::vector<unsigned char> workspace(op.workspace_bytes(pool.threads()));
      std::vector<float> output(output_floats(p), std::nanf(""));
      op.start(input.data(), packed.data(), output.data(), workspace.data(), pool);
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      pool.join();
      EXPECT_TRUE(all_near(expected, output, describe(p) + ", joined after " +
                                                 std::to_string(delay_ms) + " ms, " +
                                                 std::to_string(pool.threads()) + " threads"));
    }
  }
}

// One operator's 64th job runs solo (its record measures that way once in 64): on the helping
// caller, or on whichever worker comes first of a pool whose caller only waits. Its rows, or its
// output channels with the depthwise part kept between chunks, must come out as on every thread,
// with a new input each job.
TEST_F(SeparableConv2dTest, AJobSoloOnAnyThreadGivesTheSameResult) {
  std::mt19937 rng(509);
  for (const ConvSpec& spec : {tall_layer(), small_late_layer()}) {
    const SepConvParams p = make_params(spec);
    const Weights w = random_weights(p, rng);
    const std::vector<float> packed = pack(p, w);
    for (ThreadPool& pool : pools_) {
      if (pool.threads() == 1) continue;
      SeparableConv2d op(p);
      std::vector<unsigned char> workspace(op.workspace_bytes(pool.threads()));
      int solo_jobs = 0;
      for (int job = 0; job < 66; ++job) {
        const std::vector<float> input = random_floats(input_floats(p), rng);
        std::vector<float> output(output_floats(p), std::nanf(""));
        op.run(input.data(), packed.data(), output.data(), workspace.data(), pool);
        solo_jobs += pool.solo() ? 1 : 0;
        ASSERT_TRUE(all_near(oracle_output(p, input, w), output,
                             describe(p) + ", job " + std::to_string(job) + (pool.solo() ? " (solo), " : ", ") +
                                 std::to_string(pool.threads()) + " threads"));
      }
      EXPECT_GE(solo_jobs, 1) << describe(p) << ", " << pool.threads() << " threads";
    }
  }
}

// A small late layer (every row in one tile) is split into small chunks of output channels, each
// thread computing the depthwise part once per call and keeping it between its chunks: one
// operator and workspace run on a new input each time must never reuse the last call's.
TEST_F(SeparableConv2dTest, SmallChunksOfOutputChannelsKeepNoDepthwiseOutputBetweenCalls) {
  const SepConvParams p = make_params(small_late_layer());
  std::mt19937 rng(510);
  const Weights w = random_weights(p, rng);
  const std::vector<float> packed = pack(p, w);
  ThreadPool more(5);
  for (ThreadPool* pool : {&pools_[1], &pools_[2], &pools_[3], &more}) {
    SeparableConv2d op(p);
    std::vector<unsigned char> workspace(op.workspace_bytes(pool->threads()));
    for (int call = 0; call < 3; ++call) {
      const std::vector<float> input = random_floats(input_floats(p), rng);
      std::vector<float> output(output_floats(p), std::nanf(""));
      op.run(input.data(), packed.data(), output.data(), workspace.data(), *pool);
      ASSERT_TRUE(all_near(oracle_output(p, input, w), output,
                           describe(p) + ", call " + std::to_string(call) + ", " +
                               std::to_string(pool->threads()) + " threads"));
    }
  }
}

// The input copied in after start(), as the JS wrapper does: the buffer holds NaN until each band
// arrives (a thread that read a row early would put NaN in the output), the caller pauses between
// bands so that the threads run ahead, and counts rows as it goes: NHWC a band of rows, NCHW an
// image at a time. By rows and by output channels (the 5x5 image), on every pool.
TEST_F(SeparableConv2dTest, InputArrivingAfterStartIsWaitedFor) {
  const ConvSpec tall = tall_layer();
  ConvSpec nchw = tall;
  nchw.nchw = true;
  nchw.dilation_h = 2;
  nchw.dilation_w = 2;
  const ConvSpec late = small_late_layer();
  std::mt19937 rng(511);
  for (const ConvSpec& spec : {tall, nchw, late}) {
    const SepConvParams p = make_params(spec);
    const std::vector<float> input = random_floats(input_floats(p), rng);
    const Weights w = random_weights(p, rng);
    const std::vector<float> packed = pack(p, w);
    const std::vector<float> expected = oracle_output(p, input, w);
    const int64_t rows = int64_t{p.batch} * p.in_h;
    const size_t row_floats = input.size() / static_cast<size_t>(rows);
    const int64_t band = p.nchw ? p.in_h : 3;
    for (ThreadPool& pool : pools_) {
      SeparableConv2d op(p);
      std::vector<unsigned char> workspace(op.workspace_bytes(pool.threads()));
      std::vector<float> arriving(input.size(), std::nanf(""));
      std::vector<float> output(output_floats(p), std::nanf(""));
      op.start(arriving.data(), packed.data(), output.data(), workspace.data(), pool,
               /*input_arriving=*/true);
      for (int64_t row = 0; row < rows; row += band) {
        const int64_t end = std::min(rows, row + band);
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        std::copy(input.begin() + row * row_floats, input.begin() + end * row_floats,
                  arriving.begin() + row * row_floats);
        op.input_rows_ready().store(static_cast<int32_t>(end), std::memory_order_release);
      }
      pool.join();
      EXPECT_TRUE(all_near(expected, output, describe(p) + ", input arriving, " +
                                                 std::to_string(pool.threads()) + " threads"));
    }
  }
}

// A caller that helps a step at a time copies out each row as soon as it is flagged finished:
// what it copies is the row's final value. By join() a job split by rows has flagged every row;
// one split by output channels (the small late layer, on several threads) flags none.
TEST_F(SeparableConv2dTest, RowsFlaggedFinishedHoldTheirFinalValues) {
  ConvSpec nchw = tall_layer();
  nchw.nchw = true;
  std::mt19937 rng(513);
  for (const ConvSpec& spec : {tall_layer(), nchw, small_late_layer()}) {
    const SepConvParams p = make_params(spec);
    const std::vector<float> input = random_floats(input_floats(p), rng);
    const Weights w = random_weights(p, rng);
    const std::vector<float> packed = pack(p, w);
    const std::vector<float> expected = oracle_output(p, input, w);
    const TensorStrides os = output_strides(p);
    for (ThreadPool& pool : pools_) {
      const std::string where = describe(p) + ", " + std::to_string(pool.threads()) + " threads";
      SeparableConv2d op(p);
      std::vector<unsigned char> workspace(op.workspace_bytes(pool.threads()));
      std::vector<float> output(output_floats(p), std::nanf(""));
      std::vector<std::atomic<int32_t>> finished(static_cast<size_t>(op.rows()));
      for (auto& flag : finished) flag = 7;  // start() zeroes them
      std::vector<float> copied(output.size(), std::nanf(""));
      int64_t rows_copied = 0;
      const auto copy_finished = [&] {
        for (int64_t row = 0; row < op.rows(); ++row) {
          if (finished[row].exchange(2, std::memory_order_acquire) != 1) continue;
          ++rows_copied;
          const int64_t b = row / p.out_h;
          const int64_t i = row % p.out_h;
          for (int32_t j = 0; j < p.out_w; ++j) {
            for (int32_t k = 0; k < p.out_c; ++k) {
              const int64_t at = b * os.n + i * os.h + j * os.w + k * os.c;
              copied[at] = output[at];
            }
          }
        }
      };
      op.start(input.data(), packed.data(), output.data(), workspace.data(), pool, false,
               finished.data());
      while (pool.help(1) > 0) copy_finished();
      pool.join();
      copy_finished();
      EXPECT_TRUE(all_near(expected, output, where));
      if (spec.in_c == small_late_layer().in_c && pool.threads() > 1) {
        EXPECT_EQ(rows_copied, 0) << where;
      } else {
        EXPECT_EQ(rows_copied, op.rows()) << where;
        EXPECT_TRUE(all_near(expected, copied, where + ", rows copied as flagged"));
      }
    }
  }
}

// Without threads a page's main thread computes in slices of rows, yielding in between: any
// split of rows() into slices gives the whole result.
TEST_F(SeparableConv2dTest, SlicesOfRowsMakeTheWholeResult) {
  std::mt19937 rng(509);
  for (int iteration = 0; iteration < 60; ++iteration) {
    const SepConvParams p = random_params(rng);
    const std::vector<float> input = random_floats(input_floats(p), rng);
    const Weights w = random_weights(p, rng);
    const std::vector<float> packed = pack(p, w);
    SeparableConv2d op(p);
    std::vector<unsigned char> workspace(op.workspace_bytes(1));
    std::vector<float> output(output_floats(p), std::nanf(""));
    for (int64_t row = 0; row < op.rows();) {
      const int64_t end = std::min<int64_t>(op.rows(), row + 1 + rng() % 5);
      op.run_slice(input.data(), packed.data(), output.data(), workspace.data(), row, end);
      row = end;
    }
    EXPECT_TRUE(all_near(oracle_output(p, input, w), output, describe(p) + ", in slices"));
  }
}

// The bindings pack a layer's weights once, from its FilterShape, and reuse them for every input
// shape. Shape B shares only A's filters; its batch, size, stride, dilation, padding, layout and
// activation are drawn afresh.
TEST_F(SeparableConv2dTest, OnePackingServesEveryInputShape) {
  std::mt19937 rng(503);
  for (int iteration = 0; iteration < 100; ++iteration) {
    const SepConvParams a = random_params(rng);
    SepConvParams b;
    do {
      ConvSpec s = random_spec(rng);
      s.k_h = a.k_h;
      s.k_w = a.k_w;
      s.in_c = a.in_c;
      s.multiplier = a.multiplier;
      s.out_c = a.out_c;
      b = with_activation(make_params(s), random_activation(rng));
    } while (b.out_h < 1 || b.out_w < 1);
    const Weights w = random_weights(a, rng);
    const std::vector<float> packed = pack(a, w);

    for (const SepConvParams& p : {a, b}) {
      const std::vector<float> input = random_floats(input_floats(p), rng);
      ASSERT_TRUE(every_pool_matches(p, input, packed, oracle_output(p, input, w),
                                     ", packed for " + describe(a)));
    }
  }
}

// A NaN in the input must reach exactly the outputs whose windows read it, whatever the
// activation: the packing, the row ring and the tiles must neither drop it nor spread it.
TEST_F(SeparableConv2dTest, NanInputsPropagateUnderEveryActivation) {
  // Finite, outside every clamp, so an unwritten element cannot pass for an expected NaN.
  constexpr float kUnwritten = -1.0e30f;
  std::mt19937 rng(504);
  for (int iteration = 0; iteration < 100; ++iteration) {
    const SepConvParams p = random_params(rng);
    std::vector<float> input = random_floats(input_floats(p), rng);
    for (int n = random_int(rng, 1, 3); n > 0; --n) {
      input[random_int(rng, 0, static_cast<int32_t>(input.size()) - 1)] = std::nanf("");
    }
    const Weights w = random_weights(p, rng);
    ASSERT_TRUE(every_pool_matches(p, input, pack(p, w), oracle_output(p, input, w),
                                   ", NaN inputs", kUnwritten));
  }
}

}  // namespace
}  // namespace test
}  // namespace sepconv
