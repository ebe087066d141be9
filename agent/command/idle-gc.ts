// After a burst of commands, one full garbage collection once the agent has been idle for a few
// seconds: unpacking a revision leaves megabytes of garbage that V8 would otherwise return to the
// OS only when its memory reducer gets round to it, so the idle daemon's RSS would depend on when
// it was last measured. Needs node's --expose-gc (systemd/edge-agent.service sets it); without it
// this does nothing.

export interface IdleCollector {
  /** A command starts: no collection while it runs. */
  busy(): void;
  /** A command ended: collect after `delayMs` unless another one starts first. */
  idle(): void;
  dispose(): void;
}

export interface IdleCollectorDeps {
  /** The collector (globalThis.gc under --expose-gc); undefined: collect nothing. */
  readonly gc: (() => void) | undefined;
  readonly delayMs: number;
  /** Told what one collection gave back (RSS in bytes before and after). */
  readonly collected?: (rssBefore: number, rssAfter: number) => void;
}

export function idleCollector(deps: IdleCollectorDeps): IdleCollector {
  let timer: NodeJS.Timeout | undefined;
  const cancel = (): void => {
    clearTimeout(timer);
    timer = undefined;
  };
  const { gc } = deps;
  return {
    busy: cancel,
    idle(): void {
      if (!gc) return;
      cancel();
      timer = setTimeout(() => {
        timer = undefined;
        const before = process.memoryUsage.rss();
        gc();
        deps.collected?.(before, process.memoryUsage.rss());
      }, deps.delayMs);
      timer.unref();
    },
    dispose: cancel,
  };
}

/** globalThis.gc when node runs with --expose-gc. */
export function exposedGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? () => (gc as () => void)() : undefined;
}
