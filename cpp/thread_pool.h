// A fixed pool of threads that the calling thread joins: run() splits tasks over the pool and
// returns when every task is done. Threads are created once (in wasm, from the pre-spawned
// pthread workers), so a call costs a wake-up, not a thread start.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sepconv {

class ThreadPool {
 public:
  // `threads` counts the calling thread: ThreadPool(1) runs everything inline.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(task, thread) for each task in [0, tasks); `thread` in [0, threads()) is unique
  // among concurrently running calls, so it can index per-thread scratch memory.
  void run(int tasks, const std::function<void(int task, int thread)>& fn);

 private:
  void work(int thread);
  void drain(int thread);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(int, int)>* job_ = nullptr;
  int tasks_ = 0;
  int next_task_ = 0;
  int unfinished_ = 0;
  std::atomic<uint64_t> generation_{0};  // read without the lock while a worker spins
  std::atomic<bool> stopping_{false};
};

}  // namespace sepconv
