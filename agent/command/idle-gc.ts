// After a burst of commands, full garbage collections once the agent has been idle for a few
// seconds: unpacking a revision leaves megabytes of garbage that V8 would otherwise return to the
// OS only when its memory reducer gets round to it (sometimes not at all), so the idle daemon's
// RSS would depend on when it was last measured. One collection is not enough: pages emptied by
// one are swept afterwards and only released by the next (measured: three rounds 100 ms apart
// shrink the heap at once, one round barely). Needs node's --expose-gc (systemd/edge-agent.service
// sets it); without it this does nothing.

export interface IdleCollector {
  /** A command starts: no collection while it runs (rounds not yet run are dropped). */
  busy(): void;
  /** A command ended: collect after `delayMs` unless another one starts first. */
  idle(): void;
  dispose(): void;
}

/** The timer port (tests drive a fake clock through it); default: unref'd setTimeout. */
export interface IdleTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: IdleTimers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
};

export interface IdleCollectorDeps {
  /** The collector (globalThis.gc under --expose-gc); undefined: collect nothing. */
  readonly gc: (() => void) | undefined;
  readonly delayMs: number;
  /** Full collections per idle period (default 3), `roundGapMs` apart (default 100). */
  readonly rounds?: number;
  readonly roundGapMs?: number;
  /** Told what the collections of one idle period gave back (RSS in bytes before and after). */
  readonly collected?: (rssBefore: number, rssAfter: number) => void;
  readonly timers?: IdleTimers;
  /** The process's resident set size in bytes (default process.memoryUsage.rss). */
  readonly rss?: () => number;
}

export function idleCollector(deps: IdleCollectorDeps): IdleCollector {
  const timers = deps.timers ?? REAL_TIMERS;
  const rss = deps.rss ?? (() => process.memoryUsage.rss());
  let timer: unknown;
  const cancel = (): void => {
    if (timer !== undefined) timers.clear(timer);
    timer = undefined;
  };
  const { gc } = deps;
  const rounds = deps.rounds ?? 3;
  const gap = deps.roundGapMs ?? 100;
  const round = (gcNow: () => void, left: number, rssBefore: number): void => {
    gcNow();
    if (left > 1) {
      timer = timers.set(() => round(gcNow, left - 1, rssBefore), gap);
      return;
    }
    timer = undefined;
    deps.collected?.(rssBefore, rss());
  };
  return {
    busy: cancel,
    idle(): void {
      if (!gc) return;
      cancel();
      timer = timers.set(() => round(gc, rounds, rss()), deps.delayMs);
    },
    dispose: cancel,
  };
}

/** globalThis.gc when node runs with --expose-gc. */
export function exposedGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? () => (gc as () => void)() : undefined;
}
