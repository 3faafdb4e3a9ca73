// ThreadPool's contract: each task once, per-thread indices safe for per-thread scratch, and
// workers that really run concurrently and are joined on destruction.
#include "thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
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

// Chunks cover every unit once, in order of handing out; a chunk of at least `align` units is a
// multiple of it; only the last may be below min_chunk; none is above max_chunk (unless min_chunk
// is); they shrink as the job proceeds.
TEST(ThreadPool, GuidedChunksCoverTheUnitsAsScheduled) {
  struct Case {
    int threads;
    Schedule schedule;
  };
  const Case cases[] = {{1, {100, 1, 1}}, {2, {112, 1, 1}}, {2, {28, 3, 1}}, {3, {1000, 7, 1}},
                        {2, {128, 1, 64}}, {3, {13, 1, 5}}, {2, {1, 1, 1}}, {4, {3, 2, 1}},
                        {2, {100, 1, 1, 10}}, {3, {64, 4, 1, 8}}, {2, {13, 1, 1, 2}},
                        {2, {40, 1, 6, 4}}};
  for (const Case& c : cases) {
    ThreadPool pool(c.threads);
    std::mutex mutex;
    std::vector<std::pair<int64_t, int64_t>> chunks;
    auto record = [&](int64_t begin, int64_t end, int) {
      std::lock_guard<std::mutex> lock(mutex);
      chunks.emplace_back(begin, end);
    };
    pool.start(c.schedule, record);
    pool.join();
    std::sort(chunks.begin(), chunks.end());
    const std::string what = std::to_string(c.threads) + " threads, " +
                             std::to_string(c.schedule.units) + " units, align " +
                             std::to_string(c.schedule.align) + ", min " +
                             std::to_string(c.schedule.min_chunk) + ", max " +
                             std::to_string(c.schedule.max_chunk);
    int64_t covered = 0;
    for (size_t i = 0; i < chunks.size(); ++i) {
      const int64_t size = chunks[i].second - chunks[i].first;
      ASSERT_EQ(chunks[i].first, covered) << what;
      ASSERT_GE(size, 1) << what;
      EXPECT_LE(size, std::max(c.schedule.max_chunk, c.schedule.min_chunk)) << what << ", chunk " << i;
      if (size >= c.schedule.align && i + 1 < chunks.size()) {
        EXPECT_EQ(size % c.schedule.align, 0) << what << ", chunk " << i;
      }
      if (i + 1 < chunks.size()) {
        EXPECT_GE(size, c.schedule.min_chunk) << what << ", chunk " << i;
        EXPECT_GE(size, chunks[i + 1].second - chunks[i + 1].first) << what << ", chunk " << i;
      }
      covered = chunks[i].second;
    }
    EXPECT_EQ(covered, c.schedule.units) << what;
    if (c.threads == 1) EXPECT_EQ(chunks.size(), 1u) << what;
  }
}

// With a step, a thread runs its chunk a step at a time, and others take steps it has not begun:
// pieces of at most `step` units that together cover every unit once.
TEST(ThreadPool, StepsCoverEveryUnitOnce) {
  constexpr int64_t kUnits = 203;
  for (int threads : {1, 2, 3}) {
    for (int64_t step : {1, 3, 4}) {
      ThreadPool pool(threads);
      Schedule schedule;
      schedule.units = kUnits;
      schedule.align = 4;
      schedule.step = step;
      std::vector<std::atomic<int>> runs(kUnits);
      std::atomic<int> too_large{0};
      const auto count = [&](int64_t begin, int64_t end, int) {
        if (end - begin > step) too_large.fetch_add(1);
        for (int64_t unit = begin; unit < end; ++unit) runs[unit].fetch_add(1);
      };
      pool.start(schedule, count);
      pool.join();
      const std::string what = std::to_string(threads) + " threads, step " + std::to_string(step);
      EXPECT_EQ(too_large.load(), 0) << what;
      for (int64_t unit = 0; unit < kUnits; ++unit) ASSERT_EQ(runs[unit].load(), 1) << what << ", unit " << unit;
    }
  }
}

