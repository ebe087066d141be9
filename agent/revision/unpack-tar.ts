// tar / tar.gz extraction with the `tar` library's parser (no shell tools). The library only parses;
// every entry is validated and written by the ConfinedWriter, one at a time, in archive order.
// We fail during extraction (no pre-scan): each entry is checked before anything is created for it,
// and the writer never writes outside the root, so a rejection leaves only a partial root behind.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import type { ConfinedWriter } from './unpack-writer.js';

function corrupt(message: string, cause?: unknown, details: Record<string, unknown> = {}): EdgeError {
  return new EdgeError('ARCHIVE_CORRUPT', message, { cause, details });
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const STOPPED: unique symbol = Symbol('stopped');

async function drain(data: AsyncIterable<Buffer>): Promise<void> {
  for await (const _chunk of data) {
    // discard
  }
}

/** Write one entry; throws a coded EdgeError when the entry is refused. */
async function writeEntry(entry: ReadEntry, data: AsyncIterable<Buffer>, writer: ConfinedWriter): Promise<void> {
  const name = entry.path;
  switch (entry.type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      // Old tars mark directories as files whose name ends in '/'.
      if (name.endsWith('/') && entry.size === 0) return writer.directory(name, entry.mode, entry.mtime);
      return writer.file(name, { mode: entry.mode, mtime: entry.mtime, size: entry.size }, data);
    case 'Directory':
    case 'GNUDumpDir':
      await writer.directory(name, entry.mode, entry.mtime);
      return drain(data);
    case 'SymbolicLink':
      return writer.symlink(name, entry.linkpath ?? '', entry.mtime);
    case 'Link':
      return writer.hardlink(name, entry.linkpath ?? '');
    default:
      throw new EdgeError('ARCHIVE_SPECIAL_ENTRY', `archive entry '${name}' is a ${entry.type}; only files, directories and links are allowed`, {
        details: { entry: name, type: entry.type },
      });
  }
}

class TarJob {
  private failure: { error: unknown } | undefined;
  /** Callbacks that end a wait early when the job fails (see until()). */
  private readonly wakers = new Set<() => void>();
  private chain: Promise<void> = Promise.resolve();
  private sawEof = false;
  private readonly parser = new Parser({ strict: true, brotli: false, zstd: false });

  constructor(private readonly writer: ConfinedWriter) {
    this.parser.on('entry', (entry: ReadEntry) => this.onEntry(entry));
    this.parser.on('ignoredEntry', (entry: ReadEntry) => {
      this.fail(entry.meta
        ? corrupt(`archive has an oversized extended header before '${entry.path}'`, undefined, { entry: entry.path })
        : new EdgeError('ARCHIVE_SPECIAL_ENTRY', `archive entry '${entry.path}' has the unsupported type ${entry.type}`, {
          details: { entry: entry.path, type: entry.type },
        }));
    });
    this.parser.on('eof', () => (this.sawEof = true));
    this.parser.on('error', (e: unknown) => this.fail(corrupt(`the tar archive is corrupt: ${describe(e)}`, e)));
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    for (const wake of this.wakers) wake();
    this.wakers.clear();
  }

  /**
   * Wait for `p`, or resolve STOPPED as soon as the job fails: after a failure the parser gets no
   * more input, so a wait for data or 'drain' could otherwise last forever. (A waker is removed once
   * `p` settles, so long extractions do not pile up reactions on a shared promise.)
   */
  private until<T>(p: Promise<T>): Promise<T | typeof STOPPED> {
    if (this.failure) return Promise.resolve(STOPPED);
    return new Promise((resolve, reject) => {
      const wake = (): void => resolve(STOPPED);
      this.wakers.add(wake);
      p.then((v) => {
        this.wakers.delete(wake);
        resolve(v);
      }, (e: unknown) => {
        this.wakers.delete(wake);
        reject(e);
      });
    });
  }

  /** The entry's data, ending early (by throwing) once the job has failed. */
  private async *data(entry: ReadEntry): AsyncGenerator<Buffer> {
    const it = entry[Symbol.asyncIterator]();
    for (;;) {
      const next = await this.until(it.next());
      if (next === STOPPED) throw new Error('extraction stopped');
      if (next.done) return;
      yield next.value;
    }
  }

  private onEntry(entry: ReadEntry): void {
    if (this.failure) {
      entry.resume();
      return;
    }
    try {
      this.writer.countEntry(entry.path);
      this.writer.checkDeclaredSize(entry.path, entry.size);
    } catch (e) {
      this.fail(e);
      entry.resume();
      return;
    }
    this.chain = this.chain.then(async () => {
      if (this.failure) {
        entry.resume();
        return;
      }
      try {
        await writeEntry(entry, this.data(entry), this.writer);
      } catch (e) {
        this.fail(e);
      }
      // Let the parser move on: it waits for each entry's 'end', even for entries without data.
      entry.resume();
    });
  }

  /** Feed the decompressed stream to the parser, honouring its backpressure. */
  private async feed(source: Readable): Promise<void> {
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        if (this.failure) return;
        if (!this.parser.write(chunk)) {
          await this.until(new Promise((resolve) => this.parser.once('drain', resolve)));
        }
      }
      if (!this.failure) this.parser.end();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      this.fail(code.startsWith('Z_') || code === 'ERR_ZLIB_INITIALIZATION_FAILED'
        ? corrupt(`the gzip stream is corrupt: ${describe(e)}`, e)
        : new EdgeError('INTERNAL', `could not read the bundle: ${describe(e)}`, { cause: e }));
    }
  }

  async run(bundlePath: string, gzip: boolean, signal?: AbortSignal): Promise<void> {
    const ended = new Promise<void>((resolve) => this.parser.once('end', resolve));
    const onAbort = (): void => this.fail(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    // Large chunks: per-chunk overhead (parser, promise hops) dominates with the 16-64 KiB defaults.
    const input = createReadStream(bundlePath, { highWaterMark: 1 << 20 });
    const gunzip = gzip ? createGunzip({ chunkSize: 1 << 18 }) : undefined;
    const source: Readable = gunzip ?? input;
    if (gunzip) pipeline(input, gunzip).catch(() => undefined); // errors surface through `source`
    try {
      await this.until((async () => {
        await this.feed(source);
        await ended;
      })());
      await this.chain; // never rejects; a failing handler records the failure
      if (!this.failure) {
        if (!this.sawEof) throw corrupt('the tar archive is truncated (no end-of-archive marker)');
        return;
      }
      throw this.failure.error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      input.destroy();
      gunzip?.destroy();
    }
  }
}

/** Extract a tar (gzip=false) or tar.gz (gzip=true) stream through the writer. */
export async function extractTar(bundlePath: string, writer: ConfinedWriter, gzip: boolean, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  try {
    await new TarJob(writer).run(bundlePath, gzip, signal);
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    if (isEdgeError(e)) throw e;
    throw new EdgeError('INTERNAL', `tar extraction failed: ${describe(e)}`, { cause: e });
  }
}
