// The fused separable convolution operator. Output rows are processed in tiles of a few rows:
// for each row it packs the input rows it needs (kept in a per-thread ring, so stride-1 rows
// are packed once) and runs the depthwise row kernel into the tile's intermediate; then the
// pointwise kernel turns the whole tile into output. The full [N,OH,OW,C*M] intermediate never
// exists: per thread it is at most one tile, about kTilePixels pixels.
//
// The caller owns all memory: it asks for the sizes, allocates, and passes the buffers in, so a
// failed allocation is the caller's clean error, never an abort here.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "filter_shape.h"
#include "kernels/sepconv_params.h"
#include "thread_pool.h"

namespace sepconv {

// Sizes are exact in 64 bits even for buffers that could never be allocated (wasm32's size_t
// would wrap), so the caller can refuse them before allocating anything.

// Packed weights depend only on the filters' shape, so one packing serves every input shape. The
// size does not depend on whether there is a bias: without one, the bias lanes hold zeros.
uint64_t packed_weights_bytes(const FilterShape& f);

// depthwise [KH,KW,C,M], pointwise [C*M,O] and bias [O] (or null) -> the layout the kernels read.
void pack_weights(const FilterShape& f, const float* depthwise, const float* pointwise,
                  const float* bias, float* packed);

class SeparableConv2d {
 public:
  explicit SeparableConv2d(const SepConvParams& params);

  uint64_t workspace_bytes(int threads) const;

  // input and output in the params' layout; packed by pack_weights; workspace of
  // workspace_bytes(pool.threads()). start() sets the pool's workers going and returns;
  // pool.join() completes the computation, on the calling thread too. The buffers must stay
  // valid, and this operator must not start again, until then. run() is start() then join().
  // With input_arriving, the caller writes the input after start(), raising input_rows_ready()
  // (rows of every image, N*H, in order; NCHW a whole image at a time) as rows arrive, and must
  // end with every row counted before join(): the threads compute the first rows meanwhile.
  // With rows_finished (rows() flags), start() zeroes them, and a row's becomes 1 (stored with
  // release) once that output row is final, so that the caller can copy it out while the others
  // are computed (between pool.help() calls). Jobs split by output channels set none: every row
  // is final only when the job is, after join().
  void start(const float* input, const float* packed, float* output, void* workspace,
             ThreadPool& pool, bool input_arriving = false,
             std::atomic<int32_t>* rows_finished = nullptr);
  std::atomic<int32_t>& input_rows_ready() { return input_rows_ready_; }
  void run(const float* input, const float* packed, float* output, void* workspace,
           ThreadPool& pool);

  // Output rows [first_row, end_row) of rows() (every image's rows, one after another) on the
  // calling thread alone, in the workspace's first thread slot: for a caller that computes in
  // slices with other work in between (a browser page's main thread, which must not block for
  // long). Not while a started computation runs.
  void run_slice(const float* input, const float* packed, float* output, void* workspace,
                 int64_t first_row, int64_t end_row) const;
  int64_t rows() const;  // output rows of all images

 private:
  // What the pool's tasks read: one started computation.
  struct Job {
    const SeparableConv2d* op;
    const float* input;
    const float* packed;
    float* output;
    unsigned char* workspace;
    bool by_panels;  // chunks of pointwise panels, else of rows
    bool whole_tile;  // by panels, every row in one tile: a thread computes its depthwise part once
    const std::atomic<int32_t>* arriving;  // the input rows written so far, or null: all
    std::atomic<int32_t>* rows_finished;  // see start(), or null
  };
  static void run_chunk(const void* job, int64_t begin, int64_t end, int thread);
  int32_t panels() const;  // pointwise panels of output channels

  // Output rows [first_row, end_row) of the flattened (batch, row) index, output channels of
  // pointwise panels [first_panel, end_panel), in one thread's workspace, whose ring of packed
  // input rows may hold rows of this job from the thread's earlier pieces. mid_ready: the rows
  // are one tile whose depthwise output the workspace holds already (likewise).
  void run_rows(const float* input, const float* packed, float* output, unsigned char* workspace,
                int64_t first_row, int64_t end_row, int32_t first_panel, int32_t end_panel,
                bool mid_ready = false, const std::atomic<int32_t>* arriving = nullptr) const;
  // Until `arriving` counts the input rows that a tile of rows [i0, i0 + tile) of image b reads.
  void wait_for_input(const std::atomic<int32_t>& arriving, int32_t b, int32_t i0, int32_t tile) const;
  // In a thread's workspace, after the ring's tags: whether its mid holds this job's whole tile,
  // then the image whose rows the ring holds (-1: none). start() clears both in every slot.
  int32_t* mid_ready(unsigned char* workspace) const {
    return reinterpret_cast<int32_t*>(workspace + sizeof(const float*) * p_.k_h) + ring_rows_;
  }
  int32_t* ring_image(unsigned char* workspace) const { return mid_ready(workspace) + 1; }
  // Depthwise output row i of image b into mid, packing input rows into the ring as needed.
  void depthwise_row(const float* image, const float* packed, int32_t i, int32_t* ring_tags,
                     const float** rows, float* ring, float* mid) const;

  SepConvParams p_;
  int32_t cm_count_;         // depthwise output channels, C*M
  int32_t cm_stride_;        // cm_count_ rounded up to a SIMD vector
  int64_t span_;             // padded input pixels one output row reads
  int32_t ring_rows_;        // packed input rows cached per thread
  int32_t tile_rows_;        // output rows per pointwise tile
  // The strides the row kernels step by: 1 where only one output column or kernel tap exists,
  // so that a huge stride or dilation (legal with enough padding) never overflows an offset.
  int32_t column_stride_;
  int32_t column_dilation_;
  uint64_t ring_offset_;     // byte offsets inside one thread's workspace
  uint64_t mid_offset_;
  uint64_t thread_bytes_;
  Job job_{};
  std::atomic<int32_t> input_rows_ready_{0};  // see start()
  WayRecord ways_;  // this operator's jobs on the caller alone and with the pool (thread_pool.h)
};

}  // namespace sepconv
