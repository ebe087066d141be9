// The journal as the driving controller and `fleetctl rollout abort/pause/approve` share it. Only
// the lease holder drives, but a request (abort, pause, resume, approval) may be written by anyone
// with access: it takes the next sequence number, and the driver's own write for that number then
// loses its condition. When every entry written meanwhile is a request, the driver reads them in
// and writes its entry after them (a request takes effect at the next step); anything else means
// another controller drove the rollout, and the driver stops (ROLLOUT_LEASE_LOST).
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import type { EntryBody, JournalEntry } from './journal-model.js';
import { REQUEST_ENTRY_TYPES } from './journal-safety.js';
import { Journal } from './journal-store.js';

/** Attempts before a writer gives up on a journal that keeps moving under it. */
const ATTEMPTS = 5;

export class SharedJournal extends Journal {
  /** append() writes through here too. */
  override async appendMany(bodies: readonly EntryBody[]): Promise<JournalEntry[]> {
    for (let attempt = 1; ; attempt++) {
      const known = this.current.nextSeq;
      try {
        return await super.appendMany(bodies);
      } catch (e) {
        if (!isEdgeError(e, 'ROLLOUT_LEASE_LOST') || attempt >= ATTEMPTS) throw e;
        await this.readRequests(known, e);
      }
    }
  }

  /**
   * Reads in the requests (abort, pause, resume, approval) written since this controller's last
   * entry; a controller that writes nothing for a while (a baking wave) calls it now and then.
   */
  async refresh(): Promise<void> {
    await this.readRequests(this.current.nextSeq);
  }

  private async readRequests(known: number, cause?: unknown): Promise<void> {
    await this.load();
    const foreign = this.all.slice(known).filter((x) => !REQUEST_ENTRY_TYPES.has(x.type));
    if (foreign.length > 0) {
      const what = `entry ${foreign[0]?.seq ?? known} (${foreign[0]?.type ?? '?'})`;
      throw new EdgeError('ROLLOUT_LEASE_LOST', `another controller wrote ${what} of the journal at ${this.location}`, cause ? { cause } : undefined);
    }
  }
}

/** Appends a request (pause, resume, approval) from outside the driving controller, retrying when the driver wrote first. */
export async function appendRequest(journal: Journal, body: EntryBody): Promise<JournalEntry> {
  for (let attempt = 1; ; attempt++) {
    await journal.load();
    try {
      return await journal.append(body);
    } catch (e) {
      if (!isEdgeError(e, 'ROLLOUT_LEASE_LOST') || attempt >= ATTEMPTS * 4) throw e;
    }
  }
}

/** Appends an abort request from outside the driving controller, retrying when the driver wrote first. */
export function appendAbort(journal: Journal, by: string, reason: string, rollback = false): Promise<JournalEntry> {
  return appendRequest(journal, { type: 'abort-requested', by, reason, ...(rollback ? { rollback: true } : {}) });
}
