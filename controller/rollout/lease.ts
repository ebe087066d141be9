// One controller drives a rollout at a time: a lease object next to the journal, taken and renewed
// with conditional writes. A second controller is told who holds the lease and until when; a lease
// whose holder stopped renewing it expires and may be taken over.
import { EdgeError } from '../../shared/errors.js';
import { PreconditionFailed, type ObjectStore } from './object-store.js';

export const LEASE_SCHEMA = 'fleetctl.rollout-lease/v1';

export interface LeaseDoc {
  readonly holder: string;
  readonly until: string;
  readonly acquired: string;
}

export interface LeaseDeps {
  readonly store: ObjectStore;
  readonly key: string;
  /** Who we are: caller identity plus host and pid, shown to whoever is refused. */
  readonly holder: string;
  readonly now: () => Date;
  /** How long a lease lasts without renewal. */
  readonly ttlMs: number;
  /** True when the holder is known to be gone (e.g. a dead process on this host): its lease may be taken at once. */
  readonly holderGone?: (holder: string) => boolean;
}

export class Lease {
  private etag: string | undefined;
  private acquiredAt: string | undefined;

  constructor(private readonly deps: LeaseDeps) {}

  /** Takes the lease, or throws ROLLOUT_LEASE_HELD naming the holder and expiry. */
  async acquire(): Promise<void> {
    const { store, key, holder, now } = this.deps;
    const current = await store.get(key);
    if (current) {
      const doc = parse(current.body);
      const live = doc && doc.holder !== holder && Date.parse(doc.until) > now().getTime() && !this.deps.holderGone?.(doc.holder);
      if (doc && live) {
        throw new EdgeError('ROLLOUT_LEASE_HELD', `the rollout is being driven by ${doc.holder} (lease until ${doc.until}, taken ${doc.acquired})`, {
          details: { holder: doc.holder, until: doc.until },
        });
      }
    }
    this.acquiredAt = now().toISOString();
    await this.write(current ? { ifMatch: current.etag } : { ifNoneMatch: '*' }, 'acquire');
  }

  /** Extends the lease; throws ROLLOUT_LEASE_LOST when someone else took it meanwhile. */
  async renew(): Promise<void> {
    if (!this.etag) throw new Error('renew before acquire');
    await this.write({ ifMatch: this.etag }, 'renew');
  }

  /** Ends the lease now (expired in place, so the next controller need not wait). */
  async release(): Promise<void> {
    if (!this.etag) return;
    const doc: LeaseDoc = { holder: this.deps.holder, until: new Date(0).toISOString(), acquired: this.acquiredAt ?? '' };
    try {
      await this.deps.store.put(this.deps.key, body(doc), { ifMatch: this.etag });
    } catch {
      // someone took it over already: nothing to release
    }
    this.etag = undefined;
  }

  private async write(conditions: { ifMatch: string } | { ifNoneMatch: '*' }, what: string): Promise<void> {
    const { store, key, holder, now, ttlMs } = this.deps;
    const doc: LeaseDoc = { holder, until: new Date(now().getTime() + ttlMs).toISOString(), acquired: this.acquiredAt ?? now().toISOString() };
    try {
      this.etag = (await store.put(key, body(doc), conditions)).etag;
    } catch (e) {
      if (!(e instanceof PreconditionFailed)) throw e;
      const other = parse((await store.get(key))?.body);
      const who = other ? `${other.holder} (until ${other.until})` : 'another controller';
      throw new EdgeError(what === 'acquire' ? 'ROLLOUT_LEASE_HELD' : 'ROLLOUT_LEASE_LOST', `the rollout lease was taken by ${who} while we tried to ${what} it`, { cause: e });
    }
  }
}

const body = (doc: LeaseDoc): Buffer => Buffer.from(JSON.stringify({ schema: LEASE_SCHEMA, ...doc }));

function parse(b: Buffer | undefined): LeaseDoc | undefined {
  if (!b) return undefined;
  try {
    const d = JSON.parse(b.toString('utf8')) as Partial<LeaseDoc> & { schema?: string };
    return d.schema === LEASE_SCHEMA && typeof d.holder === 'string' && typeof d.until === 'string' ? { holder: d.holder, until: d.until, acquired: d.acquired ?? '' } : undefined;
  } catch {
    return undefined;
  }
}
