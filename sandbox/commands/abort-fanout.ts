// One 'abort' listener per AbortSignal for any number of watchers. A deployment's signal is watched
// by each of its in-flight host commands; Node's EventTarget checks every listener on each add and
// remove, which costs O(n²) with thousands of (virtual) hosts in flight.

export class AbortFanout {
  readonly #watchers = new Map<AbortSignal, { readonly fns: Set<() => void>; readonly onAbort: () => void }>();

  /** Call `fn` once when `signal` aborts; returns the unwatch function. */
  watch(signal: AbortSignal, fn: () => void): () => void {
    let entry = this.#watchers.get(signal);
    if (!entry) {
      const fns = new Set<() => void>();
      const onAbort = (): void => {
        this.#watchers.delete(signal);
        for (const f of fns) f();
      };
      entry = { fns, onAbort };
      this.#watchers.set(signal, entry);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    const { fns } = entry;
    fns.add(fn);
    return () => {
      if (!fns.delete(fn) || fns.size > 0 || this.#watchers.get(signal) !== entry) return;
      this.#watchers.delete(signal);
      signal.removeEventListener('abort', entry.onAbort);
    };
  }
}
