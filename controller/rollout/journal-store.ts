// The rollout journal in S3, next to the release: one object per write, keyed by its first
// entry's sequence number (`<prefix>journal/00000042.json`): one entry, or several written at once
// (a batch, all or nothing) when many targets report together. Each is written with If-None-Match,
// so nothing is overwritten, and a snapshot every SNAPSHOT_EVERY entries lets a long rollout read
// back in a few requests. Two writers racing for one sequence number: one wins, the other learns it lost.
import { EdgeError } from '../../shared/errors.js';
import { foldJournal, foldNext, JOURNAL_SCHEMA, type EntryBody, type JournalEntry, type RolloutState } from './journal-model.js';
import { PreconditionFailed, type ObjectStore } from './object-store.js';

export const SNAPSHOT_EVERY = 100;
/** The schema of an object holding several entries (`entries`, in sequence). */
export const JOURNAL_BATCH_SCHEMA = 'fleetctl.rollout-journal-batch/v1';

const pad = (n: number): string => String(n).padStart(8, '0');

export interface JournalDeps {
  readonly store: ObjectStore;
  /** Key prefix of this rollout, ending in `/`. */
  readonly prefix: string;
  readonly now: () => Date;
}

export class Journal {
  private entries: JournalEntry[] = [];
  private state: RolloutState = foldJournal([]);

  constructor(private readonly deps: JournalDeps) {}

  get current(): RolloutState {
    return this.state;
  }

  get all(): readonly JournalEntry[] {
    return this.entries;
  }

  get location(): string {
    return `${this.deps.store.where}${this.deps.prefix}journal/`;
  }

  /** Reads every entry back (snapshot first, then the entries after it) and folds them. */
  async load(): Promise<RolloutState> {
    const { store, prefix } = this.deps;
    const snapshots = await store.list(`${prefix}snapshot/`);
    let entries: JournalEntry[] = [];
    const latest = snapshots.at(-1);
    if (latest) entries = parseDoc<{ entries: JournalEntry[] }>(await mustGet(store, latest), latest).entries;
    const keys = (await store.list(`${prefix}journal/`)).filter((k) => seqOf(k) >= entries.length);
    const bodies = await inBatches(keys, 16, (k) => mustGet(store, k));
    entries = entries.concat(bodies.flatMap((b, i) => entriesOf(b, keys[i] ?? '')));
    entries.sort((a, b) => a.seq - b.seq);
    try {
      this.state = foldJournal(entries);
    } catch (e) {
      throw new EdgeError('ROLLOUT_JOURNAL_CORRUPT', `the journal at ${this.location} cannot be read: ${(e as Error).message}`, { cause: e });
    }
    this.entries = entries;
    return this.state;
  }

  /** Appends one entry; fails if another controller wrote that sequence number first. */
  async append(body: EntryBody): Promise<JournalEntry> {
    const [entry] = await this.appendMany([body]);
    if (!entry) throw new EdgeError('INTERNAL', 'the journal appended nothing');
    return entry;
  }

  /**
   * Appends entries in one write (one entry is written as a single entry, as append writes it);
   * fails, writing none of them, if another controller wrote the first one's sequence number first.
   */
  async appendMany(bodies: readonly EntryBody[]): Promise<JournalEntry[]> {
    const first = this.state.nextSeq;
    const at = this.deps.now().toISOString();
    const written = bodies.map((body, i) => ({ ...body, seq: first + i, at }) as JournalEntry);
    let state = this.state;
    for (const entry of written) state = foldNext(state, entry); // a bad entry throws before anything is written
    const key = `${this.deps.prefix}journal/${pad(first)}.json`;
    const doc = written.length === 1 ? { schema: JOURNAL_SCHEMA, ...written[0] } : { schema: JOURNAL_BATCH_SCHEMA, entries: written };
    try {
      await this.deps.store.put(key, Buffer.from(JSON.stringify(doc)), { ifNoneMatch: '*' });
    } catch (e) {
      if (!(e instanceof PreconditionFailed)) throw e;
      throw new EdgeError('ROLLOUT_LEASE_LOST', `another controller wrote entry ${first} of the journal at ${this.location}`, { cause: e });
    }
    const before = this.entries.length;
    this.entries = [...this.entries, ...written];
    this.state = state;
    if (Math.floor(this.entries.length / SNAPSHOT_EVERY) > Math.floor(before / SNAPSHOT_EVERY)) await this.snapshot();
    return written;
  }

  /** A snapshot is only an optimisation: entries stay; a failed snapshot write is ignored. */
  private async snapshot(): Promise<void> {
    const key = `${this.deps.prefix}snapshot/${pad(this.entries.length)}.json`;
    try {
      await this.deps.store.put(key, Buffer.from(JSON.stringify({ schema: JOURNAL_SCHEMA, entries: this.entries })), { ifNoneMatch: '*' });
    } catch {
      // the entries are the record; the next snapshot will do
    }
  }
}

const seqOf = (key: string): number => Number(/(\d{8})\.json$/.exec(key)?.[1] ?? -1);

async function mustGet(store: ObjectStore, key: string): Promise<Buffer> {
  const o = await store.get(key);
  if (!o) throw new EdgeError('ROLLOUT_JOURNAL_CORRUPT', `journal object ${key} was listed but cannot be read`);
  return o.body;
}

/** The entries of one journal object: a single entry, or a batch (its own schema, `entries`). */
function entriesOf(body: Buffer, key: string): JournalEntry[] {
  const doc = parseDoc<{ type?: unknown; entries?: unknown }>(body, key, [JOURNAL_SCHEMA, JOURNAL_BATCH_SCHEMA]);
  if (typeof doc.type === 'string') return [doc as JournalEntry];
  if (Array.isArray(doc.entries) && doc.entries.length > 0) return doc.entries as JournalEntry[];
  throw new EdgeError('ROLLOUT_JOURNAL_CORRUPT', `journal object ${key} holds neither an entry nor a batch of entries`);
}

function parseDoc<T>(body: Buffer, key: string, schemas: readonly string[] = [JOURNAL_SCHEMA]): T {
  try {
    const doc = JSON.parse(body.toString('utf8')) as { schema?: string };
    if (!schemas.includes(doc.schema ?? '')) throw new Error(`schema ${String(doc.schema)}, expected ${schemas.join(' or ')}`);
    const { schema: _schema, ...rest } = doc;
    return rest as T;
  } catch (e) {
    throw new EdgeError('ROLLOUT_JOURNAL_CORRUPT', `journal object ${key} is not a journal entry: ${(e as Error).message}`, { cause: e });
  }
}

async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}
