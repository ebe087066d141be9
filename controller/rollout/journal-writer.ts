// Journal writes of a running rollout, one at a time, in the order the steps reach them; entries
// that come while a write is in flight go out together in the next one (one object, all or
// nothing), so fifty targets reporting at once wait for a write or two, not for fifty in a row.
import type { EntryBody } from './journal-model.js';
import type { Journal } from './journal-store.js';

/** Entries one journal write carries at most. */
export const JOURNAL_BATCH_MAX = 50;

export class JournalWriter {
  private readonly queued: { readonly bodies: readonly EntryBody[]; readonly done: (e?: unknown) => void }[] = [];
  private writing = false;

  constructor(private readonly journal: Pick<Journal, 'appendMany'>) {}

  /** Resolves once the entries are written (together, in one object); rejects when that write failed. */
  append(...bodies: EntryBody[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queued.push({ bodies, done: (e) => (e === undefined ? resolve(undefined) : reject(e)) });
      if (!this.writing) void this.write();
    });
  }

  private async write(): Promise<void> {
    this.writing = true;
    while (this.queued.length > 0) {
      // whole appends only: the entries of one append are written together or not at all
      let n = 0;
      for (let size = 0; n < this.queued.length; n++) {
        size += this.queued[n]?.bodies.length ?? 0;
        if (n > 0 && size > JOURNAL_BATCH_MAX) break;
      }
      const batch = this.queued.splice(0, n);
      const failure = await this.journal.appendMany(batch.flatMap((q) => q.bodies)).then(
        () => undefined,
        (e: unknown) => e ?? new Error('journal write failed'),
      );
      for (const q of batch) q.done(failure);
    }
    this.writing = false;
  }
}