// A thread descheduled in the middle of its chunk, as on a busy machine (here: the first thread to
// start a step stalls in it until every other unit has run, or 10 s): the others take the steps
// it has not begun, so the job waits for its one step only. With the caller helping, and without.
TEST(ThreadPool, AStalledThreadsStepsNotBegunAreTakenByOthers) {
  constexpr int64_t kUnits = 64;
  for (bool caller_helps : {true, false}) {
    ThreadPool pool(2, caller_helps);
    std::vector<std::atomic<int>> runs(kUnits);
    std::atomic<int64_t> done{0};
    std::atomic<int> stalled{-1};
    std::atomic<int64_t> on_stalled{0};
    Schedule schedule;
    schedule.units = kUnits;
    schedule.step = 1;
    const auto work = [&](int64_t begin, int64_t end, int thread) {
      int none = -1;
      if (stalled.compare_exchange_strong(none, thread)) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (done.load() < kUnits - (end - begin) && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      }
      if (thread == stalled.load()) on_stalled.fetch_add(end - begin);
      for (int64_t unit = begin; unit < end; ++unit) runs[unit].fetch_add(1);
      done.fetch_add(end - begin);
    };
    pool.start(schedule, work);
    if (!caller_helps) {
      while (pool.jobs_done().load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    pool.join();
    EXPECT_EQ(on_stalled.load(), 1) << (caller_helps ? "with" : "without") << " the caller";
    for (int64_t unit = 0; unit < kUnits; ++unit) ASSERT_EQ(runs[unit].load(), 1) << "unit " << unit;
  }
}

// start() alone must set the workers going: the JS wrapper does its own work before join().
TEST(ThreadPool, WorkersRunChunksBeforeTheCallerJoins) {
  for (int threads : {2, 3}) {
    ThreadPool pool(threads);
    std::atomic<int64_t> done{0};
    auto count = [&](int64_t begin, int64_t end, int) { done.fetch_add(end - begin); };
    Schedule schedule;
    schedule.units = 50;
    pool.start(schedule, count);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (done.load() < schedule.units && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(done.load(), schedule.units) << threads << " threads: the workers waited for join()";
    pool.join();
  }
}

// With one thread, or a job of one chunk, nothing runs until join(), and then on the caller.
TEST(ThreadPool, OneChunkJobsRunInJoin) {
  for (int threads : {1, 3}) {
    ThreadPool pool(threads);
    Schedule schedule;
    schedule.units = 5;
    if (threads > 1) schedule.min_chunk = 5;
    std::atomic<int> on_caller{0}, before_join{0};
    std::atomic<bool> joined{false};
    auto note = [&](int64_t, int64_t, int thread) {
      if (!joined) before_join.fetch_add(1);
      if (thread == 0) on_caller.fetch_add(1);
    };
    pool.start(schedule, note);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    joined = true;
    pool.join();
    EXPECT_EQ(before_join.load(), 0) << threads << " threads";
    EXPECT_EQ(on_caller.load(), 1) << threads << " threads";
  }
}

// Without a helping caller (a page's main thread), the workers run every chunk, none on the
// caller, and jobs_done() moves on before join() is called: a caller that must not block waits
// for that, then joins at no cost.
TEST(ThreadPool, WithoutTheCallerTheWorkersRunEveryChunk) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads, /*caller_helps=*/false);
    EXPECT_EQ(pool.threads(), threads);
    const std::thread::id caller = std::this_thread::get_id();
    for (int job = 0; job < 200; ++job) {
      const int64_t units = 1 + job % 37;
      std::vector<std::atomic<int>> runs(units);
      std::atomic<int> on_caller{0}, out_of_range{0};
      auto record = [&](int64_t begin, int64_t end, int thread) {
        if (std::this_thread::get_id() == caller) on_caller.fetch_add(1);
        if (thread < 0 || thread >= threads) out_of_range.fetch_add(1);
        for (int64_t unit = begin; unit < end; ++unit) runs[unit].fetch_add(1);
      };
      Schedule schedule;
      schedule.units = units;
      const int32_t before = pool.jobs_done().load();
      pool.start(schedule, record);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (pool.jobs_done().load() == before && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
      }
      ASSERT_EQ(pool.jobs_done().load(), before + 1) << threads << " threads, job " << job;
      pool.join();
      ASSERT_EQ(on_caller.load(), 0) << threads << " threads, job " << job;
      ASSERT_EQ(out_of_range.load(), 0) << threads << " threads, job " << job;
      for (int64_t unit = 0; unit < units; ++unit) {
        ASSERT_EQ(runs[unit].load(), 1) << threads << " threads, job " << job << ", unit " << unit;
      }
    }
  }
}

