// A lock file holding its owner's pid. A lock whose owner is dead (kill -9, power loss) is stale and
// taken over; a live owner is reported to the caller. Safe against concurrent takers:
// - the file appears whole: the pid is written to a temp file that is then hard-linked to the lock
//   path (link fails when the path exists), so nobody ever reads a half-written (empty) lock and
//   mistakes it for garbage, which let two starts both "win";
// - a stale lock is moved aside (rename is atomic) and what was moved is checked: should it be a
//   lock another taker made after we looked, it is put back instead of being deleted;
// - release removes the file only while it is still this holder's.
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, lstatSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';

/** Whether a process exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type PidLockResult = { readonly held: true; release(): void } | { readonly held: false; readonly owner: number | undefined };

interface Seen {
  readonly ino: number;
  readonly text: string;
  /** The pid the file names, undefined for anything else (garbage). */
  readonly owner: number | undefined;
}

const ATTEMPTS = 5;

const isCode = (e: unknown, code: string): boolean => (e as NodeJS.ErrnoException).code === code;
const sideName = (path: string, what: string): string => `${path}.${what}.${process.pid}.${randomBytes(6).toString('hex')}`;

/** The lock file as it is now, or undefined when there is none. */
function look(path: string): Seen | undefined {
  try {
    const { ino } = lstatSync(path);
    const text = readFileSync(path, 'utf8');
    const trimmed = text.trim();
    return { ino, text, owner: /^\d+$/.test(trimmed) ? Number(trimmed) : undefined };
  } catch (e) {
    if (isCode(e, 'ENOENT')) return undefined;
    throw e;
  }
}

/** Creates the lock whole (temp file + link); the new file's inode, or undefined when the path exists. */
function create(path: string, pid: number): number | undefined {
  const tmp = sideName(path, 'new');
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    try {
      writeSync(fd, `${pid}\n`);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, path);
    return lstatSync(tmp).ino;
  } catch (e) {
    if (isCode(e, 'EEXIST')) return undefined;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Removes the stale lock `seen`; a lock that replaced it meanwhile is put back. */
function breakStale(path: string, seen: Seen): void {
  const aside = sideName(path, 'stale');
  try {
    renameSync(path, aside);
  } catch (e) {
    if (isCode(e, 'ENOENT')) return; // another taker removed it first
    throw e;
  }
  try {
    const moved = look(aside);
    if (moved && (moved.ino !== seen.ino || moved.text !== seen.text)) {
      // not the file we judged stale: a taker's fresh lock; give it back (unless a third one now holds the path)
      try {
        linkSync(aside, path);
      } catch (e) {
        if (!isCode(e, 'EEXIST')) throw e;
      }
    }
  } finally {
    rmSync(aside, { force: true });
  }
}

function holder(path: string, pid: number, ino: number): PidLockResult {
  let released = false;
  return {
    held: true,
    release() {
      if (released) return;
      released = true;
      const now = look(path);
      // someone removed or replaced our file (by hand): theirs is not ours to delete
      if (now && now.ino === ino && now.owner === pid) rmSync(path, { force: true });
    },
  };
}

/** Takes the lock at `path` for `pid`, or reports the live owner (undefined: unreadable, retried and lost). */
export function acquirePidLock(path: string, pid: number = process.pid): PidLockResult {
  let owner: number | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const ino = create(path, pid);
    if (ino !== undefined) return holder(path, pid, ino);
    const seen = look(path);
    if (seen === undefined) continue; // released meanwhile: try again
    owner = seen.owner;
    if (owner !== undefined && owner !== pid && processAlive(owner)) return { held: false, owner };
    breakStale(path, seen); // its owner is gone (or it is garbage)
  }
  return { held: false, owner };
}
