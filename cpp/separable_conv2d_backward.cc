#include "separable_conv2d_backward.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>

#include "kernels/dwconv_filter_grad_row_f32_simd128.h"
#include "kernels/dwconv_input_grad_row_f32_simd128.h"
#include "kernels/dwconv_row_select_f32_simd128.h"
#include "kernels/mask_output_grad_f32_simd128.h"
#include "kernels/outer_product_accumulate_f32_simd128.h"
#include "kernels/pack_input_row_f32.h"
#include "kernels/pack_weights_f32.h"
#include "kernels/pointwise_f32_simd128.h"
#include "kernels/unpack_input_grad_row_f32.h"

namespace sepconv {
namespace {

constexpr size_t kAlign = 64;  // a cache line, so threads' scratch never shares one

uint64_t align_up(uint64_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

uint64_t packed_depthwise_floats(const FilterShape& f) {
  return uint64_t{static_cast<uint32_t>(f.k_h)} * f.k_w * round_up(depthwise_channels(f), 4);
}

// Pixels per tile, as the forward pass: enough that the GEMMs reuse each weight many times.
constexpr int32_t kTilePixels = 64;

// A tile's rings of packed rows stay below this; past it, tiles of one row (the forward's ring).
constexpr uint64_t kMaxRingBytes = uint64_t{1} << 20;

// Channels per block for `threads` threads: C*M shared among them, at most 64 (so a block's rows
// and tiles stay in cache), rounded up to whole panels of the transposed pointwise weights (8)
// and whole input channels (M). One thread takes the largest blocks, which the workspace fits.
// Blocks start at multiples of lcm(M, 8): whole input channels, whole weight panels.
int32_t block_unit(const SepConvParams& p) { return p.multiplier / std::gcd(p.multiplier, 8) * 8; }

int32_t block_channels(const SepConvParams& p, int threads) {
  const int64_t cm = depthwise_channels(p);
  const int64_t unit = block_unit(p);
  const int64_t target = std::min<int64_t>((cm + threads - 1) / threads, 64);
  const int64_t block = (target + unit - 1) / unit * unit;
  // One block of every channel needs no alignment to M.
  return static_cast<int32_t>(block >= cm ? (cm + 7) / 8 * 8 : block);
}

// Below this many multiply-adds a wake-up of the pool costs more than it saves.
constexpr int64_t kMinParallelMacs = int64_t{1} << 18;

}  // namespace

uint64_t backward_packed_weights_bytes(const FilterShape& f) {
  return sizeof(float) *
         (packed_depthwise_floats(f) + packed_pointwise_floats(f.out_c, depthwise_channels(f)));
}

void pack_backward_weights(const FilterShape& f, const float* depthwise, const float* pointwise,
                           float* packed) {
  const int32_t cm_count = depthwise_channels(f);
  pack_depthwise_f32(depthwise, f.k_h * f.k_w, cm_count, round_up(cm_count, 4), packed);
  pack_pointwise_transposed_f32(pointwise, cm_count, f.out_c, packed + packed_depthwise_floats(f));
}

void pack_backward_weights_from_forward(const FilterShape& f, const float* forward_packed,
                                        float* packed) {
  // The depthwise weights are packed alike: [taps][cm_stride].
  const uint64_t depthwise = packed_depthwise_floats(f);
  std::copy(forward_packed, forward_packed + depthwise, packed);
  transpose_packed_pointwise_f32(forward_packed + depthwise, depthwise_channels(f), f.out_c,
                                 packed + depthwise);
}

SeparableConv2dBackward::SeparableConv2dBackward(const SepConvParams& params) : p_(params) {
  cm_count_ = depthwise_channels(p_);
  cm_stride_ = round_up(cm_count_, 4);
  max_block_ = block_channels(p_, 1);
  // A stride of a multiple of 1 KiB puts a tile's pixels in a few cache sets, which the pointwise
  // gradient's columns of g then evict from each other: one more cache line spreads them.
  g_stride_ = round_up(p_.out_c, 8);
  if (g_stride_ % 256 == 0) g_stride_ += 16;
  span_ = int64_t{p_.out_w - 1} * p_.stride_w + int64_t{p_.k_w - 1} * p_.dilation_w + 1;
  column_stride_ = p_.out_w > 1 ? p_.stride_w : 1;
  column_dilation_ = p_.k_w > 1 ? p_.dilation_w : 1;
  spill_rows_ = static_cast<int32_t>(std::clamp<int64_t>(
      int64_t{p_.k_h - 1} * p_.dilation_h + 1 - p_.stride_h, 0, p_.in_h));
  const uint64_t row_bytes = sizeof(float) * uint64_t(span_) * uint64_t(max_block_);
  // The rows one tile of `tile` output rows reaches differ by less than this; never more rows
  // than the image has.
  auto window = [&](int64_t tile) {
    return static_cast<int32_t>(std::min<int64_t>(
        (tile - 1) * p_.stride_h + int64_t{p_.k_h - 1} * p_.dilation_h + 1, p_.in_h));
  };
  tile_rows_ = static_cast<int32_t>(std::max<int64_t>(
      1, std::min<int64_t>((int64_t{kTilePixels} + p_.out_w - 1) / p_.out_w, p_.out_h)));
  if (tile_rows_ > 1 && row_bytes > kMaxRingBytes / uint64_t(window(tile_rows_))) tile_rows_ = 1;
  ring_rows_ = window(tile_rows_);

  const uint64_t taps = uint64_t(p_.k_h) * uint64_t(p_.k_w);
  const uint64_t tile_pixels = uint64_t(tile_rows_) * uint64_t(p_.out_w);
  const uint64_t pointers_bytes = 2 * sizeof(float*) * uint64_t(p_.k_h);
  const uint64_t tags_bytes = 2 * sizeof(int32_t) * uint64_t(ring_rows_);
  weights_offset_ = align_up(pointers_bytes + tags_bytes);
  d_depthwise_offset_ = weights_offset_ + align_up(sizeof(float) * taps * max_block_);
  ring_offset_ = d_depthwise_offset_ + align_up(sizeof(float) * taps * max_block_);
  d_ring_offset_ = ring_offset_ + align_up(uint64_t(ring_rows_) * row_bytes);
  mid_offset_ = d_ring_offset_ + align_up(uint64_t(ring_rows_) * row_bytes);
  d_mid_offset_ = mid_offset_ + align_up(sizeof(float) * tile_pixels * max_block_);
  g_offset_ = d_mid_offset_ + align_up(sizeof(float) * tile_pixels * max_block_);
  thread_bytes_ = g_offset_ + align_up(sizeof(float) * tile_pixels * g_stride_);
}

uint64_t SeparableConv2dBackward::band_floats() const {
  const uint64_t taps = uint64_t(p_.k_h) * uint64_t(p_.k_w);
  return uint64_t(cm_count_) * uint64_t(p_.out_c) + taps * uint64_t(cm_count_) +
         uint64_t(p_.out_c) + uint64_t(spill_rows_) * uint64_t(p_.in_w) * uint64_t(p_.in_c);
}

uint64_t SeparableConv2dBackward::workspace_bytes(int threads) const {
  // Then a region per band (when there are several): see band_floats().
  const int32_t b = bands(threads);
  return thread_bytes_ * threads + (b > 1 ? sizeof(float) * b * band_floats() : 0);
}

int32_t SeparableConv2dBackward::bands(int threads) const {
  const int32_t widest = (cm_count_ + max_block_ - 1) / max_block_;  // blocks of one thread's size
  if (threads <= 1 || widest >= 2 * threads) return 1;
  // Fewer blocks than threads: a band per thread for each. One block per thread or a little more:
  // two bands, as a thread that starts late then leaves less to wait for (mbv1_b's two blocks on
  // two threads: 3.17 ms against 3.36-3.49 with one band; the layers of one block lost 3-7% with
  // two bands per thread).
  const int64_t wanted = widest < threads ? (threads + widest - 1) / widest : 2;
  const int64_t rows = int64_t{p_.batch} * p_.out_h;
  return static_cast<int32_t>(std::max<int64_t>(1, std::min(wanted, rows)));
}

int32_t SeparableConv2dBackward::blocks(int threads) const {
  const int32_t block = bands(threads) > 1 ? max_block_ : block_channels(p_, threads);
  return (cm_count_ + block - 1) / block;
}

int64_t SeparableConv2dBackward::band_start(int32_t band, int32_t bands) const {
  return int64_t{p_.batch} * p_.out_h * band / bands;
}

int32_t SeparableConv2dBackward::slice_unit() const {
  // Fewer channels than that: one block of them all (block_channels()).
  return block_unit(p_) < cm_count_ ? block_unit(p_) : max_block_;
}

void SeparableConv2dBackward::run_blocks(const BackwardTensors& tensors, const float* packed,
                                         void* workspace, int32_t block_size, int32_t first,
                                         int32_t end) const {
  for (int32_t block = first; block < end; ++block) {
    run_block(tensors, packed, static_cast<unsigned char*>(workspace), block, block_size, 0, 1,
              nullptr);
  }
}

void SeparableConv2dBackward::start(const BackwardTensors& tensors, const float* packed,
                                    void* workspace, ThreadPool& pool) {
  const int64_t macs = int64_t{p_.batch} * p_.out_h * p_.out_w *
                       (2 * int64_t{p_.k_h} * p_.k_w + 2 * p_.out_c) * cm_count_;
  const int threads = macs < kMinParallelMacs ? 1 : pool.threads();
  // Only the first block sums the bias gradient: alone, it is all there is to do.
  const bool bias_only = tensors.d_input == nullptr && tensors.d_depthwise == nullptr &&
                         tensors.d_pointwise == nullptr;
  const int32_t bands = bias_only ? 1 : this->bands(threads);
  const int32_t blocks = bias_only ? 1 : this->blocks(threads);
  Schedule schedule;
  schedule.units = int64_t{blocks} * bands;
  schedule.min_chunk = threads == 1 ? schedule.units : 1;
  schedule.step = 1;  // a block at a time: others can take those a descheduled thread has not begun
  schedule.record = &ways_;
  auto* bytes = static_cast<unsigned char*>(workspace);
  // The bands' region follows every thread slot the pool may use.
  auto* shared =
      reinterpret_cast<float*>(bytes + static_cast<size_t>(thread_bytes_ * pool.threads()));
  job_ = Job{this, tensors, packed, bytes, bands > 1 ? max_block_ : block_channels(p_, threads),
             blocks, bands, shared};
  units_left_.store(schedule.units, std::memory_order_relaxed);
  pool.start(schedule, &SeparableConv2dBackward::run_chunk, &job_);
}

void SeparableConv2dBackward::run(const BackwardTensors& tensors, const float* packed,
                                  void* workspace, ThreadPool& pool) {
  start(tensors, packed, workspace, pool);
  pool.join();
}

void SeparableConv2dBackward::run_chunk(const void* context, int64_t begin, int64_t end,
                                        int thread) {
  const Job& job = *static_cast<const Job*>(context);
  const SeparableConv2dBackward& op = *job.op;
  // The caller allocated workspace_bytes(threads), so this offset fits in size_t.
  unsigned char* scratch = job.workspace + static_cast<size_t>(thread * op.thread_bytes_);
  for (int64_t unit = begin; unit < end; ++unit) {
    op.run_block(job.tensors, job.packed, scratch, static_cast<int32_t>(unit % job.blocks),
                 job.block, static_cast<int32_t>(unit / job.blocks), job.bands, job.shared);
  }
  // The pool counts the job done only after this returns: the sums are in before join() ends.
  if (job.bands > 1 &&
      op.units_left_.fetch_sub(end - begin, std::memory_order_acq_rel) == end - begin) {
    op.add_bands(job.tensors, job.shared, job.bands);
  }
}

void SeparableConv2dBackward::add_bands(const BackwardTensors& t, const float* shared,
                                        int32_t bands) const {
  const size_t d_pointwise_floats = static_cast<size_t>(cm_count_) * p_.out_c;
  const size_t d_depthwise_floats = static_cast<size_t>(p_.k_h) * p_.k_w * cm_count_;
  const size_t partial_floats = d_pointwise_floats + d_depthwise_floats + p_.out_c;
  auto add = [](float* sum, const float* part, size_t count) {
    if (sum == nullptr) return;
    for (size_t i = 0; i < count; ++i) sum[i] += part[i];
  };
  for (int32_t band = 1; band < bands; ++band) {
    const float* partial = shared + static_cast<size_t>(band) * band_floats();
    add(t.d_pointwise, partial, d_pointwise_floats);
    add(t.d_depthwise, partial + d_pointwise_floats, d_depthwise_floats);
    add(t.d_bias, partial + d_pointwise_floats + d_depthwise_floats, static_cast<size_t>(p_.out_c));
  }
  if (t.d_input == nullptr) return;
  const TensorStrides is = input_strides(p_);
  for (int32_t band = 0; band + 1 < bands; ++band) {
    // Band `band` ends at output row `row` of image `b`: the rows it reached from `first` on
    // belong to the next band, which wrote its own part of them.
    const int64_t end = band_start(band + 1, bands);
    const int64_t b = end / p_.out_h;
    const int64_t row = end % p_.out_h;
    if (row == 0) continue;  // a band ends with its image: nothing reaches the next image
    const int64_t first = std::clamp<int64_t>(row * p_.stride_h - p_.pad_top, 0, p_.in_h);
    const int64_t rows = std::min<int64_t>(spill_rows_, p_.in_h - first);
    const float* spill = shared + static_cast<size_t>(band) * band_floats() + partial_floats;
    for (int64_t y = 0; y < rows; ++y) {
      for (int64_t x = 0; x < p_.in_w; ++x) {
        const float* from = spill + static_cast<size_t>((y * p_.in_w + x) * p_.in_c);
        float* to = t.d_input + b * is.n + (first + y) * is.h + x * is.w;
        for (int64_t c = 0; c < p_.in_c; ++c) to[c * is.c] += from[c];
      }
    }
  }
}

void SeparableConv2dBackward::run_block(const BackwardTensors& t, const float* packed,
                                        unsigned char* workspace, int32_t block,
                                        int32_t block_size, int32_t band, int32_t bands,
                                        float* shared) const {
  // Pointers first: they need the strictest alignment (8 bytes on 64-bit hosts).
  auto* rows = reinterpret_cast<const float**>(workspace);
  auto* d_rows = reinterpret_cast<float**>(workspace + sizeof(float*) * p_.k_h);
  auto* tags = reinterpret_cast<int32_t*>(workspace + 2 * sizeof(float*) * p_.k_h);
  int32_t* d_tags = tags + ring_rows_;
  auto at = [workspace](uint64_t offset) {
    return reinterpret_cast<float*>(workspace + static_cast<size_t>(offset));
  };
  float* weights = at(weights_offset_);
  float* d_depthwise = at(d_depthwise_offset_);
  float* ring = at(ring_offset_);
  float* d_ring = at(d_ring_offset_);
  float* mid = at(mid_offset_);
  float* d_mid = at(d_mid_offset_);
  float* g = at(g_offset_);

  const TensorStrides is = input_strides(p_);
  const TensorStrides os = output_strides(p_);
  const int32_t taps = p_.k_h * p_.k_w;
  const int32_t c0 = block * block_size;                       // the block's depthwise channels
  const int32_t lanes = std::min(block_size, cm_count_ - c0);  // [c0, c0 + lanes)
  const int32_t q0 = c0 / p_.multiplier;                       // and input channels
  const int32_t q_count = lanes / p_.multiplier;
  const size_t slot_floats = static_cast<size_t>(span_) * block_size;
  const size_t tile_floats = static_cast<size_t>(tile_rows_) * p_.out_w * block_size;
  const auto span = static_cast<int32_t>(span_);
  const bool want_mid = t.d_pointwise != nullptr;
  const bool want_d_mid = t.d_input != nullptr || t.d_depthwise != nullptr;
  // Band 0 writes the filter gradients; the others, partial sums in their region (band_floats()).
  float* region = band == 0 ? nullptr : shared + static_cast<size_t>(band) * band_floats();
  const size_t d_pointwise_floats = static_cast<size_t>(cm_count_) * p_.out_c;
  const size_t d_depthwise_floats = static_cast<size_t>(taps) * cm_count_;
  auto target = [&](float* gradient, size_t offset) {
    return gradient == nullptr || region == nullptr ? gradient : region + offset;
  };
  float* d_pointwise_sum = target(t.d_pointwise, 0);
  float* d_depthwise_sum = target(t.d_depthwise, d_pointwise_floats);
  float* d_bias = block == 0 ? target(t.d_bias, d_pointwise_floats + d_depthwise_floats) : nullptr;
  // The input-gradient rows past the next band's first, in this band's region ([row][x][c]).
  float* spill = band + 1 < bands
                     ? shared + static_cast<size_t>(band) * band_floats() + d_pointwise_floats +
                           d_depthwise_floats + p_.out_c
                     : nullptr;

  // The block's depthwise weights, its lanes of the packed [taps][cm_stride] (zero past C*M).
  const int32_t packed_lanes = std::min(block_size, cm_stride_ - c0);
  for (int32_t tap = 0; tap < taps; ++tap) {
    const float* src = packed + static_cast<size_t>(tap) * cm_stride_ + c0;
    std::copy(src, src + packed_lanes, weights + static_cast<size_t>(tap) * block_size);
    std::fill(weights + static_cast<size_t>(tap) * block_size + packed_lanes,
              weights + static_cast<size_t>(tap + 1) * block_size, 0.0f);
  }
  // The GEMM writes only the block's lanes of d_mid; the rest stay zero, as the row kernels read
  // them (times zero weights).
  std::fill(d_mid, d_mid + tile_floats, 0.0f);
  std::fill(d_depthwise, d_depthwise + static_cast<size_t>(taps) * block_size, 0.0f);
  if (d_pointwise_sum != nullptr) {
    std::fill(d_pointwise_sum + static_cast<size_t>(c0) * p_.out_c,
              d_pointwise_sum + static_cast<size_t>(c0 + lanes) * p_.out_c, 0.0f);
  }
  if (d_bias != nullptr) std::fill(d_bias, d_bias + p_.out_c, 0.0f);
  const float* transposed =
      packed + packed_depthwise_floats(filter_shape(p_)) + packed_pointwise_floats(p_.out_c, c0);

  // The band's flat output rows [f, band_end), image by image: rows [i_first, i_end) of image b.
  const int64_t band_end = band_start(band + 1, bands);
  for (int64_t f = band_start(band, bands); f < band_end;) {
    const auto b = static_cast<int32_t>(f / p_.out_h);
    const auto i_first = static_cast<int32_t>(f - int64_t{b} * p_.out_h);
    const auto i_end =
        static_cast<int32_t>(std::min<int64_t>(band_end - int64_t{b} * p_.out_h, p_.out_h));
    f = int64_t{b} * p_.out_h + i_end;
    // The input-gradient rows this part writes: from the first its first output row reaches to
    // the first the next part's does (the next band adds this one's spill there).
    auto input_row = [&](int32_t i) {
      return std::clamp<int64_t>(int64_t{i} * p_.stride_h - p_.pad_top, 0, p_.in_h);
    };
    const int64_t own_first = i_first == 0 ? 0 : input_row(i_first);
    const int64_t own_end = i_end == p_.out_h ? p_.in_h : input_row(i_end);
    const float* image = t.input + b * is.n + q0 * is.c;
    float* d_image = t.d_input != nullptr ? t.d_input + b * is.n + q0 * is.c : nullptr;
    std::fill(tags, tags + 2 * ring_rows_, -1);
    // rows[di]: the packed input row output row i reads through kernel row di (null in the
    // padding), packed into the ring if it is not there yet. d_rows[di] likewise for the
    // gradient rows, a new one zeroed.
    auto point_rows = [&](int32_t i, bool input, bool gradient) {
      for (int32_t di = 0; di < p_.k_h; ++di) {
        // In 64 bits: with enough padding, stride and dilation may each be near 2^31.
        const int64_t y = int64_t{i} * p_.stride_h + int64_t{di} * p_.dilation_h - p_.pad_top;
        const bool inside = y >= 0 && y < p_.in_h;
        const auto slot = static_cast<size_t>(inside ? y % ring_rows_ : 0);
        if (input) {
          rows[di] = inside ? ring + slot * slot_floats : nullptr;
          if (inside && tags[slot] != y) {
            pack_input_row_f32(image + y * is.h, is.w, is.c, p_.in_w, q_count, p_.multiplier,
                               p_.pad_left, span, block_size, ring + slot * slot_floats);
            tags[slot] = static_cast<int32_t>(y);
          }
        }
        if (gradient) {
          d_rows[di] = inside ? d_ring + slot * slot_floats : nullptr;
          if (inside && d_tags[slot] != y) {
            std::fill(d_ring + slot * slot_floats, d_ring + (slot + 1) * slot_floats, 0.0f);
            d_tags[slot] = static_cast<int32_t>(y);
          }
        }
      }
    };
    // Input-gradient row y (zeros if nothing reached it) into a row with strides w and c.
    auto unpack = [&](int64_t y, float* to, ptrdiff_t w, ptrdiff_t c) {
      const auto slot = static_cast<size_t>(y % ring_rows_);
      unpack_input_grad_row_f32(d_tags[slot] == y ? d_ring + slot * slot_floats : nullptr, span,
                                block_size, p_.pad_left, p_.in_w, q_count, p_.multiplier, to, w, c);
    };
    // Writes input-gradient rows [next_row, end) to dx: no later output row reaches them.
    int64_t next_row = own_first;
    auto flush = [&](int64_t end) {
      for (; next_row < std::min(end, own_end); ++next_row) {
        unpack(next_row, d_image + next_row * is.h, is.w, is.c);
      }
    };

    for (int32_t i0 = i_first; i0 < i_end; i0 += tile_rows_) {
      const int32_t tile = std::min(tile_rows_, i_end - i0);
      const int32_t pixels = tile * p_.out_w;
      const size_t row_floats = static_cast<size_t>(p_.out_w) * block_size;
      if (d_image != nullptr) flush(int64_t{i0} * p_.stride_h - p_.pad_top);
      if (want_mid) {
        for (int32_t r = 0; r < tile; ++r) {
          point_rows(i0 + r, true, false);
          dwconv_row_select_f32_simd128(rows, p_.k_h, p_.k_w, weights, p_.out_w, column_stride_,
                                        column_dilation_, block_size, mid + r * row_floats);
        }
      }
      const ptrdiff_t out_at = b * os.n + i0 * os.h;
      mask_output_grad_f32_simd128(t.output != nullptr ? t.output + out_at : nullptr,
                                   t.d_output + out_at, pixels, p_.out_c, os.w, os.c, p_.output_min,
                                   p_.output_max, g, g_stride_, d_bias);
      if (want_mid) {
        outer_product_accumulate_f32_simd128(mid, pixels, block_size, lanes, g, g_stride_, p_.out_c,
                                             d_pointwise_sum + static_cast<size_t>(c0) * p_.out_c,
                                             p_.out_c);
      }
      if (!want_d_mid) continue;
      const float inf = std::numeric_limits<float>::infinity();
      pointwise_f32_simd128(g, pixels, g_stride_, p_.out_c, transposed, lanes, -inf, inf, d_mid,
                            block_size, 1);
      for (int32_t r = 0; r < tile; ++r) {
        point_rows(i0 + r, t.d_depthwise != nullptr, d_image != nullptr);
        const float* d_mid_row = d_mid + r * row_floats;
        if (t.d_depthwise != nullptr) {
          dwconv_filter_grad_row_f32_simd128(rows, p_.k_h, p_.k_w, d_mid_row, p_.out_w,
                                             column_stride_, column_dilation_, block_size,
                                             d_depthwise);
        }
        if (d_image != nullptr) {
          dwconv_input_grad_row_f32_simd128(d_rows, p_.k_h, p_.k_w, weights, d_mid_row, p_.out_w,
                                            column_stride_, column_dilation_, block_size);
        }
      }
    }
    if (d_image == nullptr) continue;
    flush(own_end);
    if (i_end < p_.out_h) {  // the band ends inside the image: the rows past its own to spill
      for (int64_t y = own_end; y < std::min<int64_t>(own_end + spill_rows_, p_.in_h); ++y) {
        unpack(y, spill + static_cast<size_t>((y - own_end) * p_.in_w * p_.in_c) + q0, p_.in_c, 1);
      }
    }
  }

  if (d_depthwise_sum != nullptr) {
    for (int32_t tap = 0; tap < taps; ++tap) {
      const float* src = d_depthwise + static_cast<size_t>(tap) * block_size;
      std::copy(src, src + lanes, d_depthwise_sum + static_cast<size_t>(tap) * cm_count_ + c0);
    }
  }
}

}  // namespace sepconv
