#include "thread_pool.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>

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

// Without a helping caller, the caller's thread (a page's main thread) has all the work between
// jobs: being woken, copying out, the page's own code, copying in. Workers polling would take
// the cores it needs (measured in Chromium on 2 cores: 2 ms of polling made 2-thread calls 20-70%
// slower than 100 us; beside a busy worker, 100 us of polling kept the page waiting 0.13 ms to be
// woken after a job, against 0.04 ms without), so they nap at once (see sleep_while).
constexpr std::chrono::microseconds kSpinWithoutCaller{0};

// One job in this many runs the way not preferred (see thread_pool.h), so that a change (the
// machine getting busy or idle again) is seen within this many jobs.
constexpr int kProbeEvery = 64;
// The workers are used unless the caller alone took at most this share of their time.
constexpr double kSoloMargin = 0.9;

#ifdef __EMSCRIPTEN_PTHREADS__
// After polling, a wasm worker naps in short timed waits for this long before it sleeps until
// woken: a nap costs no core, and ends without anyone paying for a wake-up.
constexpr std::chrono::microseconds kNapBeforeSleep{5000};
constexpr double kNapMs = 0.05;
#endif

}  // namespace

namespace sepconv {

ThreadPool::ThreadPool(int threads, bool caller_helps)
    : caller_helps_(caller_helps),
      spin_(caller_helps ? kSpinBeforeSleep : kSpinWithoutCaller),
      claims_(std::make_unique<Claim[]>(static_cast<size_t>(std::max(threads, 1)))) {
  // Thread indices are [0, threads()): the helping caller is 0.
  for (int t = caller_helps ? 1 : 0; t < threads; ++t) workers_.emplace_back([this, t] { work(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    ++generation_;  // a worker about to sleep on the old generation returns at once
  }
  wake_workers(INT_MAX);
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::start(const Schedule& schedule, ChunkFn fn, const void* context) {
  const bool empty = schedule.units == 0;
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fn_ = fn;
    context_ = context;
    schedule_ = schedule;
    next_unit_ = 0;
    units_done_.store(0, std::memory_order_relaxed);
    ++jobs_started_;
    if (empty) jobs_done_.fetch_add(1, std::memory_order_release);  // done before it starts
    const bool one_chunk = next_chunk() >= schedule_.units;
    // A job of one chunk runs on a helping caller in join(): waking a worker only adds latency.
    const bool shared = !empty && !(caller_helps_ && (workers_.empty() || one_chunk));
    // A job that more than one thread would share chooses between solo and every thread (see
    // thread_pool.h).
    measured_ = !empty && !one_chunk && threads() > 1 && schedule.record != nullptr;
    if (measured_) {
      probe_ = schedule.record->probe_next();
      solo_ = schedule.record->prefers_solo() != probe_;
    } else {
      solo_ = false;
    }
    solo_thread_ = (solo_ && caller_helps_) ? 0 : -1;  // else the first worker to come
    wake = shared && !(solo_ && caller_helps_);
    if (wake) ++generation_;
  }
  caller_time_ = std::chrono::steady_clock::duration::zero();
  job_start_ = std::chrono::steady_clock::now();
  // After unlocking, so that the woken do not wait for the lock (a page's main thread can only
  // poll for it, in Emscripten).
  if (wake) wake_workers(solo_ ? 1 : INT_MAX);
  if (empty) notify_job_done();
}

// In wasm, workers sleep on the generation itself as a futex. Only workers in a deep sleep are
// woken: waking a thread costs its waker up to a millisecond on the virtual machines measured
// (the host reschedules the sleeping virtual CPU), more than many a whole call.
void ThreadPool::wake_workers(int count) {
#ifdef __EMSCRIPTEN_PTHREADS__
  if (sleepers_.load() > 0) emscripten_futex_wake(&generation_, count);
#else
  if (count == 1) {
    wake_.notify_one();
  } else {
    wake_.notify_all();
  }
#endif
}

// Also returns once the pool is stopping: a worker that read the generation the destructor
// moved on, as if for a job, would otherwise sleep on it for good.
void ThreadPool::sleep_while(uint32_t seen) {
  const auto asleep = [&] { return generation_.load() == seen && !stopping_.load(); };
#ifdef __EMSCRIPTEN_PTHREADS__
  // First naps that end by themselves, so that a job started soon needs no wake-up; then sleep.
  const auto nap_end = std::chrono::steady_clock::now() + kNapBeforeSleep;
  while (asleep() && std::chrono::steady_clock::now() < nap_end) {
    emscripten_futex_wait(&generation_, seen, kNapMs);
  }
  sleepers_.fetch_add(1);
  while (asleep()) emscripten_futex_wait(&generation_, seen, INFINITY);
  sleepers_.fetch_sub(1);
#else
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait(lock, [&] { return !asleep(); });
#endif
}

void ThreadPool::join() {
  // A caller that waited for jobs_done() needs nothing more but the record: every chunk is
  // handed out and done, so no worker reads the job again.
  if (caller_helps_ || !finished()) finish();
  if (measured_) learn_speed();
}

bool ThreadPool::finished() const {
  return jobs_done_.load(std::memory_order_acquire) == jobs_started_;
}

void ThreadPool::finish() {
  const auto entered = std::chrono::steady_clock::now();
  if (caller_helps_) run_steps(0, INT64_MAX);
  // Every chunk is handed out; the others finish theirs within a chunk's time. Polling for a
  // while costs less than sleeping and being woken, as for the workers.
  const auto spin_end = std::chrono::steady_clock::now() + spin_;
  while (!finished() && std::chrono::steady_clock::now() < spin_end) {
  }
  {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return finished(); });
    fn_ = nullptr;
    context_ = nullptr;
  }
  caller_time_ += std::chrono::steady_clock::now() - entered;
}

double WayRecord::Recent::quantile(double q) const {
  const int n = static_cast<int>(std::min<uint64_t>(count, kSize));
  if (n == 0) return 0;
  double sorted[kSize];
  std::copy(ns, ns + n, sorted);
  std::sort(sorted, sorted + n);
  return sorted[static_cast<int>(q * (n - 1))];
}

bool WayRecord::probe_next() {
  if (++since_probe < kProbeEvery) return false;
  since_probe = 0;
  return true;
}

// Without the early probes, a burst of noise that made the record prefer the slower way (this VM
// stalls a virtual CPU now and then) held it there for three probes, 192 jobs: whole benchmark
// runs of mbv1_b read 1.02x idle.
void WayRecord::add(bool solo, bool probe, double ns) {
  // The first job with the workers after jobs solo wakes them from sleep, which on a VM can cost
  // more than the job saves (in a native test, jobs of 3.3 ms solo took 3.4-11 ms with the worker
  // just woken, 1.7-1.8 ms with it awake): it is not recorded, and the next job probes again.
  const bool waking = probe && !solo && !after_probe;
  after_probe = probe;
  if (waking) {
    since_probe = kProbeEvery - 1;
    return;
  }
  Recent& way = recent[solo ? 0 : 1];
  way.ns[way.count++ % kSize] = ns;
  const double preferred = recent[solo ? 1 : 0].median();
  const bool beat = solo ? ns < kSoloMargin * preferred : kSoloMargin * ns <= preferred;
  // Once the probed way is preferred, the old one is probed as usual.
  if (probe && preferred > 0 && beat && prefers_solo() != solo) since_probe = kProbeEvery - 1;
}

bool WayRecord::prefers_solo() const {
  const double solo = recent[0].cost();
  const double pooled = recent[1].cost();
  return solo > 0 && pooled > 0 && solo < kSoloMargin * pooled;
}

// By the caller's clock, also without a helping caller (a page's job lasts until the page,
// woken, joins it): in wasm each thread's clock is offset from the page's by as long as its
// start message took, measured at 0.5-1.2 ms in Chromium, more than many a whole job.
void ThreadPool::learn_speed() {
  const auto took = schedule_.timed_by_caller ? caller_time_ : std::chrono::steady_clock::now() - job_start_;
  schedule_.record->add(solo_, probe_, std::chrono::duration<double, std::nano>(took).count());
}

// Called without the lock, after the job's last chunk counted itself done under it: the caller
// that wakes up may start the next job at once, and on a page's main thread, which can only
// poll for a lock, a worker still holding it (descheduled, on a busy machine) stalled the page
// for milliseconds.
void ThreadPool::notify_job_done() {
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
  chunk = std::min(chunk, schedule_.max_chunk);
  return std::min(remaining, std::max({chunk, schedule_.min_chunk, int64_t{1}}));
}

// Runs steps of the current job on `thread`, at most max_steps: its claim's, then new chunks',
// then steps that others claimed and have not begun. Returns how many it ran; 0 when none are
// left to take (others may still be running theirs).
int64_t ThreadPool::run_steps(int thread, int64_t max_steps) {
  ChunkFn fn = nullptr;
  const void* context = nullptr;
  int32_t job = 0;
  int64_t step = 0;
  int64_t units = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fn_ == nullptr) return 0;
    // A solo job is the first thread's to come (the helping caller's: see start()); a worker
    // still here after its job may find the next one and take part, unless that one is solo.
    if (solo_) {
      if (solo_thread_ < 0) solo_thread_ = thread;
      if (solo_thread_ != thread) return 0;
    }
    fn = fn_;
    context = context_;
    job = jobs_started_;
    step = schedule_.step;
    units = schedule_.units;
  }
  int64_t ran = 0;
  int64_t begin = 0;
  int64_t end = 0;
  while (ran < max_steps) {
    if (!take_step(thread, job, step, &begin, &end)) {
      if (claim(thread, job, step)) continue;
      break;
    }
    fn(context, begin, end, thread);
    finish_units(end - begin, units);
    ++ran;
  }
  return ran;
}

