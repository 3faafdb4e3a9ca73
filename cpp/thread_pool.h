// A fixed pool of threads that the calling thread joins: start() hands a job to the pool's
// workers and returns at once; join() makes the caller take part and returns when the job is
// done. Between the two the caller may do other work (the JS wrapper allocates the result array
// there), which the workers overlap. Threads are created once (in wasm, from the pre-spawned
// pthread workers), so a call costs a wake-up, not a thread start.
//
// A caller that must not block (a browser page's main thread) uses a pool whose workers do all
// the work: it waits for jobs_done() to change without blocking (Atomics.waitAsync in
// JavaScript: the counter is woken as a futex), then calls join(), which returns at once.
//
// On a busy machine (more runnable threads than cores) the pool's threads take cores from each
// other, and wait for the step a descheduled thread is in the middle of (the rest of its chunk
// the others take: see Schedule): a job can be slower than on one thread alone, "solo": the
// helping caller, or without one, the first worker to come (only one is woken; the others take
// nothing). So a kind of job (one operator's) keeps a WayRecord of how long it took both ways,
// and runs the faster way; now and then a job runs the other way, to notice a change. A job is
// timed from start() to join(), the caller's work in between (copying in, allocating, waiting to
// be woken) the same both ways.
// A job whose caller copies results out between help() calls (into an array of its own: no page
// faults) is timed by the caller's time inside help() and join() alone: from start() to join(),
// the pooled way would hold those copies and the solo way, whose copies come after join(), not.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace sepconv {

// A job's units [0, units) are handed out in chunks, guided self-scheduling: each chunk is the
// remaining units divided by the thread count, so chunks start large (contiguous work, a few
// per thread) and shrink towards the end (threads finish together, and a caller that joins
// late still finds work). A chunk of at least `align` units is a multiple of `align`; no chunk
// is smaller than `min_chunk` except the last, nor larger than `max_chunk` (a multiple of align)
// unless min_chunk is.
// A thread runs its chunk `step` units at a time (0: all at once), and a thread that finds no
// chunk left takes the back half of the steps another thread has claimed and not begun (work
// stealing): a thread descheduled in the middle of its chunk, on a busy machine, leaves the others
// to wait for one step, not for the rest of its chunk.
// The last times of one kind of job solo ([0]) and on every thread ([1]), and the jobs since one
// ran the way not preferred (a probe). The ways are compared by the median plus the upper
// quartile of their times: one job slowed by something else changes nothing, and a way whose
// jobs are as fast at the median but often slow (a descheduled worker) loses.
struct WayRecord {
  static constexpr int kSize = 5;
  struct Recent {
    double ns[kSize] = {};
    uint64_t count = 0;  // measured so far
    double median() const { return quantile(0.5); }  // 0 until measured
    double cost() const { return quantile(0.5) + quantile(0.75); }  // what the ways are compared by
    double quantile(double q) const;  // of the times measured (the lower of two), 0 until one is
  } recent[2];
  int since_probe = 0;
  bool after_probe = false;  // the last job was a probe
  // Unmeasured, every thread is used; so it is until solo is measured too.
  bool prefers_solo() const;
  // Whether the next job is a probe; counts the job.
  bool probe_next();
  // A job's time. A probe that beat the preferred way brings the next probe forward to the next
  // job, until its way is preferred: a change of the machine is followed within a few jobs. A
  // probe with the workers is two jobs, the first (which wakes them) not recorded.
  void add(bool solo, bool probe, double ns);
};

struct Schedule {
  int64_t units = 0;
  int64_t align = 1;
  int64_t min_chunk = 1;
  int64_t max_chunk = INT64_MAX;
  int64_t step = 0;
  WayRecord* record = nullptr;  // the job's kind; without, the workers help whatever it costs
  bool timed_by_caller = false;  // by the caller's time in help() and join() (see the top)
};

class ThreadPool {
 public:
  // A job calls fn(context, begin, end, thread) for pieces [begin, end) that cover its units
  // once: chunks, or their steps (see Schedule). `thread` in [0, threads()) is unique among
  // concurrently running calls, so it can index per-thread scratch memory. A plain function and a
  // pointer rather than a std::function, so starting a job allocates nothing.
  using ChunkFn = void (*)(const void* context, int64_t begin, int64_t end, int thread);