TEST(ThreadPool, JobsDoneCountsEveryJobOnceInBothModes) {
  for (bool caller_helps : {true, false}) {
    ThreadPool pool(2, caller_helps);
    for (int job = 0; job < 100; ++job) {
      pool.run(job % 5, [](int, int) {});  // jobs of 0 to 4 tasks
      ASSERT_EQ(pool.jobs_done().load(), job + 1) << "caller_helps " << caller_helps;
    }
  }
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

// More threads than cores, as on a busy machine: every unit of every job runs exactly once,
// whoever is descheduled when, and every job finishes.
TEST(ThreadPool, OversubscribedEveryUnitRunsOnce) {
  const int threads = 4 * std::max(2u, std::thread::hardware_concurrency());
  ThreadPool pool(threads);
  for (int job = 0; job < 300; ++job) {
    const int64_t units = 1 + (job * 37) % 500;
    std::vector<std::atomic<int>> runs(units);
    Schedule schedule;
    schedule.units = units;
    schedule.align = 1 + job % 4;
    schedule.step = job % 3;  // chunks whole, a unit at a time, or two
    const auto count = [&](int64_t begin, int64_t end, int) {
      for (int64_t unit = begin; unit < end; ++unit) runs[unit].fetch_add(1);
    };
    pool.start(schedule, count);  // count must outlive join()
    pool.join();
    for (int64_t unit = 0; unit < units; ++unit) {
      ASSERT_EQ(runs[unit].load(), 1) << threads << " threads, job " << job << ", unit " << unit;
    }
  }
}

// A worker that is descheduled for 2 ms in each chunk it takes, as on a busy machine: the
// caller's first chunk waits until a worker has one, so that one does, unless the job runs on
// the caller alone. Every unit of every job runs once; once the job's record has both ways
// measured (the 64th job runs alone), the jobs run alone, but for one in 64 with the workers.
TEST(ThreadPool, JobsSlowerWithTheWorkersRunOnTheCallerAlone) {
  ThreadPool pool(2);
  WayRecord record;
  EXPECT_FALSE(record.prefers_solo());
  int solo_jobs_late = 0;
  for (int job = 0; job < 192; ++job) {
    std::vector<std::atomic<int>> runs(64);
    std::atomic<bool> worker_has_chunk{false};
    Schedule schedule;
    schedule.units = 64;
    schedule.record = &record;
    const auto stall_worker = [&](int64_t begin, int64_t end, int thread) {
      if (thread != 0) {
        worker_has_chunk = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      } else if (!pool.solo()) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!worker_has_chunk && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
      }
      for (int64_t unit = begin; unit < end; ++unit) runs[unit].fetch_add(1);
    };
    pool.start(schedule, stall_worker);
    pool.join();
    for (int unit = 0; unit < 64; ++unit) ASSERT_EQ(runs[unit].load(), 1) << "job " << job << ", unit " << unit;
    if (job < 63) EXPECT_FALSE(pool.solo()) << "job " << job << ": the caller alone is not measured yet";
    if (job == 63) EXPECT_TRUE(pool.solo()) << "the 64th job measures the caller alone";
    if (job >= 64 && pool.solo()) ++solo_jobs_late;
  }
  EXPECT_TRUE(record.prefers_solo());
  // One probe in 128 jobs: two jobs with the workers, the first of which wakes them.
  EXPECT_EQ(solo_jobs_late, 128 - 2) << "all but the probe alone";
}

