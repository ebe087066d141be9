// The only code that writes extracted entries to disk. Every write is confined to the root:
// - names and link targets are resolved lexically first (unpack-paths.ts);
// - each parent directory is lstat'ed and must be a real directory we may create into. A parent that
//   is a symlink is refused (ARCHIVE_LINK_ESCAPE), whatever it points at, so nothing is ever
//   written THROUGH a link (`link -> /tmp` then `link/evil`);
// - an existing final component is unlinked (or a directory removed) before the new entry is created,
//   and files are opened O_CREAT|O_EXCL|O_NOFOLLOW: we never open an existing file or link for writing;
// - limits are counted while streaming, not taken from headers alone.
// Ownership is never taken from the archive: everything is owned by the agent's user, like
// `tar --no-same-owner` (uids/gids in a bundle mean nothing on the device and would let a bundle
// plant files owned by other users). Modes keep rwx bits only (see permissionBits); mtimes are kept.
// Filesystem calls are synchronous on purpose: each takes microseconds, while a thread-pool round
// trip per call made small-file extraction 10-20x slower. We still yield to the event loop for
// every chunk of data and between entries, so the agent stays responsive and abortable.
import fs, { constants as FS, type Stats } from 'node:fs';
import path from 'node:path';
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import {
  confineHardlinkTarget, confineSymlinkTarget, normaliseEntryPath, permissionBits, reject, validDate,
} from './unpack-paths.js';

export interface ArchiveLimits {
  /** Largest total expanded size of the files in an archive, in bytes. */
  maxBytes: number;
  /** Largest number of entries (files, directories, links). */
  maxEntries: number;
}

export interface FileOptions {
  mode?: number;
  mtime?: Date;
  /** Size the archive declares; the streamed data must match it exactly. */
  size?: number;
}

const CREATE_FILE = FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL | FS.O_NOFOLLOW;
const FILE_MODE = 0o644;
const DIR_MODE = 0o755;

