// One scheduler for many deadlines: an indexed binary min-heap of (due time, callback) driven by the
// sandbox clock, with a single underlying timer armed for the earliest entry. The command broker's
// pickup/completion deadlines and the virtual hosts' lifecycle event durations all go through it,
// so 10,000 hosts in flight cost heap entries, not 10,000 Node timers.
import { MAX_TIMER_MS } from './commands/host-queues.js';
import type { Clock } from './types.js';

/** What code needing a deadline depends on (the broker, virtual hosts); `setTimeout` fits too. */
export interface TimerPort {
  /** Run `fn` once, `ms` from now. */
  set(ms: number, fn: () => void): TimerHandle;
  /** Cancel; a handle that already ran or was cancelled is ignored. */
  clear(handle: TimerHandle | undefined): void;
}

export type TimerHandle = object;

/** A TimerPort over Node's own timers (one timer per deadline). */
export const nodeTimers: TimerPort = {
  set: (ms, fn) => setTimeout(fn, Math.max(0, Math.min(ms, MAX_TIMER_MS))),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout> | undefined),
};

export interface TimerQueueDeps {
  readonly clock?: Clock;
  /** The one underlying timer (default Node's); tests pass a manual one and call runDue(). */
  readonly timers?: TimerPort;
  /** A callback that throws is reported here and does not stop the others. */
  readonly onError?: (err: unknown) => void;
}

interface Entry {
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
  /** Position in the heap; -1 once it ran or was cancelled. */
  index: number;
}

export class TimerQueue implements TimerPort {
  readonly #heap: Entry[] = [];
  readonly #clock: Clock;
  readonly #timers: TimerPort;
  readonly #onError: (err: unknown) => void;
  #seq = 0;
  #armed: { handle: TimerHandle; due: number } | undefined;
  #closed = false;

  constructor(deps: TimerQueueDeps = {}) {
    this.#clock = deps.clock ?? { now: () => new Date() };
    this.#timers = deps.timers ?? nodeTimers;
    this.#onError = deps.onError ?? (() => undefined);
  }

  /** Entries waiting to run. */
  get size(): number {
    return this.#heap.length;
  }

  set(ms: number, fn: () => void): TimerHandle {
    const entry: Entry = { due: this.#now() + Math.max(0, Number.isFinite(ms) ? ms : 0), seq: ++this.#seq, fn, index: this.#heap.length };
    if (this.#closed) {
      entry.index = -1;
      return entry;
    }
    this.#heap.push(entry);
    this.#up(entry.index);
    this.#arm();
    return entry;
  }

  clear(handle: TimerHandle | undefined): void {
    const entry = handle as Entry | undefined;
    if (!entry || typeof entry.index !== 'number' || entry.index < 0 || this.#heap[entry.index] !== entry) return;
    this.#removeAt(entry.index);
    this.#arm();
  }

  /** Runs every entry that is due by the clock (the underlying timer calls this). */
  runDue(): void {
    const now = this.#now();
    for (let head = this.#heap[0]; head !== undefined && head.due <= now; head = this.#heap[0]) {
      this.#removeAt(0);
      try {
        head.fn();
      } catch (err) {
        this.#onError(err);
      }
    }
    this.#arm();
  }

  /** Drops every entry and the underlying timer; later set() calls never run. */
  close(): void {
    this.#closed = true;
    for (const e of this.#heap) e.index = -1;
    this.#heap.length = 0;
    this.#arm();
  }

  #now(): number {
    return this.#clock.now().getTime();
  }

  /** Keeps exactly one underlying timer, for the earliest entry. */
  #arm(): void {
    const head = this.#heap[0];
    if (this.#armed && head?.due === this.#armed.due) return;
    if (this.#armed) this.#timers.clear(this.#armed.handle);
    this.#armed = undefined;
    if (!head) return;
    const delay = Math.min(Math.max(0, head.due - this.#now()), MAX_TIMER_MS);
    const armed = {
      due: head.due,
      handle: this.#timers.set(delay, () => {
        if (this.#armed === armed) this.#armed = undefined;
        this.runDue();
      }),
    };
    this.#armed = armed;
  }

  #less(a: Entry, b: Entry): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  #place(entry: Entry, i: number): void {
    this.#heap[i] = entry;
    entry.index = i;
  }

  #up(i: number): void {
    const entry = this.#heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = this.#heap[parent]!;
      if (!this.#less(entry, p)) break;
      this.#place(p, i);
      i = parent;
    }
    this.#place(entry, i);
  }

  #down(i: number): void {
    const heap = this.#heap;
    const entry = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const child = r < heap.length && this.#less(heap[r]!, heap[l]!) ? r : l;
      if (!this.#less(heap[child]!, entry)) break;
      this.#place(heap[child]!, i);
      i = child;
    }
    this.#place(entry, i);
  }

  #removeAt(i: number): void {
    const heap = this.#heap;
    const removed = heap[i]!;
    const last = heap.pop()!;
    removed.index = -1;
    if (last === removed) return;
    this.#place(last, i);
    if (i > 0 && this.#less(last, heap[(i - 1) >> 1]!)) this.#up(i);
    else this.#down(i);
  }
}