// help() runs a helping caller's steps, at most as many as asked, in thread index 0, until none
// is left to take; with the workers' steps they cover every unit once.
TEST(ThreadPool, HelpRunsTheCallersStepsAFewAtATime) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    for (int job = 0; job < 20; ++job) {
      std::vector<std::atomic<int>> runs(200);
      std::atomic<int> misplaced{0};
      Schedule schedule;
      schedule.units = 200;
      schedule.step = 2;
      const std::thread::id caller = std::this_thread::get_id();
      const auto mark = [&](int64_t begin, int64_t end, int thread) {
        if ((std::this_thread::get_id() == caller) != (thread == 0)) misplaced.fetch_add(1);
        for (int64_t unit = begin; unit < end; ++unit) runs[unit].fetch_add(1);
      };
      pool.start(schedule, mark);
      int64_t steps = 0;
      for (int64_t ran; (ran = pool.help(3)) > 0;) {
        ASSERT_LE(ran, 3);
        steps += ran;
      }
      EXPECT_EQ(pool.help(3), 0) << "nothing is left to take";
      pool.join();
      for (int unit = 0; unit < 200; ++unit) ASSERT_EQ(runs[unit].load(), 1) << threads << " threads, unit " << unit;
      EXPECT_EQ(misplaced.load(), 0);
      if (threads == 1) EXPECT_EQ(steps, 100) << "alone, the caller runs every step in help()";
    }
  }
}

// help() leaves to join() a job on the caller alone, and has nothing for a caller that does not
// help, whose solo jobs run on a worker.
TEST(ThreadPool, HelpLeavesSoloJobsToJoinAndRunsNothingWithoutTheCaller) {
  WayRecord record;  // the caller alone measured far faster: the next job runs solo
  for (int way = 0; way < 2; ++way) {
    for (double& ns : record.recent[way].ns) ns = way == 0 ? 1e3 : 1e6;
    record.recent[way].count = WayRecord::kSize;
  }
  ThreadPool helping(2);
  ThreadPool not_helping(2, /*caller_helps=*/false);
  for (ThreadPool* pool : {&helping, &not_helping}) {
    std::vector<std::atomic<int>> runs(64);
    Schedule schedule;
    schedule.units = 64;
    schedule.step = 1;
    schedule.record = &record;
    const auto mark = [&](int64_t begin, int64_t end, int) {
      for (int64_t unit = begin; unit < end; ++unit) runs[unit].fetch_add(1);
    };
    pool->start(schedule, mark);
    EXPECT_EQ(pool->help(1), 0);
    pool->join();
    for (int unit = 0; unit < 64; ++unit) ASSERT_EQ(runs[unit].load(), 1) << "unit " << unit;
    EXPECT_TRUE(pool->solo());
  }
}

// A job timed by the caller: its own work between help() calls (copying results out) does not
// count against the workers. Timed from start() to join(), these jobs went to the caller alone.
TEST(ThreadPool, TheCallersWorkBetweenHelpCallsDoesNotCountAgainstTheWorkers) {
  ThreadPool pool(2);
  WayRecord record;
  for (int job = 0; job < 130; ++job) {
    Schedule schedule;
    schedule.units = 32;
    schedule.step = 1;
    schedule.record = &record;
    schedule.timed_by_caller = true;
    const auto unit_of_work = [](int64_t, int64_t, int) {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    };
    pool.start(schedule, unit_of_work);
    while (pool.help(1) > 0) std::this_thread::sleep_for(std::chrono::milliseconds(4));
    pool.join();
  }
  EXPECT_FALSE(record.prefers_solo()) << "caller alone " << record.recent[0].median() << " ns, with the worker "
                                      << record.recent[1].median() << " ns";
}

