'use strict';

// How much CPU other processes took while we measured (Linux /proc; elsewhere unknown). On a
// shared 2-core machine a round during which another process held most of a core says more
// about that process than about the engines, whichever engine it happened to hit.

const fs = require('fs');

const TICK_MS = 10;  // USER_HZ: 100 on every Linux architecture Node runs on

/** CPU ticks: busy ones of the whole machine (steal included), and this process's own. */
function readTicks() {
  try {
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal = 0] = cpu;
    const self = fs.readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
    const [utime, stime] = [fields[11], fields[12]];
    return { busy: user + nice + system + irq + softirq + steal, own: utime + stime, at: performance.now() };
  } catch {
    return null;
  }
}

/** Starts a window; its end() gives the cores other processes used meanwhile (NaN if unknown). */
function startWindow() {
  const start = readTicks();
  return {
    end() {
      const end = readTicks();
      if (!start || !end) return NaN;
      const others = (end.busy - start.busy) - (end.own - start.own);
      return Math.max(0, (others * TICK_MS) / (end.at - start.at));
    },
  };
}

module.exports = { startWindow };
