'use strict';

// The CPU time of this process's descendants: Chromium's processes, which Playwright starts.
// machine_load.js counts them as other processes; subtracting them leaves the load of the
// processes that are really not ours (Linux /proc; elsewhere unknown).

const fs = require('fs');

const TICK_MS = 10;  // USER_HZ, as in machine_load.js

/** ms of CPU (user + system) used so far by every living descendant of this process; NaN if unknown. */
function descendantsCpuMs() {
  const children = new Map();  // parent pid -> [pid]
  const ticks = new Map();
  try {
    for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      let stat;
      try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue;  // exited meanwhile
      }
      // Fields after the command name, which is in parentheses and may contain spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const parent = fields[1];
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(pid);
      ticks.set(pid, Number(fields[11]) + Number(fields[12]));
    }
  } catch {
    return NaN;
  }
  let total = 0;
  const pending = [...(children.get(String(process.pid)) || [])];
  while (pending.length > 0) {
    const pid = pending.pop();
    total += ticks.get(pid);
    pending.push(...(children.get(pid) || []));
  }
  return total * TICK_MS;
}

/** Starts a window; its end() gives the cores this process's descendants used meanwhile. */
function startChildrenWindow() {
  const start = { cpu: descendantsCpuMs(), at: performance.now() };
  return { end: () => (descendantsCpuMs() - start.cpu) / (performance.now() - start.at) };
}

module.exports = { startChildrenWindow };