// A job on the caller alone is left to join(): run in one go, then copied out whole, it took 3-6%
// less time than a few steps at a time with copies in between (measured on 2 cores, one busy).
int64_t ThreadPool::help(int64_t max_steps) {
  if (!caller_helps_ || solo_) return 0;
  const auto entered = std::chrono::steady_clock::now();
  const int64_t ran = run_steps(0, max_steps);
  caller_time_ += std::chrono::steady_clock::now() - entered;
  return ran;
}

// Gives `thread` the next chunk of job `job`, or else steps stolen from another's claim; false if
// neither is left, or the job is over.
bool ThreadPool::claim(int thread, int32_t job, int64_t step) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (fn_ == nullptr || jobs_started_ != job) return false;
  if (next_unit_ >= schedule_.units) return steal(thread, job, step);
  const int64_t begin = next_unit_;
  next_unit_ += next_chunk();
  set_claim(thread, job, begin, next_unit_);
  return true;
}

void ThreadPool::set_claim(int thread, int32_t job, int64_t begin, int64_t end) {
  Claim& own = claims_[thread];
  std::lock_guard<std::mutex> lock(own.mutex);
  own.job.store(job, std::memory_order_relaxed);
  own.begin.store(begin, std::memory_order_relaxed);
  own.end.store(end, std::memory_order_relaxed);
}

