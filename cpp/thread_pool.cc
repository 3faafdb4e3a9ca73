#include "thread_pool.h"

#include <chrono>

namespace {

// How long an idle worker polls for the next job before it sleeps. Waking a sleeping thread
// costs far more than this (in a VM the host must reschedule the virtual CPU), and calls come
// in bursts with a little JavaScript in between; measured in npm run bench.
constexpr std::chrono::microseconds kSpinBeforeSleep{2000};

}  // namespace

namespace sepconv {

ThreadPool::ThreadPool(int threads) {
  for (int t = 1; t < threads; ++t) workers_.emplace_back([this, t] { work(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::run(int tasks, const std::function<void(int, int)>& fn) {
  if (tasks <= 0) return;
  if (workers_.empty() || tasks == 1) {
    for (int task = 0; task < tasks; ++task) fn(task, 0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &fn;
    tasks_ = tasks;
    next_task_ = 0;
    unfinished_ = tasks;
    ++generation_;
  }
  wake_.notify_all();
  drain(0);
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return unfinished_ == 0; });
  job_ = nullptr;
}

// Takes tasks of the current job until none are left.
void ThreadPool::drain(int thread) {
  std::unique_lock<std::mutex> lock(mutex_);
  while (job_ != nullptr && next_task_ < tasks_) {
    const int task = next_task_++;
    const auto* job = job_;
    lock.unlock();
    (*job)(task, thread);
    lock.lock();
    if (--unfinished_ == 0) done_.notify_one();
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
