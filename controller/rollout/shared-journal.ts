// The journal as the driving controller and `fleetctl rollout abort` share it. Only the lease
// holder drives, but an abort may be written by anyone with access: it takes the next sequence
// number, and the driver's own write for that number then loses its condition. When every entry
// written meanwhile is an abort request, the driver reads them in and writes its entry after them
// (the abort takes effect at the next step: no new target starts); anything else means another
// controller drove the rollout, and the driver stops (ROLLOUT_LEASE_LOST).
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import type { EntryBody, JournalEntry } from './journal-model.js';
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
        await this.load();
        const foreign = this.all.slice(known).filter((x) => x.type !== 'abort-requested');
        if (foreign.length > 0) {
          throw new EdgeError('ROLLOUT_LEASE_LOST', `another controller wrote entry ${foreign[0]?.seq ?? known} (${foreign[0]?.type ?? '?'}) of the journal at ${this.location}`, {
            cause: e,
          });
        }
      }
    }
  }
}

/** Appends an abort request from outside the driving controller, retrying when the driver wrote first. */
export async function appendAbort(journal: Journal, by: string, reason: string): Promise<JournalEntry> {
  for (let attempt = 1; ; attempt++) {
    await journal.load();
    try {
      return await journal.append({ type: 'abort-requested', by, reason });
    } catch (e) {
      if (!isEdgeError(e, 'ROLLOUT_LEASE_LOST') || attempt >= ATTEMPTS * 4) throw e;
    }
  }
}
