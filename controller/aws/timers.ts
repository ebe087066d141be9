// The pool's real timers: a monotonic clock and a sleep. Built at the composition root; tests use
// virtual ones (test/fakes/aws/pool.ts).
import type { Timers } from './limits.js';

export const realTimers: Timers = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};