// Without a helping caller (a page's pool), a job slower on every worker than on one runs on
// the first worker to come alone: here each step takes twelve times longer while another runs, as
// two threads sharing one core beside a busy one. (Six times was too little under the sanitizers
// with ctest -j2: a 50 us sleep took 150 us there, and solo jobs read 0.79 of the workers' time,
// too close to the records' margin.) Every unit runs once; a solo job's steps run on one thread;
// once both ways are measured (the 64th job is solo), all but the probes are solo.
TEST(ThreadPool, WithoutTheCallerJobsSlowerOnEveryWorkerRunOnOne) {
  ThreadPool pool(2, /*caller_helps=*/false);
  WayRecord record;
  int solo_jobs_late = 0;
  for (int job = 0; job < 192; ++job) {
    std::vector<std::atomic<int>> runs(32);
    std::vector<std::atomic<int>> thread_of(32);
    std::atomic<int> active{0};
    Schedule schedule;
    schedule.units = 32;
    schedule.step = 1;
    schedule.record = &record;
    const auto crowded = [&](int64_t begin, int64_t end, int thread) {
      const bool alone = active.fetch_add(1) == 0;
      std::this_thread::sleep_for(std::chrono::microseconds(alone ? 50 : 600));
      active.fetch_sub(1);
      for (int64_t unit = begin; unit < end; ++unit) {
        runs[unit].fetch_add(1);
        thread_of[unit] = thread;
      }
    };
    pool.start(schedule, crowded);
    pool.join();
    for (int unit = 0; unit < 32; ++unit) ASSERT_EQ(runs[unit].load(), 1) << "job " << job << ", unit " << unit;
    if (job < 63) EXPECT_FALSE(pool.solo()) << "job " << job << ": solo is not measured yet";
    if (job == 63) EXPECT_TRUE(pool.solo()) << "the 64th job measures solo";
    if (pool.solo()) {
      for (int unit = 1; unit < 32; ++unit) ASSERT_EQ(thread_of[unit].load(), thread_of[0].load()) << "job " << job;
      if (job >= 64) ++solo_jobs_late;
    }
  }
  EXPECT_TRUE(record.prefers_solo()) << "solo " << record.recent[0].median() << " ns, every worker "
                                     << record.recent[1].median() << " ns";
  // A probe with the workers is two jobs (the first wakes them), and one that wins brings another:
  // on a loaded machine (ctest -j2 under the sanitizers) the count varies by a probe or two.
  EXPECT_GE(solo_jobs_late, 128 - 6) << "all but the probes solo";
  EXPECT_LE(solo_jobs_late, 128 - 1) << "the workers probed";
}

// The ways are compared by their median and upper quartile together: two slow jobs in the last
// five with the workers (one of them descheduled, beside a busy process) make the caller alone
// preferred, though the median alone would keep the workers; one slow job changes nothing.
TEST(WayRecord, AWayAsFastAtTheMedianButOftenSlowLoses) {
  const auto record_of = [](std::initializer_list<double> pooled_ms, double solo_ms) {
    WayRecord record;
    for (int i = 0; i < WayRecord::kSize; ++i) record.add(true, false, solo_ms * 1e6);
    for (const double ms : pooled_ms) record.add(false, false, ms * 1e6);
    return record;
  };
  const WayRecord often_slow = record_of({1.0, 3.0, 1.0, 3.0, 1.0}, 1.05);
  ASSERT_EQ(often_slow.recent[1].median(), 1e6);
  EXPECT_EQ(often_slow.recent[1].quantile(0.75), 3e6);
  EXPECT_TRUE(often_slow.prefers_solo());
  EXPECT_FALSE(record_of({1.0, 1.0, 3.0, 1.0, 1.0}, 1.05).prefers_solo()) << "one slow job";
  EXPECT_FALSE(record_of({0.55, 0.6, 1.2, 0.55, 1.1}, 1.05).prefers_solo()) << "twice as fast, noisy";
}

// Jobs until the record's next probe (probe_next() is true), at most `limit`.
int jobs_to_probe(WayRecord& record, int limit = 1000) {
  for (int jobs = 1; jobs <= limit; ++jobs) {
    if (record.probe_next()) return jobs;
  }
  return -1;
}

