// Copies one S3 response body into the partial bundle file at the current offset. The offset and the
// running MD5 advance only after a write completed, so after any failure `sink.position` is exactly
// the number of bytes on disk and a resumed request can start there. A body that sends nothing for
// `idleMs` is destroyed (read timeout: a stalled connection never hangs the download), and an
// aborted signal destroys it at once.
import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { BundleIntegrityError, BundleStreamError, BundleWriteError } from './s3-download-errors.js';

export interface PartialFile {
  readonly file: FileHandle;
  readonly path: string;
  /** Bytes on disk; the next write goes here. */
  position: number;
  /** MD5 of the bytes on disk, in order. */
  md5: Hash;
}

export interface CopyBodyOptions {
  /** Read timeout: the longest wait for the next chunk. */
  readonly idleMs: number;
  /** Bytes this response may carry (the rest of the object); more is an integrity error. */
  readonly expectedBytes: number;
  readonly signal?: AbortSignal | undefined;
}

async function writeAll(sink: PartialFile, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    let n: number;
    try {
      ({ bytesWritten: n } = await sink.file.write(chunk, offset, chunk.length - offset, sink.position + offset));
    } catch (e) {
      throw new BundleWriteError(sink.path, e);
    }
    offset += n;
  }
}

/** Resolves when the body ended with all `expectedBytes` written; rejects otherwise (see module doc). */
export async function copyBodyToFile(body: Readable, sink: PartialFile, options: CopyBodyOptions): Promise<void> {
  const { idleMs, signal } = options;
  const limit = sink.position + options.expectedBytes;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => body.destroy(new BundleStreamError(`no data received for ${idleMs} ms`, 'EREADTIMEOUT')), idleMs);
  };
  const onAbort = (): void => {
    body.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal?.aborted) onAbort();
    arm();
    for await (const raw of body) {
      clearTimeout(timer);
      const chunk = raw as Uint8Array;
      if (sink.position + chunk.length > limit) {
        throw new BundleIntegrityError(`the response carried more than the ${options.expectedBytes} bytes it announced`);
      }
      await writeAll(sink, chunk);
      sink.position += chunk.length;
      sink.md5.update(chunk);
      arm();
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    if (!body.destroyed) body.destroy();
  }
  if (signal?.aborted) throw signal.reason;
  if (sink.position < limit) throw new BundleStreamError(`the response ended after ${options.expectedBytes - (limit - sink.position)} of ${options.expectedBytes} bytes`, 'ESHORTBODY');
}
