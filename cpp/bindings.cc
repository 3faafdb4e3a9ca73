// Embind surface: the operator, with buffers passed as wasm heap addresses. The JavaScript
// wrapper validates arguments and owns every allocation; nothing here checks or allocates.
//
// SepConvParams and FilterShape cross as doubles that JavaScript writes at paramsAddress()
// (js/wasm_params.js), not as an Embind value_object: Embind's glue walks a value_object's fields with for-in, which
// also visits whatever enumerable properties a page added to Object.prototype, and then fails.
#include <emscripten/bind.h>

#include <malloc.h>

#include <memory>

#include "separable_conv2d.h"
#include "separable_conv2d_backward.h"

namespace {

using sepconv::FilterShape;
using sepconv::BackwardTensors;
using sepconv::SepConvParams;
using sepconv::SeparableConv2d;
using sepconv::SeparableConv2dBackward;
using sepconv::ThreadPool;

std::unique_ptr<ThreadPool>& pool() {
  static std::unique_ptr<ThreadPool> instance = std::make_unique<ThreadPool>(1);
  return instance;
}

// caller_helps false: the pool's `threads` workers compute while the calling thread (a page's
// main thread) waits without blocking on jobs_done_address().
void set_threads(int threads, bool caller_helps) {
#ifndef __EMSCRIPTEN_PTHREADS__
  // A build without pthreads cannot start a thread (std::thread would abort). The JS wrapper
  // refuses threads > 1 for these builds with a clear error; this is only the last guard.
  threads = 1;
  caller_helps = true;
#endif
  pool().reset();  // join the old workers first, so their pthread workers return to the pool
  pool() = std::make_unique<ThreadPool>(threads, caller_helps);
}

uintptr_t jobs_done_address() { return reinterpret_cast<uintptr_t>(&pool()->jobs_done()); }

int threads() { return pool()->threads(); }

// Bytes the allocator has handed out and not taken back: exact, so a leak of any size shows.
size_t heap_bytes_in_use() { return mallinfo().uordblks; }

template <typename T>
T* at(uintptr_t address) {
  return reinterpret_cast<T*>(address);
}

// The fields in js/wasm_params.js's order; doubles hold every int32 and float exactly.
constexpr int kParamCount = 19;
double params_slot[kParamCount];

uintptr_t params_address() { return reinterpret_cast<uintptr_t>(params_slot); }

SepConvParams params_at(uintptr_t address) {
  const double* v = at<const double>(address);
  SepConvParams p;
  int32_t* ints[] = {&p.batch, &p.in_h, &p.in_w, &p.in_c,                  // input
                     &p.k_h, &p.k_w, &p.multiplier, &p.out_c,             // filters
                     &p.out_h, &p.out_w,                                  // output
                     &p.stride_h, &p.stride_w, &p.dilation_h, &p.dilation_w,
                     &p.pad_top, &p.pad_left};
  int i = 0;
  for (int32_t* field : ints) *field = static_cast<int32_t>(v[i++]);
  p.nchw = v[i++] != 0;
  p.output_min = static_cast<float>(v[i++]);
  p.output_max = static_cast<float>(v[i++]);
  return p;
}

// The fields in js/wasm_params.js's FILTER_FIELDS order, written to the same slot.
FilterShape filter_shape_at(uintptr_t address) {
  const double* v = at<const double>(address);
  FilterShape f;
  int32_t* ints[] = {&f.k_h, &f.k_w, &f.in_c, &f.multiplier, &f.out_c};
  int i = 0;
  for (int32_t* field : ints) *field = static_cast<int32_t>(v[i++]);
  return f;
}

SeparableConv2d* new_op(uintptr_t params) { return new SeparableConv2d(params_at(params)); }

// Sizes go to JavaScript as doubles: exact to 2^53, where a 32-bit size_t would wrap.
double workspace_bytes(const SeparableConv2d& op) {
  return static_cast<double>(op.workspace_bytes(threads()));
}

double packed_weights_bytes(uintptr_t filter_shape) {
  return static_cast<double>(sepconv::packed_weights_bytes(filter_shape_at(filter_shape)));
}

// bias == 0 means no bias.
void pack_weights(uintptr_t filter_shape, uintptr_t depthwise, uintptr_t pointwise,
                  uintptr_t bias, uintptr_t packed) {
  sepconv::pack_weights(filter_shape_at(filter_shape), at<const float>(depthwise),
                        at<const float>(pointwise), at<const float>(bias), at<float>(packed));
}

// start() returns while the pool's workers compute; JavaScript does its own work meanwhile and
// then calls join(), where the calling thread helps finish. No other call may come in between.
// With input_arriving, JavaScript copies the input in after start(), raising the count at
// input_rows_ready_address() as it goes; with rows_finished (0: none), it may call help() and
// copy out the rows flagged finished in between (SeparableConv2d::start).
void start(SeparableConv2d& op, uintptr_t input, uintptr_t packed, uintptr_t output,
           uintptr_t workspace, bool input_arriving, uintptr_t rows_finished) {
  op.start(at<const float>(input), at<const float>(packed), at<float>(output), at<void>(workspace),
           *pool(), input_arriving, at<std::atomic<int32_t>>(rows_finished));
}

// Steps as doubles, as rows.
double help(SeparableConv2d&, double max_steps) {
  return static_cast<double>(pool()->help(static_cast<int64_t>(max_steps)));
}

uintptr_t input_rows_ready_address(SeparableConv2d& op) {
  return reinterpret_cast<uintptr_t>(&op.input_rows_ready());
}

void join(SeparableConv2d&) { pool()->join(); }

// Rows as doubles: exact to 2^53.
double rows(const SeparableConv2d& op) { return static_cast<double>(op.rows()); }

void run_slice(const SeparableConv2d& op, uintptr_t input, uintptr_t packed, uintptr_t output,
               uintptr_t workspace, double first_row, double end_row) {
  op.run_slice(at<const float>(input), at<const float>(packed), at<float>(output),
               at<void>(workspace), static_cast<int64_t>(first_row), static_cast<int64_t>(end_row));
}

// The backward pass (separable_conv2d_backward.h), with the same conventions: addresses in, sizes
// as doubles, start() then join().
SeparableConv2dBackward* new_backward_op(uintptr_t params) {
  return new SeparableConv2dBackward(params_at(params));
}

double backward_workspace_bytes(const SeparableConv2dBackward& op) {
  return static_cast<double>(op.workspace_bytes(threads()));
}

double backward_packed_weights_bytes(uintptr_t filter_shape) {
  return static_cast<double>(sepconv::backward_packed_weights_bytes(filter_shape_at(filter_shape)));
}

// From the layer's forward packing (pack_weights): a layer keeps no filters.
void pack_backward_weights(uintptr_t filter_shape, uintptr_t forward_packed, uintptr_t packed) {
  sepconv::pack_backward_weights_from_forward(filter_shape_at(filter_shape),
                                              at<const float>(forward_packed), at<float>(packed));
}

BackwardTensors backward_tensors(uintptr_t input, uintptr_t output, uintptr_t d_output,
                                 uintptr_t d_input, uintptr_t d_depthwise, uintptr_t d_pointwise,
                                 uintptr_t d_bias) {
  return {at<const float>(input), at<const float>(output), at<const float>(d_output),
          at<float>(d_input),      at<float>(d_depthwise),  at<float>(d_pointwise),
          at<float>(d_bias)};
}

// A gradient's address 0 means it is not wanted. output is the forward's y (the activation's
// mask reads it; 0 when the params have no activation, both bounds infinite), d_output is dy.
void backward_start(SeparableConv2dBackward& op, uintptr_t input, uintptr_t output,
                    uintptr_t d_output, uintptr_t d_input, uintptr_t d_depthwise,
                    uintptr_t d_pointwise, uintptr_t d_bias, uintptr_t packed,
                    uintptr_t workspace) {
  op.start(backward_tensors(input, output, d_output, d_input, d_depthwise, d_pointwise, d_bias),
           at<const float>(packed), at<void>(workspace), *pool());
}

void backward_join(SeparableConv2dBackward&) { pool()->join(); }

// Channel blocks [first, end) on the calling thread: a page's slices (run_blocks()).
void backward_run_blocks(const SeparableConv2dBackward& op, uintptr_t input, uintptr_t output,
                         uintptr_t d_output, uintptr_t d_input, uintptr_t d_depthwise,
                         uintptr_t d_pointwise, uintptr_t d_bias, uintptr_t packed,
                         uintptr_t workspace, int block_size, int first, int end) {
  op.run_blocks(
      backward_tensors(input, output, d_output, d_input, d_depthwise, d_pointwise, d_bias),
      at<const float>(packed), at<void>(workspace), block_size, first, end);
}

int backward_slice_unit(const SeparableConv2dBackward& op) { return op.slice_unit(); }
int backward_max_block(const SeparableConv2dBackward& op) { return op.max_block(); }

}  // namespace