function lstatOrNull(p: string): Stats | null {
  try {
    return fs.lstatSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}

export class ConfinedWriter {
  entries = 0;
  bytes = 0;
  private declaredBytes = 0;
  /** Root-relative paths known to be real directories ('' is the root). */
  private readonly realDirs = new Set<string>(['']);
  /** Modes and mtimes of directories, applied deepest-first by finish(). */
  private readonly dirMeta = new Map<string, { mode: number; mtime: Date | undefined }>();

  private constructor(readonly root: string, readonly limits: ArchiveLimits) {}

  /** Create the destination if needed; all work happens below its real path. */
  static async open(destDir: string, limits: ArchiveLimits): Promise<ConfinedWriter> {
    fs.mkdirSync(destDir, { recursive: true, mode: DIR_MODE });
    const root = fs.realpathSync(destDir);
    return new ConfinedWriter(root, limits);
  }

  /** Count one archive entry; ARCHIVE_TOO_MANY_ENTRIES past the limit. */
  countEntry(name: string): void {
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) {
      reject('ARCHIVE_TOO_MANY_ENTRIES', name, `archive has more than ${this.limits.maxEntries} entries (stopped at '${name}')`, { maxEntries: this.limits.maxEntries });
    }
  }

  /** Fail fast on sizes the archive declares (the streamed count below is still enforced). */
  checkDeclaredEntries(count: number): void {
    if (count > this.limits.maxEntries) {
      throw new EdgeError('ARCHIVE_TOO_MANY_ENTRIES', `archive declares ${count} entries, more than the limit of ${this.limits.maxEntries}`, {
        details: { declaredEntries: count, maxEntries: this.limits.maxEntries },
      });
    }
  }

  checkDeclaredSize(name: string, size: number): void {
    this.declaredBytes += size;
    if (this.declaredBytes > this.limits.maxBytes) this.tooLarge(name);
  }

  private tooLarge(name: string): never {
    reject('ARCHIVE_TOO_LARGE', name, `archive expands past ${this.limits.maxBytes} bytes (stopped at '${name}')`, { maxBytes: this.limits.maxBytes });
  }

  /** Count expanded bytes as they stream; ARCHIVE_TOO_LARGE past the limit. */
  addBytes(name: string, n: number): void {
    this.bytes += n;
    if (this.bytes > this.limits.maxBytes) this.tooLarge(name);
  }

  private abs(rel: string): string {
    return rel === '' ? this.root : path.join(this.root, rel);
  }

  async directory(name: string, mode?: number, mtime?: Date): Promise<void> {
    await this.guard(name, async () => {
      const rel = normaliseEntryPath(name);
      // The root itself (`./`): never chmod/utime the destination from the archive.
      if (rel === '') return;
      this.ensureParents(rel, name);
      if (!this.clear(rel, true)) fs.mkdirSync(this.abs(rel), { mode: 0o700 });
      this.realDirs.add(rel);
      // u+rwx is forced so the agent can always traverse and later delete what it extracted.
      this.dirMeta.set(rel, { mode: permissionBits(mode, DIR_MODE) | 0o700, mtime: validDate(mtime) });
    });
  }

  async file(name: string, opts: FileOptions, data: AsyncIterable<Buffer>): Promise<void> {
    await this.guard(name, async () => {
      const rel = this.nonRoot(name);
      this.ensureParents(rel, name);
      this.clear(rel, false);
      const fd = fs.openSync(this.abs(rel), CREATE_FILE, 0o600);
      try {
        let written = 0;
        for await (const chunk of data) {
          written += chunk.length;
          this.addBytes(name, chunk.length);
          if (opts.size !== undefined && written > opts.size) {
            reject('ARCHIVE_CORRUPT', name, `archive entry '${name}' expands past its declared size of ${opts.size} bytes`, { declaredSize: opts.size });
          }
          for (let off = 0; off < chunk.length; ) off += fs.writeSync(fd, chunk, off, chunk.length - off);
        }
        if (opts.size !== undefined && written < opts.size) {
          reject('ARCHIVE_CORRUPT', name, `archive entry '${name}' is truncated: ${written} of ${opts.size} bytes`, { declaredSize: opts.size, size: written });
        }
        fs.fchmodSync(fd, permissionBits(opts.mode, FILE_MODE));
        const mtime = validDate(opts.mtime);
        if (mtime) fs.futimesSync(fd, new Date(), mtime);
      } finally {
        fs.closeSync(fd);
      }
    });
  }

  async symlink(name: string, target: string, mtime?: Date): Promise<void> {
    await this.guard(name, async () => {
      const rel = this.nonRoot(name);
      const stored = confineSymlinkTarget(rel, target, name);
      this.ensureParents(rel, name);
      this.clear(rel, false);
      fs.symlinkSync(stored, this.abs(rel));
      const when = validDate(mtime);
      if (when) fs.lutimesSync(this.abs(rel), new Date(), when);
    });
  }

  /** A tar hardlink: the target must be an entry already extracted, reached without symlinks. */
  async hardlink(name: string, linkpath: string): Promise<void> {
    await this.guard(name, async () => {
      const rel = this.nonRoot(name);
      const targetRel = confineHardlinkTarget(linkpath, name);
      if (targetRel === rel) return; // a link to itself: the entry is already in place
      if (targetRel.startsWith(`${rel}/`)) {
        reject('ARCHIVE_CORRUPT', name, `archive hardlink '${name}' -> '${linkpath}' would replace the directory holding its own target`, { target: linkpath });
      }
      this.ensureParents(targetRel, name, false);
      const st = lstatOrNull(this.abs(targetRel));
      if (st === null) {
        reject('ARCHIVE_CORRUPT', name, `archive hardlink '${name}' -> '${linkpath}' names an entry that was not extracted before it`, { target: linkpath });
      }
      if (st.isSymbolicLink()) {
        // link(2) would copy the link text into another directory, changing what it points at:
        // create it as a symlink instead, checked against its new location.
        const text = fs.readlinkSync(this.abs(targetRel));
        try {
          await this.symlink(name, text);
        } catch (e) {
          if (!isEdgeError(e, 'ARCHIVE_LINK_ESCAPE')) throw e;
          throw new EdgeError('ARCHIVE_LINK_ESCAPE',
            `archive hardlink '${name}' -> '${linkpath}' names a symlink to '${text}', which points outside the destination from '${rel}'`,
            { details: { entry: name, target: linkpath } });
        }
        return;
      }
      if (!st.isFile()) {
        reject('ARCHIVE_CORRUPT', name, `archive hardlink '${name}' -> '${linkpath}' does not name a regular file`, { target: linkpath });
      }
      this.ensureParents(rel, name);
      this.clear(rel, false);
      fs.linkSync(this.abs(targetRel), this.abs(rel));
    });
  }

  /** Apply directory modes and mtimes, deepest first (children change their parent's mtime). */
  async finish(): Promise<void> {
    const dirs = [...this.dirMeta.entries()].sort((a, b) => b[0].split('/').length - a[0].split('/').length);
    for (const [rel, meta] of dirs) {
      await this.guard(rel, async () => {
        // Entries may be stale (a directory replaced later): skip unless `rel` is still a real
        // directory reached through real directories, so chmod never follows a symlink.
        try {
          this.ensureParents(rel, rel, false);
        } catch {
          return;
        }
        if (!lstatOrNull(this.abs(rel))?.isDirectory()) return;
        fs.chmodSync(this.abs(rel), meta.mode);
        if (meta.mtime) fs.utimesSync(this.abs(rel), new Date(), meta.mtime);
      });
    }
  }

  private nonRoot(name: string): string {
    const rel = normaliseEntryPath(name);
    if (rel === '') {
      reject('ARCHIVE_PATH_ESCAPE', name, `archive entry '${name}' would replace the destination directory itself`);
    }
    return rel;
  }

  /**
   * Check every parent of `rel` is a real directory, never following a symlink. Missing parents are
   * created, unless `create` is false (a hardlink's target: the final lstat then reports it missing).
   */
  private ensureParents(rel: string, name: string, create = true): void {
    const parts = rel.split('/');
    let cur = '';
    for (let i = 0; i < parts.length - 1; i++) {
      cur = cur === '' ? (parts[i] as string) : `${cur}/${parts[i] as string}`;
      if (this.realDirs.has(cur)) continue;
      const st = lstatOrNull(this.abs(cur));
      if (st === null) {
        if (!create) return;
        fs.mkdirSync(this.abs(cur), { mode: 0o700 });
        this.dirMeta.set(cur, { mode: DIR_MODE, mtime: undefined });
      } else {
        this.assertDirectory(st, cur, name);
      }
      this.realDirs.add(cur);
    }
  }

  private assertDirectory(st: Stats, cur: string, name: string): void {
    if (st.isSymbolicLink()) {
      reject('ARCHIVE_LINK_ESCAPE', name, `archive entry '${name}' would be written through the symlink '${cur}'`, { symlink: cur });
    }
    if (!st.isDirectory()) {
      reject('ARCHIVE_CORRUPT', name, `archive entry '${name}' needs '${cur}' to be a directory, but it is not`, { path: cur });
    }
  }

  /**
   * Remove whatever is at `rel` so a new entry can be created there. With keepDir, an existing real
   * directory is kept (directories merge) and true is returned. Symlinks are unlinked, never followed.
   */
  private clear(rel: string, keepDir: boolean): boolean {
    const p = this.abs(rel);
    const st = lstatOrNull(p);
    if (st === null) return false;
    if (!st.isDirectory()) {
      fs.unlinkSync(p);
      return false;
    }
    if (keepDir) return true;
    fs.rmSync(p, { recursive: true, force: true });
    // Forget every cached directory (cheap to rebuild; purging only the subtree would cost O(n)
    // per removal). Stale dirMeta entries are harmless: a recreated directory overwrites its entry
    // and finish() skips paths that are no longer directories.
    this.realDirs.clear();
    this.realDirs.add('');
    return false;
  }

  /** Turn filesystem failures into coded errors that name the entry. */
  private async guard(name: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      if (isEdgeError(e)) throw e;
      const err = e as NodeJS.ErrnoException;
      const code = err.code === 'ENAMETOOLONG' || err.code === 'ELOOP' ? 'ARCHIVE_CORRUPT' : 'ARCHIVE_WRITE_FAILED';
      throw new EdgeError(code, `could not extract archive entry '${name}': ${err.message}`, {
        cause: e,
        details: { entry: name, errno: err.code },
      });
    }
  }
}