  // `threads` threads compute. With caller_helps the calling thread is one of them, so
  // ThreadPool(1) runs everything inline, in join(); without, the pool has `threads` workers.
  explicit ThreadPool(int threads, bool caller_helps = true);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + (caller_helps_ ? 1 : 0); }

  // Jobs finished since the pool was made. Incremented (and woken, as a futex on its address)
  // when a job's last chunk is done, before join() can return.
  const std::atomic<int32_t>& jobs_done() const { return jobs_done_; }

  // Starts a job. The context must stay valid until join() returns; one job at a time.
  void start(const Schedule& schedule, ChunkFn fn, const void* context);

  // Runs the started job's remaining chunks on the calling thread (if it helps) and waits for
  // the others.
  void join();

  // Runs at most max_steps steps of the started job on a helping caller, and returns how many:
  // 0 once none is left to take (others may still be finishing theirs; join() waits for them).
  // Between calls the caller does other work, such as copying out what is finished. A caller
  // that does not help, or a job on the caller alone (see the top), gets 0: join() runs it.
  int64_t help(int64_t max_steps);

  // The last started job runs solo, on one thread (see the top).
  bool solo() const { return solo_; }

  // start() with a callable fn(begin, end, thread), which must stay valid until join() returns.
  template <typename Fn>
  void start(const Schedule& schedule, const Fn& fn) {
    start(schedule, [](const void* f, int64_t begin, int64_t end, int thread) {
      (*static_cast<const Fn*>(f))(begin, end, thread);
    }, &fn);
  }

  // start() and join() over `tasks` units with fn(task, thread) for each.
  template <typename Fn>
  void run(int64_t tasks, const Fn& fn) {
    Schedule schedule;
    schedule.units = tasks;
    const auto each = [&fn](int64_t begin, int64_t end, int thread) {
      for (int64_t task = begin; task < end; ++task) fn(task, thread);
    };
    start(schedule, each);
    join();
  }

 private:
  // The steps of a chunk that its thread has not begun: [begin, end) of job `job`. Taken from the
  // front by the thread, from the back by thieves, under the claim's lock; read without it to
  // choose a victim. A cache line each, as every step of every thread writes one.
  struct alignas(64) Claim {
    std::mutex mutex;
    std::atomic<int32_t> job{0};
    std::atomic<int64_t> begin{0};
    std::atomic<int64_t> end{0};
  };

  void work(int thread);
  int64_t run_steps(int thread, int64_t max_steps);
  bool claim(int thread, int32_t job, int64_t step);
  void set_claim(int thread, int32_t job, int64_t begin, int64_t end);  // takes the claim's lock
  bool steal(int thread, int32_t job, int64_t step);  // the caller holds the pool's lock
  bool take_step(int thread, int32_t job, int64_t step, int64_t* begin, int64_t* end);
  void finish_units(int64_t count, int64_t units);
  int64_t next_chunk() const;
  bool finished() const;  // the started job's last step is done
  void finish();  // join()'s part but the record
  void notify_job_done();  // the caller does not hold the lock
  void wake_workers(int count);
  void sleep_while(uint32_t seen);  // until generation_ differs from seen
  void learn_speed();  // after a job that measured a way (see the top)

  const bool caller_helps_;
  const std::chrono::microseconds spin_;  // how long an idle thread polls before it sleeps
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  ChunkFn fn_ = nullptr;
  const void* context_ = nullptr;
  Schedule schedule_;
  int64_t next_unit_ = 0;
  std::unique_ptr<Claim[]> claims_;  // one per thread index
  std::atomic<int64_t> units_done_{0};  // of the current job
  std::atomic<int32_t> jobs_done_{0};  // join() polls it; a non-blocking caller waits on it
  int32_t jobs_started_ = 0;
  // Jobs started (and one more to stop), counted under the lock; a worker polls it, then sleeps
  // on it. 32 bits, as a futex; only a change is ever looked for, so wrapping is harmless.
  std::atomic<uint32_t> generation_{0};
  std::atomic<int> sleepers_{0};  // workers asleep until woken (wasm)
  std::atomic<bool> stopping_{false};
  // The current job's way (see the top), when it started, and the time the caller spent in help()
  // and join() for it.
  bool solo_ = false;
  bool probe_ = false;  // the current job runs the way its record does not prefer
  int solo_thread_ = -1;  // the thread that runs a solo job, once known; under the lock
  bool measured_ = false;
  std::chrono::steady_clock::time_point job_start_;
  std::chrono::steady_clock::duration caller_time_{};
};

}  // namespace sepconv
