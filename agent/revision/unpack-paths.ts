// Pure path rules for archive extraction: every archive name and link target is resolved
// lexically against the destination root before anything touches the filesystem.
// Nothing here does I/O; the confined writer (unpack-writer.ts) applies these rules.
import path from 'node:path';
import { EdgeError, type ErrorCode } from '../../shared/errors.js';

/** Throw a coded error about archive entry `entry` (named in `message` by the caller). */
export function reject(code: ErrorCode, entry: string, message: string, details: Record<string, unknown> = {}): never {
  throw new EdgeError(code, message, { details: { entry, ...details } });
}

/**
 * Resolve `relative` component by component starting from `base` (components of a directory
 * relative to the root). `''` and `'.'` are skipped, `'..'` pops. Returns null when a `'..'`
 * would climb above the root.
 */
export function resolveWithin(base: readonly string[], relative: string): string[] | null {
  const stack = [...base];
  for (const part of relative.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (stack.length === 0) return null;
      stack.pop();
      continue;
    }
    stack.push(part);
  }
  return stack;
}

/**
 * Normalise an archive entry name to a root-relative path ('' is the root itself).
 * Absolute names → ARCHIVE_ABSOLUTE_PATH; a '..' that climbs out → ARCHIVE_PATH_ESCAPE.
 * `a/../b` is accepted as `b`: we create the normalised path directly and never walk `a`.
 */
export function normaliseEntryPath(name: string): string {
  if (name.includes('\0')) reject('ARCHIVE_CORRUPT', name, `archive entry name ${JSON.stringify(name)} contains a NUL byte`);
  if (name.startsWith('/')) reject('ARCHIVE_ABSOLUTE_PATH', name, `archive entry '${name}' has an absolute path`);
  const parts = resolveWithin([], name);
  if (parts === null) reject('ARCHIVE_PATH_ESCAPE', name, `archive entry '${name}' escapes the destination with '..'`);
  return parts.join('/');
}

/**
 * Check a symlink target and return the target to store.
 * The target is resolved relative to the link's own directory; absolute targets and targets whose
 * '..' climb above the root → ARCHIVE_LINK_ESCAPE.
 *
 * The stored target is the lexically normalised form (`../x/y`, never `s/../x`). Storing the raw
 * form would be unsafe: with `d/s -> ..` and `up -> d/s/..`, the raw `up` looks like `d` lexically
 * but really resolves through `s` to the root's parent. A normalised target only climbs from the
 * link's real parent directory (the writer never creates anything below a symlink), so every
 * link we create, followed through any chain of our links, stays inside the root.
 */
export function confineSymlinkTarget(linkRel: string, target: string, name: string): string {
  if (target === '') reject('ARCHIVE_CORRUPT', name, `archive symlink '${name}' has an empty target`);
  if (target.includes('\0')) reject('ARCHIVE_CORRUPT', name, `archive symlink '${name}' has a target containing a NUL byte`);
  if (target.startsWith('/')) {
    reject('ARCHIVE_LINK_ESCAPE', name, `archive symlink '${name}' points to the absolute path '${target}'`, { target });
  }
  const base = linkRel.split('/').slice(0, -1);
  const resolved = resolveWithin(base, target);
  if (resolved === null) {
    reject('ARCHIVE_LINK_ESCAPE', name, `archive symlink '${name}' -> '${target}' points outside the destination`, { target });
  }
  const stored = path.posix.relative(`/${base.join('/')}`, `/${resolved.join('/')}`);
  return stored === '' ? '.' : stored;
}

/** Root-relative path of a hardlink's target (tar link names are relative to the archive root). */
export function confineHardlinkTarget(linkpath: string, name: string): string {
  if (linkpath === '') reject('ARCHIVE_CORRUPT', name, `archive hardlink '${name}' has an empty target`);
  if (linkpath.includes('\0')) reject('ARCHIVE_CORRUPT', name, `archive hardlink '${name}' has a target containing a NUL byte`);
  if (linkpath.startsWith('/')) {
    reject('ARCHIVE_LINK_ESCAPE', name, `archive hardlink '${name}' points to the absolute path '${linkpath}'`, { target: linkpath });
  }
  const parts = resolveWithin([], linkpath);
  if (parts === null) {
    reject('ARCHIVE_LINK_ESCAPE', name, `archive hardlink '${name}' -> '${linkpath}' points outside the destination`, { target: linkpath });
  }
  if (parts.length === 0) reject('ARCHIVE_LINK_ESCAPE', name, `archive hardlink '${name}' points at the destination directory itself`);
  return parts.join('/');
}

/**
 * Permission bits to apply: only rwx for user/group/other. setuid, setgid and sticky from an
 * archive are always dropped (a bundle must not be able to plant a setuid binary on the device).
 */
export function permissionBits(mode: number | undefined, fallback: number): number {
  if (mode === undefined || !Number.isFinite(mode)) return fallback;
  return mode & 0o777;
}

/** A usable modification time, or undefined (missing/garbage headers keep the extraction time). */
export function validDate(d: Date | undefined): Date | undefined {
  return d !== undefined && Number.isFinite(d.getTime()) ? d : undefined;
}
