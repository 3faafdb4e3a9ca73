// The fused backward pass of the separable convolution: the gradients of L = sum(dy * y) with
// respect to the input, both filters and the bias (the formulas are in
// kernels/separable_conv2d_backward_reference.h), each computed only when wanted.
//
// Work is split by blocks of depthwise channels (whole channels of the input: a block holds
// every multiplier copy of its input channels), about one per thread. The depthwise convolution
// works per channel, so a block needs nothing from the others: for its channels it recomputes the
// depthwise output tile by tile from packed input rows (the forward's row kernels and packing),
// masks dy by the activation into g, and computes d_mid = g * pw^T (the forward's pointwise GEMM
// kernel on transposed weights), d_pointwise += mid^T * g, the depthwise filter's gradient
// (accumulated in the thread's workspace, written once at the block's end) and the input's gradient
// (a transposed depthwise pass into a ring of padded input-gradient rows, each written to dx once
// no later output row reaches it). The first block also sums g into d_bias. The full [N,OH,OW,C*M]
// intermediate never exists.
//
// A layer with too few channels for a block per thread (smaller blocks run slower: mbv1_a's 32
// channels as two blocks of 16 took 10% longer on one thread) is also split into bands of output
// rows (of the batch's rows, one after the other). Band 0 writes the filter gradients, the others
// partial sums in the workspace; each band writes the rows of dx below its next band's first
// input row, and the input-gradient rows its last output rows reach beyond them into the
// workspace too. The thread that finishes the last unit adds those to the gradients, in band
// order. Every gradient element is computed by one unit (and the sums of bands added in a fixed
// order), so results are bitwise the same from run to run; the same on any number of threads
// where no bands are needed, and within float rounding of each other otherwise.
//
// The caller owns all memory, as for SeparableConv2d.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "filter_shape.h"
#include "kernels/sepconv_params.h"
#include "thread_pool.h"

namespace sepconv {

// The backward pass's packed weights: the depthwise weights as pack_weights packs them, then the
// pointwise weights transposed (pack_pointwise_transposed_f32). Exact in 64 bits.
uint64_t backward_packed_weights_bytes(const FilterShape& f);

// depthwise [KH,KW,C,M] and pointwise [C*M,O] -> the layout the backward kernels read. The bias
// plays no part: the forward output y already holds its effect.
void pack_backward_weights(const FilterShape& f, const float* depthwise, const float* pointwise,
                           float* packed);

// The same from pack_weights()'s output (separable_conv2d.h), for a layer that keeps no filters.
void pack_backward_weights_from_forward(const FilterShape& f, const float* forward_packed,
                                        float* packed);

// One backward call's tensors. A gradient that is not wanted is null.
struct BackwardTensors {
  const float* input;  // x, in the params' layout (NHWC or NCHW)
  // y, the forward output, read for the activation's mask; may be null without an activation
  // (both clamp bounds infinite), where every output passes the gradient.
  const float* output;
  const float* d_output;  // dy, in the output's layout
  float* d_input;         // the input's shape and layout
  float* d_depthwise;     // [KH,KW,C,M]
  float* d_pointwise;     // [C*M,O]
  float* d_bias;          // [O]
};

class SeparableConv2dBackward {
 public:
  explicit SeparableConv2dBackward(const SepConvParams& params);

  uint64_t workspace_bytes(int threads) const;

  // packed by pack_backward_weights; workspace of workspace_bytes(pool.threads()). start() sets
  // the pool's workers going and returns; pool.join() completes the computation. The buffers
  // must stay valid, and this operator must not start again, until then. run() is both.
  void start(const BackwardTensors& tensors, const float* packed, void* workspace,
             ThreadPool& pool);
  void run(const BackwardTensors& tensors, const float* packed, void* workspace, ThreadPool& pool);

  // Channel blocks, the units the pool's threads share with bands() of rows each: smaller blocks
  // for more threads, down to the one-thread size; bands beyond. The results are the same
  // whatever the blocks, bit for bit.
  int32_t blocks(int threads) const;
  int32_t bands(int threads) const;

  // For a caller that computes in slices with other work in between (a browser page's main
  // thread, which must not block for long): channel blocks [first, end) of `block_size`
  // channels on the calling thread alone, in the workspace's first thread slot. block_size is a
  // multiple of slice_unit(), at most max_block(); every block of the call takes the same size.
  // Not while a started computation runs.
  void run_blocks(const BackwardTensors& tensors, const float* packed, void* workspace,
                  int32_t block_size, int32_t first, int32_t end) const;
  int32_t slice_unit() const;  // the smallest block: whole input channels and weight panels
  int32_t max_block() const { return max_block_; }  // the largest block the workspace fits

 private:
  struct Job {
    const SeparableConv2dBackward* op;
    BackwardTensors tensors;
    const float* packed;
    unsigned char* workspace;
    int32_t block;   // channels per block
    int32_t blocks;  // units [band * blocks, (band + 1) * blocks) are band `band`'s
    int32_t bands;
    float* shared;   // the workspace's region for bands, after the threads' slots
  };
  static void run_chunk(const void* job, int64_t begin, int64_t end, int thread);

  // Every wanted gradient of channel block `block` of `block_size` channels over the flat output
  // rows (image * OH + row) of band `band` of `bands`, with one thread's workspace and `shared`,
  // the workspace's part for bands (see shared_bytes()).
  void run_block(const BackwardTensors& t, const float* packed, unsigned char* workspace,
                 int32_t block, int32_t block_size, int32_t band, int32_t bands,
                 float* shared) const;
  // Adds bands 1.. (partial sums and input-gradient rows) into the gradients.
  void add_bands(const BackwardTensors& t, const float* shared, int32_t bands) const;
  // The first flat output row (image * OH + row) of band `band` of `bands`.
  int64_t band_start(int32_t band, int32_t bands) const;
  // Each band's region: its filter gradients' partial sums ([C*M][O], [KH][KW][C*M], [O]; not
  // used by band 0), then the input-gradient rows it reaches past its next band's first
  // ([spill_rows_][in_w][in_c] whatever the layout; not used by the last band).
  uint64_t band_floats() const;

  SepConvParams p_;
  int32_t cm_count_;   // depthwise channels, C*M
  int32_t cm_stride_;  // of the packed depthwise weights
  int32_t max_block_;  // depthwise channels per block on one thread: the most the workspace fits
  int32_t g_stride_;   // floats per pixel of the masked output gradient: O rounded up to 8
  int64_t span_;       // padded input pixels one output row reads
  int32_t tile_rows_;  // output rows per tile
  int32_t ring_rows_;  // padded rows of input (and of input gradient) a tile reaches
  int32_t column_stride_;  // as SeparableConv2d's: 1 where only one column or tap exists
  int32_t column_dilation_;
  int32_t spill_rows_;  // input rows a band's last output rows reach below its next band's first
  // Byte offsets inside one thread's workspace.
  uint64_t weights_offset_, d_depthwise_offset_, ring_offset_, d_ring_offset_, mid_offset_,
      d_mid_offset_, g_offset_, thread_bytes_;
  Job job_{};
  // Units of the started job not yet done: the thread that finishes the last adds the bands.
  mutable std::atomic<int64_t> units_left_{0};
  WayRecord ways_;
};

}  // namespace sepconv
