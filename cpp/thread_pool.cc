#include "thread_pool.h"

#include <algorithm>
#include <chrono>
#include <climits>

#ifdef __EMSCRIPTEN_PTHREADS__
#include <emscripten/threading.h>
#endif

namespace {

// How long an idle worker polls for the next job before it sleeps. Waking a sleeping thread
// can cost more than a whole call (in a VM the host must reschedule the virtual CPU), and calls
// come in bursts with a little JavaScript in between, which for a call that copies megabytes in
// and out takes longer than 200 us: with 200 us, npm run bench once saw a 2-thread layer run
// on one core. The cost of polling is that while it lasts, the first writes into a new result
// array are slower (see docs/performance.md).
constexpr std::chrono::microseconds kSpinBeforeSleep{2000};

}  // namespace

namespace sepconv {

ThreadPool::ThreadPool(int threads, bool caller_helps) : caller_helps_(caller_helps) {
  // Thread indices are [0, threads()): the helping caller is 0.
  for (int t = caller_helps ? 1 : 0; t < threads; ++t) workers_.emplace_back([this, t] { work(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::start(const Schedule& schedule, ChunkFn fn, const void* context) {
  std::lock_guard<std::mutex> lock(mutex_);
  fn_ = fn;
  context_ = context;
  schedule_ = schedule;
  next_unit_ = 0;
  running_ = 0;
  ++jobs_started_;
  if (schedule_.units == 0) {
    finish_job();
    return;
  }
  // A job of one chunk runs on a helping caller in join(): waking a worker only adds latency.
  if (caller_helps_ && (workers_.empty() || next_chunk() >= schedule_.units)) return;
  ++generation_;
  wake_.notify_all();
}

void ThreadPool::join() {
  if (caller_helps_) drain(0);
  // Every chunk is handed out; the others finish theirs within a chunk's time. Polling for a
  // while costs less than sleeping and being woken, as for the workers.
  const auto finished = [this] { return jobs_done_.load(std::memory_order_acquire) == jobs_started_; };
  const auto spin_end = std::chrono::steady_clock::now() + kSpinBeforeSleep;
  while (!finished() && std::chrono::steady_clock::now() < spin_end) {
  }
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, finished);
  fn_ = nullptr;
  context_ = nullptr;
}

void ThreadPool::finish_job() {
  jobs_done_.fetch_add(1, std::memory_order_release);
  done_.notify_one();
#ifdef __EMSCRIPTEN_PTHREADS__
  // Wakes a JavaScript caller waiting with Atomics.waitAsync on the counter.
  emscripten_futex_wake(&jobs_done_, INT_MAX);
#endif
}

// The size of the next chunk; the caller holds the lock.
int64_t ThreadPool::next_chunk() const {
  const int64_t remaining = schedule_.units - next_unit_;
  int64_t chunk = remaining / threads();
  if (chunk >= schedule_.align) chunk -= chunk % schedule_.align;
  return std::min(remaining, std::max({chunk, schedule_.min_chunk, int64_t{1}}));
}

// Takes chunks of the current job until none are left.
void ThreadPool::drain(int thread) {
  std::unique_lock<std::mutex> lock(mutex_);
  while (fn_ != nullptr && next_unit_ < schedule_.units) {
    const int64_t begin = next_unit_;
    next_unit_ += next_chunk();
    const int64_t end = next_unit_;
    const ChunkFn fn = fn_;
    const void* context = context_;
    ++running_;
    lock.unlock();
    fn(context, begin, end, thread);
    lock.lock();
    if (--running_ == 0 && next_unit_ >= schedule_.units) finish_job();
  }
}

void ThreadPool::work(int thread) {
  uint64_t seen = 0;
  for (;;) {
    const auto spin_end = std::chrono::steady_clock::now() + kSpinBeforeSleep;
    while (generation_.load(std::memory_order_acquire) == seen &&
           !stopping_.load(std::memory_order_acquire) &&
           std::chrono::steady_clock::now() < spin_end) {
    }
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
    }
    drain(thread);
  }
}

}  // namespace sepconv
