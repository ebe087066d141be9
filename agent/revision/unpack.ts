// DownloadBundle, step 3: unpack bundle.tar into <deployment>/deployment-archive
// (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/command_executor.rb). Replaces `tar -xpsf` / `unzip -qo` with in-process, confined extraction.
//
// Security model (see unpack-writer.ts): nothing is ever written outside destDir, not even
// transiently. Entries are checked one by one while streaming (no pre-scan), each before anything is
// created for it; on the first refused entry extraction stops and the promise rejects with a coded
// EdgeError naming the entry. The caller then deletes destDir, which may hold a partial extraction.
import fs from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import { sniffFile, type SniffedFormat } from './unpack-detect.js';
import { ConfinedWriter, type ArchiveLimits } from './unpack-writer.js';

export type { ArchiveLimits } from './unpack-writer.js';

export type ArchiveType = 'tar' | 'tgz' | 'zip';

export interface ExtractResult {
  /** Entries extracted (files, directories, links). */
  entries: number;
  /** Expanded bytes written (file contents and zip symlink targets). */
  bytes: number;
}

/**
 * Defaults sized for a Raspberry Pi (SD card, 1-8 GB RAM): a revision larger than 2 GiB expanded or
 * with more than 100 000 entries is almost certainly a mistake or an attack. Memory use does not grow
 * with these: extraction streams.
 */
export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxBytes: 2 * 1024 ** 3,
  maxEntries: 100_000,
});

function checkLimits(limits: ArchiveLimits): void {
  for (const key of ['maxBytes', 'maxEntries'] as const) {
    const v = limits[key];
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new EdgeError('CONFIG_INVALID', `archive limit ${key} must be a non-negative integer, got ${String(v)}`, { details: { [key]: v } });
    }
  }
}

function unsupported(bundlePath: string, format: SniffedFormat): EdgeError {
  return new EdgeError('ARCHIVE_CORRUPT', `the bundle ${bundlePath} is ${format}-compressed; only tar, tar.gz (tgz) and zip are supported`, {
    details: { bundlePath, format },
  });
}

/** What to run, from the bytes first and the declared type only when the bytes are not conclusive. */
function chooseFormat(declared: ArchiveType, sniffed: SniffedFormat, bundlePath: string): 'tar' | 'tgz' | 'zip' {
  switch (sniffed) {
    case 'gzip':
      return 'tgz';
    case 'zip':
      return 'zip';
    case 'tar':
      return 'tar';
    case 'bzip2':
    case 'xz':
    case 'zstd':
      throw unsupported(bundlePath, sniffed);
    case 'unknown':
      // Old (pre-POSIX) tars have no magic; zips with a prefix (self-extracting) start elsewhere.
      return declared === 'zip' ? 'zip' : 'tar';
  }
}

/**
 * Unpack `bundlePath` into `destDir` (created if missing). `type` is the declared bundle type; the
 * file's first bytes win when they say otherwise (gzip, zip or ustar magic).
 * Rejects with ARCHIVE_* codes (see shared/errors.ts), BUNDLE_NOT_FOUND, or `signal.reason` when aborted.
 * File modes keep only rwx bits; ownership is never taken from the archive; mtimes are kept.
 */
export async function extractArchive(
  bundlePath: string,
  destDir: string,
  type: ArchiveType,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
  signal?: AbortSignal,
): Promise<ExtractResult> {
  checkLimits(limits);
  signal?.throwIfAborted();
  let stat: Stats;
  try {
    stat = await fs.stat(bundlePath);
  } catch (e) {
    throw new EdgeError('BUNDLE_NOT_FOUND', `the bundle ${bundlePath} does not exist`, { cause: e, details: { bundlePath } });
  }
  if (!stat.isFile()) {
    throw new EdgeError('BUNDLE_TYPE_MISMATCH', `the bundle ${bundlePath} is not a file (type ${type})`, { details: { bundlePath, type } });
  }
  try {
    const format = chooseFormat(type, await sniffFile(bundlePath), bundlePath);
    const writer = await ConfinedWriter.open(destDir, limits);
    // tar and yauzl load on the first unpack only: the idle daemon does not need them (~3 MB RSS)
    if (format === 'zip') await (await import('./unpack-zip.js')).extractZip(bundlePath, writer, signal);
    else await (await import('./unpack-tar.js')).extractTar(bundlePath, writer, format === 'tgz', signal);
    signal?.throwIfAborted();
    await writer.finish();
    return { entries: writer.entries, bytes: writer.bytes };
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    if (isEdgeError(e)) throw e;
    throw new EdgeError('ARCHIVE_WRITE_FAILED', `could not unpack ${bundlePath} into ${destDir}: ${(e as Error).message}`, {
      cause: e,
      details: { bundlePath, destDir },
    });
  }
}
