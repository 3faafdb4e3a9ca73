#include "separable_conv2d.h"

#include <algorithm>
#include <chrono>
#include <thread>

#ifdef __EMSCRIPTEN_PTHREADS__
#include <emscripten/threading.h>
#endif

#include "kernels/dwconv_row_select_f32_simd128.h"
#include "kernels/pack_input_row_f32.h"
#include "kernels/pack_weights_f32.h"
#include "kernels/pointwise_f32_simd128.h"

namespace sepconv {
namespace {

constexpr size_t kAlign = 64;  // a cache line, so threads' scratch never shares one

uint64_t align_up(uint64_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

int32_t cm_stride(const FilterShape& f) { return round_up(depthwise_channels(f), 4); }

// The packed depthwise weights come first, then the pointwise panels.
uint64_t packed_depthwise_floats(const FilterShape& f) {
  return uint64_t{static_cast<uint32_t>(f.k_h)} * f.k_w * cm_stride(f);
}

// Pixels per pointwise tile: enough that each panel of pointwise weights is reused many times
// while the tile's intermediate (pixels x C*M floats) still fits in L2.
constexpr int32_t kTilePixels = 64;

// Output rows each thread needs before splitting by rows beats splitting by output channels.
constexpr int64_t kMinRowsPerThread = 4;

// Chunks of panels per thread, at least, where each thread computes its depthwise part once.
constexpr int64_t kChunksPerThread = 4;

// How long a thread polls for input rows still being copied in before it yields its core.
constexpr std::chrono::microseconds kPollForInput{200};

// Below this many multiply-adds a wake-up of the pool costs more than it saves.
constexpr int64_t kMinParallelMacs = int64_t{1} << 18;

}  // namespace

uint64_t packed_weights_bytes(const FilterShape& f) {
  return sizeof(float) *
         (packed_depthwise_floats(f) + packed_pointwise_floats(depthwise_channels(f), f.out_c));
}

void pack_weights(const FilterShape& f, const float* depthwise, const float* pointwise,
                  const float* bias, float* packed) {
  pack_depthwise_f32(depthwise, f.k_h * f.k_w, depthwise_channels(f), cm_stride(f), packed);
  pack_pointwise_f32(pointwise, bias, depthwise_channels(f), f.out_c,
                     packed + packed_depthwise_floats(f));
}

SeparableConv2d::SeparableConv2d(const SepConvParams& params) : p_(params) {
  cm_count_ = depthwise_channels(p_);
  cm_stride_ = cm_stride(filter_shape(p_));
  span_ = int64_t{p_.out_w - 1} * p_.stride_w + int64_t{p_.k_w - 1} * p_.dilation_w + 1;
  column_stride_ = p_.out_w > 1 ? p_.stride_w : 1;
  column_dilation_ = p_.k_w > 1 ? p_.dilation_w : 1;
  // Rows of one output row differ by less than the dilated kernel height, so a ring that
  // large holds them all without collisions; it never needs more rows than the image has.
  ring_rows_ =
      static_cast<int32_t>(std::min<int64_t>(int64_t{p_.k_h - 1} * p_.dilation_h + 1, p_.in_h));
  tile_rows_ = static_cast<int32_t>(std::max<int64_t>(
      1, std::min<int64_t>((int64_t{kTilePixels} + p_.out_w - 1) / p_.out_w, p_.out_h)));
  const uint64_t tags_bytes = sizeof(int32_t) * uint64_t(ring_rows_);
  const uint64_t pointers_bytes = sizeof(const float*) * uint64_t(p_.k_h);
  // Then the ring's tags, and after them mid_ready() and ring_image().
  ring_offset_ = align_up(pointers_bytes + tags_bytes + 2 * sizeof(int32_t));
  mid_offset_ = ring_offset_ + align_up(sizeof(float) * uint64_t(ring_rows_) * uint64_t(span_) *
                                        uint64_t(cm_stride_));
  thread_bytes_ = mid_offset_ + align_up(sizeof(float) * uint64_t(tile_rows_) * uint64_t(p_.out_w) *
                                         uint64_t(cm_stride_));
}

uint64_t SeparableConv2d::workspace_bytes(int threads) const { return thread_bytes_ * threads; }

void SeparableConv2d::start(const float* input, const float* packed, float* output,
                            void* workspace, ThreadPool& pool, bool input_arriving,
                            std::atomic<int32_t>* rows_finished) {
  input_rows_ready_.store(0, std::memory_order_relaxed);  // published by pool.start()
  const int64_t rows = this->rows();
  if (rows_finished != nullptr) {
    for (int64_t row = 0; row < rows; ++row) rows_finished[row].store(0, std::memory_order_relaxed);
  }
  const int32_t panels = this->panels();
  const int64_t macs = rows * p_.out_w * (int64_t{p_.k_h} * p_.k_w + p_.out_c) * cm_count_;
  const int threads = macs < kMinParallelMacs ? 1 : pool.threads();
  // Few rows per thread (a small late layer such as 7x7x1024) split badly and make every
  // thread stream all the pointwise weights: then split the output channels instead, one
  // share per thread, each thread redoing the cheap depthwise part for its share. Otherwise
  // chunks of rows, which keep each thread's ring of packed rows useful; while they are large,
  // multiples of the tile height, since a split tile streams the pointwise weights twice.
  const bool by_panels = rows < kMinRowsPerThread * threads && panels >= threads;
  // Every row in one tile (one image: tiles never span two): a thread keeps its depthwise output
  // between chunks of panels, so they can be small, and a thread descheduled amid one leaves
  // little to wait for.
  const bool whole_tile = by_panels && rows <= tile_rows_;
  auto* bytes = static_cast<unsigned char*>(workspace);
  for (int t = 0; t < pool.threads(); ++t) {
    unsigned char* slot = bytes + static_cast<size_t>(t * thread_bytes_);
    *mid_ready(slot) = 0;
    *ring_image(slot) = -1;
  }
  // Threads run their chunks a tile at a time, or a panel at a time where they compute their
  // depthwise part once: then others can take what a descheduled thread has not begun.
  Schedule schedule;
  if (by_panels) {
    schedule.units = panels;
    if (whole_tile) {
      schedule.max_chunk = (panels + kChunksPerThread * threads - 1) / (kChunksPerThread * threads);
      schedule.step = 1;
    } else {
      schedule.min_chunk = (panels + threads - 1) / threads;
    }
  } else {
    schedule.units = rows;
    schedule.align = tile_rows_;
    schedule.step = tile_rows_;
    schedule.min_chunk = threads == 1 ? rows : 1;
    if (threads > 1) {
      const int64_t cap = (rows + 2 * threads - 1) / (2 * threads);
      schedule.max_chunk = (cap + tile_rows_ - 1) / tile_rows_ * tile_rows_;
    }
  }
  schedule.record = &ways_;
  schedule.timed_by_caller = rows_finished != nullptr;  // the caller copies out between steps
  job_ = Job{this, input, packed, output, bytes, by_panels, whole_tile,
             input_arriving ? &input_rows_ready_ : nullptr, rows_finished};
  pool.start(schedule, &SeparableConv2d::run_chunk, &job_);
}

void SeparableConv2d::run(const float* input, const float* packed, float* output,
                          void* workspace, ThreadPool& pool) {
  start(input, packed, output, workspace, pool);
  pool.join();
}

void SeparableConv2d::run_chunk(const void* context, int64_t begin, int64_t end, int thread) {
  const Job& job = *static_cast<const Job*>(context);
  const SeparableConv2d& op = *job.op;
  // The caller allocated workspace_bytes(threads), so this offset fits in size_t.
  unsigned char* scratch = job.workspace + static_cast<size_t>(thread * op.thread_bytes_);
  if (job.by_panels) {
    int32_t* ready = op.mid_ready(scratch);
    op.run_rows(job.input, job.packed, job.output, scratch, 0, op.rows(),
                static_cast<int32_t>(begin), static_cast<int32_t>(end), job.whole_tile && *ready,
                job.arriving);
    if (job.whole_tile) *ready = 1;
  } else {
    op.run_rows(job.input, job.packed, job.output, scratch, begin, end, 0, op.panels(), false,
                job.arriving);
    if (job.rows_finished != nullptr) {
      for (int64_t row = begin; row < end; ++row) job.rows_finished[row].store(1, std::memory_order_release);
    }
  }
}

void SeparableConv2d::run_slice(const float* input, const float* packed, float* output,
                                void* workspace, int64_t first_row, int64_t end_row) const {
  auto* bytes = static_cast<unsigned char*>(workspace);
  *ring_image(bytes) = -1;  // the input may have changed since the last slice
  run_rows(input, packed, output, bytes, first_row, end_row, 0, panels());
}

int64_t SeparableConv2d::rows() const { return int64_t{p_.batch} * p_.out_h; }

int32_t SeparableConv2d::panels() const {
  return (p_.out_c + kPointwisePanel - 1) / kPointwisePanel;
}

void SeparableConv2d::run_rows(const float* input, const float* packed, float* output,
                               unsigned char* workspace, int64_t first_row, int64_t end_row,
                               int32_t first_panel, int32_t end_panel, bool mid_ready,
                               const std::atomic<int32_t>* arriving) const {
  // The row pointers come first: they need the strictest alignment (8 bytes on 64-bit hosts).
  auto* rows = reinterpret_cast<const float**>(workspace);
  auto* ring_tags = reinterpret_cast<int32_t*>(workspace + sizeof(const float*) * p_.k_h);
  auto* ring = reinterpret_cast<float*>(workspace + static_cast<size_t>(ring_offset_));
  auto* mid = reinterpret_cast<float*>(workspace + static_cast<size_t>(mid_offset_));
  const TensorStrides is = input_strides(p_);
  const TensorStrides os = output_strides(p_);
  const size_t mid_row_floats = static_cast<size_t>(p_.out_w) * cm_stride_;
  // The panels' output channels [first_k, end_k) and their packed weights.
  const int32_t first_k = first_panel * kPointwisePanel;
  const int32_t end_k = std::min(end_panel * kPointwisePanel, p_.out_c);
  const float* panel_weights = packed + packed_depthwise_floats(filter_shape(p_)) +
                               packed_pointwise_floats(cm_count_, first_k);

  int32_t& ring_image = *this->ring_image(workspace);
  for (int64_t row = first_row; row < end_row;) {
    const int32_t b = static_cast<int32_t>(row / p_.out_h);
    const int32_t i0 = static_cast<int32_t>(row % p_.out_h);
    // A tile stays inside one image: then its pixels are evenly strided in NHWC and NCHW alike.
    const int32_t tile =
        static_cast<int32_t>(std::min<int64_t>({tile_rows_, end_row - row, p_.out_h - i0}));
    if (b != ring_image) {
      std::fill(ring_tags, ring_tags + ring_rows_, -1);
      ring_image = b;
    }
    if (arriving != nullptr && !mid_ready) wait_for_input(*arriving, b, i0, tile);
    for (int32_t t = 0; t < tile && !mid_ready; ++t) {
      depthwise_row(input + b * is.n, packed, i0 + t, ring_tags, rows, ring,
                    mid + t * mid_row_floats);
    }
    pointwise_f32_simd128(mid, tile * p_.out_w, cm_stride_, cm_count_, panel_weights,
                          end_k - first_k, p_.output_min, p_.output_max,
                          output + b * os.n + i0 * os.h + first_k * os.c, os.w, os.c);
    row += tile;
  }
}

void SeparableConv2d::wait_for_input(const std::atomic<int32_t>& arriving, int32_t b, int32_t i0,
                                     int32_t tile) const {
  // The last input row the tile reads: y = i * stride + di * dilation - pad_top, at its largest.
  const int64_t last = std::min<int64_t>(
      int64_t{i0 + tile - 1} * p_.stride_h + int64_t{p_.k_h - 1} * p_.dilation_h - p_.pad_top,
      p_.in_h - 1);
  // In NCHW a row's channels lie in every plane of the image: it arrives whole.
  const int64_t needed = int64_t{b} * p_.in_h + (p_.nchw ? p_.in_h : last + 1);
  // The caller copies at memory speed, so the wait is short: polling, then (should the caller be
  // descheduled, on a busy machine) yielding the core. A wasm nap in a timed futex wait is not
  // for the start: it lasted 50 us or more, 7% of mult2_dil2's call.
  const auto poll_end = std::chrono::steady_clock::now() + kPollForInput;
  for (;;) {
    const int32_t ready = arriving.load(std::memory_order_acquire);
    if (ready >= needed) return;
    if (std::chrono::steady_clock::now() < poll_end) continue;
#ifdef __EMSCRIPTEN_PTHREADS__
    emscripten_futex_wait(const_cast<std::atomic<int32_t>*>(&arriving), static_cast<uint32_t>(ready), 0.02);
#else
    std::this_thread::yield();
#endif
  }
}

void SeparableConv2d::depthwise_row(const float* image, const float* packed, int32_t i,
                                    int32_t* ring_tags, const float** rows, float* ring,
                                    float* mid) const {
  const TensorStrides is = input_strides(p_);
  const size_t slot_floats = static_cast<size_t>(span_) * cm_stride_;
  for (int32_t di = 0; di < p_.k_h; ++di) {
    // In 64 bits: with enough padding, stride and dilation may each be near 2^31.
    const int64_t y = int64_t{i} * p_.stride_h + int64_t{di} * p_.dilation_h - p_.pad_top;
    if (y < 0 || y >= p_.in_h) {
      rows[di] = nullptr;
      continue;
    }
    const auto slot = static_cast<int32_t>(y % ring_rows_);
    float* slot_data = ring + slot * slot_floats;
    if (ring_tags[slot] != y) {
      pack_input_row_f32(image + y * is.h, is.w, is.c, p_.in_w, p_.in_c, p_.multiplier, p_.pad_left,
                         static_cast<int32_t>(span_), cm_stride_, slot_data);
      ring_tags[slot] = static_cast<int32_t>(y);
    }
    rows[di] = slot_data;
  }
  dwconv_row_select_f32_simd128(rows, p_.k_h, p_.k_w, packed, p_.out_w, column_stride_,
                                column_dilation_, cm_stride_, mid);
}

}  // namespace sepconv
