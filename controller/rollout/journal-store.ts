// The rollout journal in S3, next to the release: one object per entry
// (`<prefix>journal/00000042.json`), each written with If-None-Match so an entry is never
// overwritten, and a snapshot every SNAPSHOT_EVERY entries so a long rollout reads back in a few
// requests. Two writers racing for one sequence number: one wins, the other learns it lost.
import { EdgeError } from '../../shared/errors.js';
import { foldJournal, JOURNAL_SCHEMA, type EntryBody, type JournalEntry, type RolloutState } from './journal-model.js';
import { PreconditionFailed, type ObjectStore } from './object-store.js';

export const SNAPSHOT_EVERY = 100;

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
    entries = entries.concat(bodies.map((b, i) => parseDoc<JournalEntry>(b, keys[i] ?? '')));
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
    const seq = this.state.nextSeq;
    const entry = { ...body, seq, at: this.deps.now().toISOString() } as JournalEntry;
    const key = `${this.deps.prefix}journal/${pad(seq)}.json`;
    try {
      await this.deps.store.put(key, Buffer.from(JSON.stringify({ schema: JOURNAL_SCHEMA, ...entry })), { ifNoneMatch: '*' });
    } catch (e) {
      if (e instanceof PreconditionFailed) throw new EdgeError('ROLLOUT_LEASE_LOST', `another controller wrote entry ${seq} of the journal at ${this.location}`, { cause: e });
      throw e;
    }
    const next = [...this.entries, entry];
    this.state = foldJournal(next);
    this.entries = next;
    if (next.length % SNAPSHOT_EVERY === 0) await this.snapshot();
    return entry;
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

function parseDoc<T>(body: Buffer, key: string): T {
  try {
    const doc = JSON.parse(body.toString('utf8')) as { schema?: string };
    if (doc.schema !== JOURNAL_SCHEMA) throw new Error(`schema ${String(doc.schema)}, expected ${JOURNAL_SCHEMA}`);
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