bool ThreadPool::take_step(int thread, int32_t job, int64_t step, int64_t* begin, int64_t* end) {
  Claim& own = claims_[thread];
  std::lock_guard<std::mutex> lock(own.mutex);
  const int64_t first = own.begin.load(std::memory_order_relaxed);
  const int64_t last = own.end.load(std::memory_order_relaxed);
  if (own.job.load(std::memory_order_relaxed) != job || first >= last) return false;
  *begin = first;
  *end = step > 0 ? std::min(last, first + step) : last;
  own.begin.store(*end, std::memory_order_relaxed);
  return true;
}

// Moves the back half of the steps not begun in the fullest claim of the job (a descheduled
// thread's, most likely) to this thread's claim; false if no claim has any.
bool ThreadPool::steal(int thread, int32_t job, int64_t step) {
  if (step <= 0) return false;  // chunks are taken whole: none has steps left to take
  for (;;) {
    Claim* victim = nullptr;
    int64_t most = 0;
    for (int t = 0; t < threads(); ++t) {
      const Claim& claim = claims_[t];
      const int64_t left =
          claim.end.load(std::memory_order_relaxed) - claim.begin.load(std::memory_order_relaxed);
      if (t != thread && claim.job.load(std::memory_order_relaxed) == job && left > most) {
        victim = &claims_[t];
        most = left;
      }
    }
    if (victim == nullptr) return false;
    int64_t begin = 0;
    int64_t end = 0;
    {
      std::lock_guard<std::mutex> lock(victim->mutex);
      const int64_t first = victim->begin.load(std::memory_order_relaxed);
      end = victim->end.load(std::memory_order_relaxed);
      if (victim->job.load(std::memory_order_relaxed) != job || first >= end) continue;  // taken meanwhile
      // Whole steps from the claim's front, so that the victim's next step is as it would be.
      begin = first + (end - first + step - 1) / step / 2 * step;
      victim->end.store(begin, std::memory_order_relaxed);
    }
    set_claim(thread, job, begin, end);
    return true;
  }
}

// The thread whose units complete the job announces it.
void ThreadPool::finish_units(int64_t count, int64_t units) {
  if (units_done_.fetch_add(count, std::memory_order_acq_rel) + count < units) return;
  {
    // Counted under the lock, so that join()'s wait cannot miss it; announced without it.
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_done_.fetch_add(1, std::memory_order_release);
  }
  notify_job_done();
}

void ThreadPool::work(int thread) {
  uint32_t seen = 0;
  for (;;) {
    const auto spin_end = std::chrono::steady_clock::now() + spin_;
    while (generation_.load(std::memory_order_acquire) == seen &&
           !stopping_.load(std::memory_order_acquire) &&
           std::chrono::steady_clock::now() < spin_end) {
    }
    sleep_while(seen);
    if (stopping_.load(std::memory_order_acquire)) return;
    seen = generation_.load(std::memory_order_acquire);
    run_steps(thread, INT64_MAX);
  }
}

}  // namespace sepconv
