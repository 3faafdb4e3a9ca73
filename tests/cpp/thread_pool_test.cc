// ThreadPool's contract: each task once, per-thread indices safe for per-thread scratch, and
// workers that really run concurrently and are joined on destruction.
#include "thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace sepconv {
namespace {

TEST(ThreadPool, EveryTaskRunsExactlyOnce) {
  for (int threads : {1, 2, 3, 4}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.threads(), threads);
    for (int tasks : {1, 2, 3, 5, 64, 1000}) {
      std::vector<std::atomic<int>> runs(tasks);
      pool.run(tasks, [&](int task, int) { runs[task].fetch_add(1); });
      for (int task = 0; task < tasks; ++task) {
        ASSERT_EQ(runs[task].load(), 1)
            << "task " << task << " of " << tasks << ", " << threads << " threads";
      }
    }
  }
}

TEST(ThreadPool, ThreadIndicesAreInRangeAndNeverShared) {
  for (int threads : {1, 2, 3, 4}) {
    ThreadPool pool(threads);
    // A task marks its index busy while it runs; finding the mark already set means another
    // running task holds the same index, and so would share its scratch memory.
    std::vector<std::atomic<bool>> busy(threads);
    std::atomic<int> out_of_range{0}, shared{0};
    pool.run(2000, [&](int, int thread) {
      if (thread < 0 || thread >= threads) {
        out_of_range.fetch_add(1);
        return;
      }
      if (busy[thread].exchange(true)) shared.fetch_add(1);
      std::this_thread::yield();  // widen the window in which a clash would show
      busy[thread].store(false);
    });
    EXPECT_EQ(out_of_range.load(), 0) << threads << " threads";
    EXPECT_EQ(shared.load(), 0) << threads << " threads";
  }
}

// Each task waits until all have started; that completes only if they run on distinct threads.
TEST(ThreadPool, TasksRunConcurrently) {
  constexpr int kThreads = 3;
  ThreadPool pool(kThreads);
  std::mutex mutex;
  std::condition_variable all_started;
  int started = 0;
  std::atomic<int> timed_out{0};
  pool.run(kThreads, [&](int, int) {
    std::unique_lock<std::mutex> lock(mutex);
    if (++started == kThreads) all_started.notify_all();
    // A timeout, not a hang, if the pool serialised the tasks.
    if (!all_started.wait_for(lock, std::chrono::seconds(10),
                              [&] { return started == kThreads; })) {
      timed_out.fetch_add(1);
    }
  });
  EXPECT_EQ(timed_out.load(), 0);
}

TEST(ThreadPool, ZeroTasksCallNothing) {
  ThreadPool pool(3);
  std::atomic<int> calls{0};
  pool.run(0, [&](int, int) { calls.fetch_add(1); });
  EXPECT_EQ(calls.load(), 0);
}

TEST(ThreadPool, ReusableAcrossManyRuns) {
  ThreadPool pool(3);
  for (int run = 0; run < 2000; ++run) {
    const int tasks = 1 + run % 7;
    std::atomic<int> sum{0};
    pool.run(tasks, [&](int task, int) { sum.fetch_add(task + 1); });
    ASSERT_EQ(sum.load(), tasks * (tasks + 1) / 2) << "run " << run;
  }
}

// Counts worker threads that have exited: a thread_local's destructor runs as its thread ends.
// It lingers first, so a destructor that returned without joining would see the count short.
std::atomic<int> exited_workers{0};
struct ExitCounter {
  ~ExitCounter() {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    exited_workers.fetch_add(1);
  }
};

TEST(ThreadPool, DestructionJoinsWorkers) {
  constexpr int kThreads = 4;
  exited_workers = 0;
  auto pool = std::make_unique<ThreadPool>(kThreads);
  std::mutex mutex;
  std::condition_variable all_started;
  int started = 0;
  // As in TasksRunConcurrently, every worker must take a task; each arms its exit counter.
  pool->run(kThreads, [&](int, int thread) {
    if (thread != 0) {
      thread_local ExitCounter counter;
      (void)counter;
    }
    std::unique_lock<std::mutex> lock(mutex);
    if (++started == kThreads) all_started.notify_all();
    all_started.wait_for(lock, std::chrono::seconds(10), [&] { return started == kThreads; });
  });
  EXPECT_EQ(exited_workers.load(), 0);  // workers idle, still alive
  pool.reset();
  EXPECT_EQ(exited_workers.load(), kThreads - 1);
}

}  // namespace
}  // namespace sepconv
