// libFuzzer target: random bytes -> a bounded separable convolution (see fuzz_case.h for the
// layout), run with exactly-sized buffers on a pool of 1 or 2 threads and compared with the
// double-precision oracle. A disagreement aborts, so libFuzzer keeps the input as a crash.
//
//   bash scripts/fuzz.sh [seconds]        builds with clang-14 (ASan + UBSan) and runs
// Keep every crash input in tests/fuzz/regressions/: tests/cpp/fuzz_replay_test.cc replays them.
#include <cstdio>
#include <cstdlib>

#include "fuzz_case.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Created once: a pool per input would spend the run starting threads.
  static sepconv::ThreadPool one(1);
  static sepconv::ThreadPool two(2);
  sepconv::fuzz::Case c;
  if (!sepconv::fuzz::decode(data, size, &c)) return 0;
  const std::string problem = sepconv::fuzz::check(c, c.threads == 2 ? two : one);
  if (!problem.empty()) {
    std::fprintf(stderr, "separable_conv2d_fuzz: %s\n", problem.c_str());
    std::abort();
  }
  return 0;
}
