// The offline spool: a bounded FIFO of outgoing messages, held in memory and in an append-only file
// (<dir>/spool.ndjson) so nothing within the bound is lost across an agent restart.
// - add() appends and fsyncs an {"add":…} line; remove() appends a {"remove":seq} line (not fsynced:
//   losing one only re-sends a message, which QoS 1 consumers must tolerate anyway).
// - A message with a `key` supersedes the pending one with the same key (the shadow report: only
//   the latest state matters).
// - Over maxMessages or maxBytes the oldest messages are dropped; drops are counted and logged.
// - The file is rewritten (atomically) with only the pending messages once removed lines dominate.
// - Sequence numbers only grow, also across restarts (the compacted file starts with {"next":n}).
// - A torn last line (crash mid-append) is skipped on open.
import { closeSync, existsSync, fdatasyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../shared/fs-atomic.js';
import type { Logger } from '../../shared/log.js';
import { isoUtc } from '../../shared/utc-time.js';

export type SpoolKind = 'telemetry' | 'shadow';

export interface SpoolMessage {
  readonly topic: string;
  readonly payload: string;
  readonly kind: SpoolKind;
  /** Messages with the same key supersede each other. */
  readonly key?: string;
}

export interface SpoolEntry extends SpoolMessage {
  readonly seq: number;
  /** ISO time it was spooled. */
  readonly at: string;
}

export interface SpoolOptions {
  readonly dir: string;
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly log: Logger;
  readonly now?: () => Date;
}

export const SPOOL_FILE = 'spool.ndjson';
/** Never compact a file smaller than this. */
const COMPACT_MIN_BYTES = 64 * 1024;

const sizeOf = (m: SpoolMessage): number => Buffer.byteLength(m.topic) + Buffer.byteLength(m.payload);

export class Spool {
  private readonly entries = new Map<number, SpoolEntry>();
  private readonly file: string;
  private fd: number | undefined;
  private nextSeq = 1;
  private bytes = 0;
  private fileBytes = 0;
  private droppedCount = 0;

  private constructor(private readonly options: SpoolOptions) {
    this.file = join(options.dir, SPOOL_FILE);
  }

  /** Opens the spool in `dir`, loading what a previous run left pending. */
  static open(options: SpoolOptions): Spool {
    const spool = new Spool(options);
    spool.load();
    return spool;
  }

  private load(): void {
    mkdirSync(this.options.dir, { recursive: true });
    if (existsSync(this.file)) {
      let torn = 0;
      for (const line of readFileSync(this.file, 'utf8').split('\n')) {
        if (line === '') continue;
        let record: { add?: SpoolEntry; remove?: number; next?: number };
        try {
          record = JSON.parse(line) as typeof record;
        } catch {
          torn++;
          continue;
        }
        if (typeof record.next === 'number') {
          this.nextSeq = Math.max(this.nextSeq, record.next);
        } else if (record.add) {
          this.entries.set(record.add.seq, record.add);
          this.bytes += sizeOf(record.add);
          this.nextSeq = Math.max(this.nextSeq, record.add.seq + 1);
        } else if (typeof record.remove === 'number') {
          const e = this.entries.get(record.remove);
          if (e) this.bytes -= sizeOf(e);
          this.entries.delete(record.remove);
        }
      }
      if (torn > 0) this.options.log.warn({ file: this.file, lines: torn }, 'telemetry spool: skipped unreadable lines');
      if (this.entries.size > 0) this.options.log.info({ pending: this.entries.size }, 'telemetry spool: messages from the previous run will be sent');
    }
    // the bounds may have shrunk since the last run
    this.enforceBounds();
    this.compact();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes of topic + payload of the pending messages. */
  get pendingBytes(): number {
    return this.bytes;
  }

  /** Messages dropped over the bounds since the spool was opened. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Pending messages, oldest first. */
  pending(): SpoolEntry[] {
    return [...this.entries.values()];
  }

  has(seq: number): boolean {
    return this.entries.has(seq);
  }

  add(message: SpoolMessage): SpoolEntry | undefined {
    if (sizeOf(message) > this.options.maxBytes) {
      this.droppedCount++;
      this.options.log.warn({ topic: message.topic, bytes: sizeOf(message), maxBytes: this.options.maxBytes, dropped: this.droppedCount }, 'telemetry spool: message larger than the spool, dropped');
      return undefined;
    }
    if (message.key !== undefined) {
      for (const e of this.entries.values()) if (e.key === message.key) this.remove(e.seq);
    }
    const entry: SpoolEntry = { seq: this.nextSeq++, at: isoUtc((this.options.now ?? (() => new Date()))().getTime()), ...message };
    this.entries.set(entry.seq, entry);
    this.bytes += sizeOf(entry);
    this.append({ add: entry }, true);
    this.enforceBounds();
    return entry;
  }

  /** The message was delivered (or superseded): forget it. Unknown seqs are ignored. */
  remove(seq: number): void {
    const e = this.entries.get(seq);
    if (!e) return;
    this.entries.delete(seq);
    this.bytes -= sizeOf(e);
    this.append({ remove: seq }, false);
    if (this.fileBytes > Math.max(COMPACT_MIN_BYTES, 2 * this.bytes + 2 * this.entries.size * 128)) this.compact();
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private enforceBounds(): void {
    let dropped = 0;
    for (const e of this.entries.values()) {
      if (this.entries.size <= this.options.maxMessages && this.bytes <= this.options.maxBytes) break;
      this.remove(e.seq);
      dropped++;
    }
    if (dropped > 0) {
      this.droppedCount += dropped;
      this.options.log.warn(
        { dropped, droppedTotal: this.droppedCount, maxMessages: this.options.maxMessages, maxBytes: this.options.maxBytes },
        'telemetry spool full: oldest messages dropped',
      );
    }
  }

  private append(record: object, sync: boolean): void {
    if (this.fd === undefined) {
      this.fd = openSync(this.file, 'a', 0o640);
      this.fileBytes = statSync(this.file).size;
    }
    const line = Buffer.from(`${JSON.stringify(record)}\n`);
    let off = 0;
    while (off < line.length) off += writeSync(this.fd, line, off, line.length - off);
    this.fileBytes += line.length;
    if (sync) fdatasyncSync(this.fd);
  }

  /** Rewrites the file with only the pending messages. */
  private compact(): void {
    this.close();
    // the first line keeps sequence numbers increasing across compactions and restarts
    const text = [`${JSON.stringify({ next: this.nextSeq })}\n`, ...[...this.entries.values()].map((e) => `${JSON.stringify({ add: e })}\n`)].join('');
    writeFileAtomic(this.file, text, { mode: 0o640 });
    this.fileBytes = Buffer.byteLength(text);
  }
}
