// zip extraction with yauzl (streaming, lazyEntries: one entry at a time, in central-directory order).
// Names are decoded here (decodeStrings: false) so that absolute and '..' names get our own coded
// errors instead of yauzl's generic ones. Sizes from the central directory are only a first check:
// each entry's expanded bytes are counted while streaming and must not exceed what it declares, and
// the total must stay under the limit, so a zip bomb with lying sizes is stopped.
import type { Readable } from 'node:stream';
import { addAbortSignal } from 'node:stream';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import type { ConfinedWriter } from './unpack-writer.js';
import { openZip } from './unpack-zip-reader.js';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const MADE_BY_UNIX = 3;
const MSDOS_DIRECTORY = 0x10;
const MAX_LINK_TARGET = 4096;

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function corrupt(message: string, cause?: unknown, entry?: string): EdgeError {
  return new EdgeError('ARCHIVE_CORRUPT', message, { cause, details: entry === undefined ? {} : { entry } });
}

/** Run a yauzl operation; its failures mean the archive is unreadable. */
async function zipCall<T>(what: string, work: () => Promise<T>, entry?: string): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (isEdgeError(e) || (e as Error).name === 'AbortError') throw e;
    throw corrupt(`the zip archive is corrupt (${what}): ${describe(e)}`, e, entry);
  }
}

type ZipKind = 'file' | 'directory' | 'symlink' | 'special';

interface ZipEntryInfo {
  name: string;
  kind: ZipKind;
  /** st_mode from the external attributes when the archive was made on unix, else undefined. */
  unixMode: number | undefined;
}

function describeZipEntry(entry: Entry): ZipEntryInfo {
  const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
  const madeByUnix = entry.versionMadeBy >> 8 === MADE_BY_UNIX;
  const raw = madeByUnix ? entry.externalFileAttributes >>> 16 : 0;
  const unixMode = raw === 0 ? undefined : raw;
  const type = (unixMode ?? 0) & S_IFMT;
  let kind: ZipKind;
  if (type === S_IFLNK) kind = 'symlink';
  else if (type === S_IFDIR || name.endsWith('/')) kind = 'directory';
  else if (type === 0 || type === S_IFREG) kind = (!madeByUnix && entry.externalFileAttributes & MSDOS_DIRECTORY) ? 'directory' : 'file';
  else kind = 'special';
  return { name, kind, unixMode };
}

/** The entry's expanded data, checked against its CRC-32 when the runtime offers zlib.crc32. */
async function* checked(stream: Readable, entry: Entry, name: string): AsyncGenerator<Buffer> {
  const crc32 = typeof zlib.crc32 === 'function' ? zlib.crc32 : undefined;
  let crc = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (crc32) crc = crc32(chunk, crc);
      yield chunk;
    }
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw corrupt(`zip entry '${name}' cannot be decompressed: ${describe(e)}`, e, name);
  }
  if (crc32 && crc >>> 0 !== entry.crc32 >>> 0) throw corrupt(`zip entry '${name}' fails its CRC-32 check`, undefined, name);
}

async function readLinkTarget(data: AsyncIterable<Buffer>, name: string, writer: ConfinedWriter): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of data) {
    size += chunk.length;
    writer.addBytes(name, chunk.length);
    if (size > MAX_LINK_TARGET) throw corrupt(`zip symlink '${name}' has a target longer than ${MAX_LINK_TARGET} bytes`, undefined, name);
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}

async function extractEntry(zip: ZipFile, entry: Entry, writer: ConfinedWriter, signal?: AbortSignal): Promise<void> {
  const { name, kind, unixMode } = describeZipEntry(entry);
  writer.countEntry(name);
  if (kind === 'special') {
    throw new EdgeError('ARCHIVE_SPECIAL_ENTRY', `zip entry '${name}' is a device, fifo or socket (mode ${(unixMode ?? 0).toString(8)})`, {
      details: { entry: name, mode: unixMode },
    });
  }
  if (entry.isEncrypted()) throw corrupt(`zip entry '${name}' is encrypted, which is not supported`, undefined, name);
  const mtime = entry.getLastModDate();
  const mode = unixMode === undefined ? undefined : unixMode & 0o7777;
  if (kind === 'directory') return writer.directory(name, mode, mtime);
  writer.checkDeclaredSize(name, entry.uncompressedSize);
  const stream = await zipCall('opening an entry', () => zip.openReadStreamPromise(entry), name);
  if (signal) addAbortSignal(signal, stream);
  const data = checked(stream, entry, name);
  try {
    if (kind === 'symlink') return await writer.symlink(name, await readLinkTarget(data, name, writer), mtime);
    return await writer.file(name, { mode, mtime, size: entry.uncompressedSize }, data);
  } finally {
    stream.destroy();
  }
}

/** Extract a zip archive through the writer. */
export async function extractZip(bundlePath: string, writer: ConfinedWriter, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  const zip = await zipCall('reading the central directory', () => openZip(bundlePath, {
    lazyEntries: true,
    autoClose: false,
    decodeStrings: false,
    validateEntrySizes: false, // we check sizes ourselves, while streaming
    strictFileNames: false,
  }));
  try {
    writer.checkDeclaredEntries(zip.entryCount);
    const entries = zip.eachEntry();
    for (;;) {
      const next = await zipCall('reading the central directory', () => entries.next());
      if (next.done) break;
      signal?.throwIfAborted();
      await extractEntry(zip, next.value, writer, signal);
    }
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw e;
  } finally {
    zip.close();
  }
}