// A record follows a change of the machine within a few jobs: a probe that beats the preferred way
// is followed by another at once, and four such turn the preference (the old slow times must
// leave the probed way's upper quartile too); a probe that loses leaves the next one 64 jobs away. A probe with the workers is two jobs, the first one, which wakes
// them, not recorded. Both ways round.
TEST(WayRecord, AProbeThatBeatsThePreferredWayIsFollowedByAnotherAtOnce) {
  for (const bool solo_first : {true, false}) {
    WayRecord record;
    const int preferred = solo_first ? 0 : 1;
    for (int way = 0; way < 2; ++way) {
      for (double& ns : record.recent[way].ns) ns = way == preferred ? 1e6 : 2e6;
      record.recent[way].count = WayRecord::kSize;
    }
    // A probe of the other way taking `ns`: with the workers, after a first job that wakes them.
    const auto probe = [&](double ns) {
      if (solo_first && !record.after_probe) {
        record.add(false, /*probe=*/true, 1e9);
        EXPECT_EQ(jobs_to_probe(record), 1) << "the workers, awake, are probed next";
        EXPECT_EQ(record.recent[1].median(), 2e6) << "the waking job is not recorded";
      }
      record.add(!solo_first, /*probe=*/true, ns);
    };
    ASSERT_EQ(record.prefers_solo(), solo_first);
    EXPECT_EQ(jobs_to_probe(record), 64);
    probe(3e6);  // lost: the machine is as it was
    EXPECT_EQ(jobs_to_probe(record), 64);
    record.add(solo_first, /*probe=*/false, 1e6);  // the workers go back to sleep
    for (int probes = 0; probes < 4; ++probes) {
      ASSERT_EQ(record.prefers_solo(), solo_first) << "probe " << probes;
      probe(0.5e6);  // won: the other way is faster now
      // Until the fourth turns the preference; then the old way is the probe, 64 jobs on.
      EXPECT_EQ(jobs_to_probe(record), probes < 3 ? 1 : 64) << "probe " << probes;
    }
    EXPECT_EQ(record.prefers_solo(), !solo_first);
    record.add(solo_first, /*probe=*/true, 1e6);  // the old way, probed: slower than 0.5e6
    EXPECT_EQ(jobs_to_probe(record), 64);
  }
}

// A record that a burst of noise left preferring the caller alone, on a machine where the workers
// halve the time: the first probe (the 64th job, which wakes the worker) is followed by four
// more at once, and from then on every job uses the workers. (With a probe every 64 jobs, it took
// until the 192nd, and the worker's waking could lose each of those probes.)
TEST(ThreadPool, AfterANoisyStretchJobsReturnToTheFasterWayWithinAFewJobs) {
  ThreadPool pool(2);
  WayRecord record;
  for (int way = 0; way < 2; ++way) {
    for (double& ns : record.recent[way].ns) ns = way == 0 ? 1e3 : 1e9;
    record.recent[way].count = WayRecord::kSize;
  }
  std::vector<bool> solo;
  std::atomic<int> active{0};
  for (int job = 0; job < 80; ++job) {
    Schedule schedule;
    schedule.units = 16;
    schedule.step = 1;
    schedule.record = &record;
    // Sleeping, so that the test needs no free core: a unit takes a quarter of the time while
    // another runs, as two threads share a job's work on an idle machine.
    const auto unit_of_work = [&active](int64_t, int64_t, int) {
      const bool together = active.fetch_add(1) > 0;
      std::this_thread::sleep_for(std::chrono::microseconds(together ? 100 : 400));
      active.fetch_sub(1);
    };
    pool.start(schedule, unit_of_work);
    pool.join();
    solo.push_back(pool.solo());
  }
  for (int job = 0; job < 63; ++job) EXPECT_TRUE(solo[job]) << "job " << job;
  for (int job = 63; job < 80; ++job) EXPECT_FALSE(solo[job]) << "job " << job;
  EXPECT_FALSE(record.prefers_solo());
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
