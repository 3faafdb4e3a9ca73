'use strict';
// The tasks a page's main thread ran while marked spans of its code were in progress, from a
// Chromium trace (playwright's browser.startTracing with the categories below).
//
// A task's time on the thread is its thread CPU time, capped by its wall time (thread clocks are
// coarse): a thread the operating system has descheduled is not busy, and on a shared 2-core
// machine that happens for milliseconds at a time. Garbage collection inside a task is counted
// apart, since V8 and Blink run it wherever allocation crosses a limit.

const TRACE_CATEGORIES = ['toplevel', 'v8', 'devtools.timeline', 'blink.user_timing', 'cppgc'];

// The collectors' pauses inside a task: V8's, and Blink's (cppgc), which sweeps in steps when
// the page allocates.
const GC_EVENTS = new Set(['MinorGC', 'MajorGC', 'V8.GCIncrementalMarkingStart', 'V8.GCIncrementalMarking',
  'V8.GCIncrementalMarkingFinalize', 'V8.GC_MC_COMPLETE_SWEEPING', 'CppGC.IncrementalSweep', 'CppGC.IncrementalMark',
  'CppGC.AtomicMark', 'CppGC.AtomicSweep']);
// Tasks that only collect garbage, posted by the collectors themselves.
const GC_TASK = /heap\/cppgc|v8\/src\/heap/;

/** The time covered by events (sorted by start), counting nested or overlapping ones once. */
function coveredUs(events) {
  let total = 0;
  let end = -Infinity;
  for (const e of events) {
    const from = Math.max(e.ts, end);
    if (e.ts + e.dur > from) total += e.ts + e.dur - from;
    end = Math.max(end, e.ts + e.dur);
  }
  return total;
}

/**
 * The spans between each `${start}` mark and the next `${end}` mark of the renderer's main
 * thread, in trace microseconds, and every task that overlapped each:
 * [{ tasks: [{ ms, gcMs, gcTask }] }] where ms is the task's time on the thread.
 */
function tasksDuringSpans(traceBuffer, start, end) {
  const events = JSON.parse(traceBuffer.toString()).traceEvents;
  const main = events.find((e) => e.name === 'thread_name' && e.args.name === 'CrRendererMain');
  if (!main) throw new Error('the trace has no renderer main thread');
  const onMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid);
  const marks = onMain.filter((e) => e.name === start || e.name === end).sort((a, b) => a.ts - b.ts);
  const complete = onMain.filter((e) => e.ph === 'X').sort((a, b) => a.ts - b.ts);
  const tasks = complete.filter((e) => e.name === 'ThreadControllerImpl::RunTask');
  const spans = [];
  marks.forEach((mark, i) => {
    if (mark.name === start && marks[i + 1] && marks[i + 1].name === end) spans.push({ from: mark.ts, to: marks[i + 1].ts });
  });
  return spans.map(({ from, to }) => ({
    tasks: tasks.filter((t) => t.ts < to && t.ts + t.dur > from).map((task) => {
      const gc = complete.filter((e) => GC_EVENTS.has(e.name) && e.ts >= task.ts && e.ts + e.dur <= task.ts + task.dur);
      return {
        ms: Math.min(task.dur, task.tdur === undefined ? task.dur : task.tdur) / 1000,
        gcMs: coveredUs(gc) / 1000,
        gcTask: GC_TASK.test(task.args.src_file || ''),
      };
    }),
  }));
}

module.exports = { TRACE_CATEGORIES, tasksDuringSpans };