EMSCRIPTEN_BINDINGS(sepconv) {
  emscripten::class_<SeparableConv2d>("SeparableConv2d")
      .constructor(&new_op)
      .function("workspaceBytes", &workspace_bytes)
      .function("start", &start)
      .function("join", &join)
      .function("help", &help)
      .function("inputRowsReadyAddress", &input_rows_ready_address)
      .function("rows", &rows)
      .function("runSlice", &run_slice);

  emscripten::class_<SeparableConv2dBackward>("SeparableConv2dBackward")
      .constructor(&new_backward_op)
      .function("workspaceBytes", &backward_workspace_bytes)
      .function("start", &backward_start)
      .function("join", &backward_join)
      .function("runBlocks", &backward_run_blocks)
      .function("sliceUnit", &backward_slice_unit)
      .function("maxBlock", &backward_max_block);

  emscripten::function("paramsAddress", &params_address);
  emscripten::function("packedWeightsBytes", &packed_weights_bytes);
  emscripten::function("packWeights", &pack_weights);
  emscripten::function("backwardPackedWeightsBytes", &backward_packed_weights_bytes);
  emscripten::function("packBackwardWeights", &pack_backward_weights);

  emscripten::function("setThreads", &set_threads);
  emscripten::function("threads", &threads);
  emscripten::function("jobsDoneAddress", &jobs_done_address);
  emscripten::function("heapBytesInUse", &heap_bytes_in_use);
}
