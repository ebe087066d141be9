// Per-host FIFO queues with long-poll waiters. A queued item goes to the oldest live waiter of its
// host at once, otherwise it waits in the host's queue for the next poll. Waiters leave
// synchronously when their poll times out or is aborted, so a present waiter is always live.

export interface HostKey {
  readonly accountId: string;
  readonly region: string;
  /** The IAM user/session ARN the host signs with. */
  readonly hostIdentifier: string;
}

export function hostKeyString(host: HostKey): string {
  return `${host.accountId}\u0000${host.region}\u0000${host.hostIdentifier}`;
}

// Node's setTimeout overflows (fires at once) above 2^31-1 ms.
export const MAX_TIMER_MS = 2 ** 31 - 1;

interface Waiter<T> {
  deliver(item: T | undefined): void;
}

export class HostQueues<T> {
  readonly #queues = new Map<string, T[]>();
  readonly #waiters = new Map<string, Waiter<T>[]>();

  /** Hand `item` to the oldest waiting poller of `key`, or queue it. */
  push(key: string, item: T): void {
    const waiter = this.#waiters.get(key)?.shift();
    if (waiter) {
      this.#cleanup(key);
      waiter.deliver(item);
      return;
    }
    const queue = this.#queues.get(key);
    if (queue) queue.push(item);
    else this.#queues.set(key, [item]);
  }

  /** Remove a queued item (withdrawn or timed out before pickup). */
  remove(key: string, item: T): boolean {
    const queue = this.#queues.get(key);
    const i = queue ? queue.indexOf(item) : -1;
    if (!queue || i < 0) return false;
    queue.splice(i, 1);
    this.#cleanup(key);
    return true;
  }

  size(key: string): number {
    return this.#queues.get(key)?.length ?? 0;
  }

  /** The next item for `key`: at once if queued, else within `maxWaitMs` or undefined. */
  take(key: string, signal: AbortSignal | undefined, maxWaitMs: number): Promise<T | undefined> {
    if (signal?.aborted) return Promise.resolve(undefined);
    const queue = this.#queues.get(key);
    const head = queue?.shift();
    if (head !== undefined) {
      this.#cleanup(key);
      return Promise.resolve(head);
    }
    if (!(maxWaitMs > 0)) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve) => {
      const leave = (item: T | undefined): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(item);
      };
      const waiter: Waiter<T> = { deliver: (item) => leave(item) };
      const onAbort = (): void => {
        this.#removeWaiter(key, waiter);
        leave(undefined);
      };
      const timer = setTimeout(onAbort, Math.min(maxWaitMs, MAX_TIMER_MS));
      signal?.addEventListener('abort', onAbort, { once: true });
      const waiters = this.#waiters.get(key);
      if (waiters) waiters.push(waiter);
      else this.#waiters.set(key, [waiter]);
    });
  }

  /** End every pending poll empty. */
  releaseWaiters(): void {
    const all = [...this.#waiters.values()].flat();
    this.#waiters.clear();
    for (const w of all) w.deliver(undefined);
  }

  /** Every queued item, oldest first per host. */
  queued(): T[] {
    return [...this.#queues.values()].flat();
  }

  #removeWaiter(key: string, waiter: Waiter<T>): void {
    const waiters = this.#waiters.get(key);
    const i = waiters ? waiters.indexOf(waiter) : -1;
    if (waiters && i >= 0) waiters.splice(i, 1);
    this.#cleanup(key);
  }

  #cleanup(key: string): void {
    if (this.#queues.get(key)?.length === 0) this.#queues.delete(key);
    if (this.#waiters.get(key)?.length === 0) this.#waiters.delete(key);
  }
}
