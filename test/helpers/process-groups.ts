// Tests leave no process behind, even when they fail or time out.
// - trackGroup(child): a child spawned with `detached: true` leads its own process group; the group is
//   SIGKILLed when the leader exits (what it left behind), or when the test file's process exits for
//   any reason (normal exit, tap's timeout signal, an uncaught error), unless untracked first.
// - killGroupOf(child): kill a tracked child's whole group now (teardown, or a timed-out command).
// - killProcessesUnder(dir): kills the process group of every process whose working directory lies
//   under `dir` (hooks run inside the deployment root, so this finds hooks a killed agent left).
// - trackDir(dir): the same for `dir` when the test file's process exits (test/helpers/temp-dir.ts
//   tracks every temp folder it makes), for processes a killed child left in their own groups.
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { sep } from 'node:path';

const groups = new Set<number>();
const dirs = new Set<string>();
let installed = false;

function killGroup(pgid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (pgid <= 1 || pgid === process.pid || pgid === ownGroup()) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** SIGKILLs every tracked group, and every process working under a tracked folder, now (also what happens when this process exits). */
export function killTrackedGroups(): void {
  for (const pgid of groups) killGroup(pgid);
  groups.clear();
  for (const dir of dirs) killProcessesUnder(dir);
}

/** Tracks a folder: processes working under it are killed when this process exits; returns an untrack function. */
export function trackDir(dir: string): () => void {
  install();
  dirs.add(dir);
  return () => dirs.delete(dir);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killTrackedGroups);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGALRM'] as const) {
    process.once(signal, () => {
      killTrackedGroups();
      process.kill(process.pid, signal);
    });
  }
}

/** Tracks the process group led by `child` (spawned with detached: true); returns an untrack function. */
export function trackGroup(child: ChildProcess | number): () => void {
  const pid = typeof child === 'number' ? child : child.pid;
  if (pid === undefined) return () => undefined;
  install();
  groups.add(pid);
  // the leader is gone: whatever it left in its group is an orphan, killed now (and the pgid untracked
  // before the kernel may hand it to an unrelated process)
  if (typeof child !== 'number') child.once('exit', () => groups.has(pid) && killGroupOf(pid));
  return () => groups.delete(pid);
}

/** Signals the whole group `child` leads (spawned with detached: true), SIGKILL by default; untracks it. */
export function killGroupOf(child: ChildProcess | number, signal: NodeJS.Signals = 'SIGKILL'): void {
  const pid = typeof child === 'number' ? child : child.pid;
  if (pid === undefined) return;
  killGroup(pid, signal);
  if (signal === 'SIGKILL') groups.delete(pid);
}

/** The pids of processes whose working directory is `dir` or below it. */
export function processesUnder(dir: string): number[] {
  const prefix = dir.endsWith(sep) ? dir : dir + sep;
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      if (cwd === dir || cwd.startsWith(prefix)) found.push(Number(name));
    } catch {
      // exited, or not ours to read
    }
  }
  return found;
}

/** SIGKILLs the process group of every process working under `dir`; returns how many processes it found. */
export function killProcessesUnder(dir: string): number {
  const pids = processesUnder(dir);
  for (const pid of pids) {
    try {
      killGroup(pgidOf(pid));
    } catch {
      // exited meanwhile
    }
    if (pgidOf0(pid) !== ownGroup()) continue;
    try {
      process.kill(pid, 'SIGKILL'); // a child in our own group: kill it alone
    } catch {
      // exited meanwhile
    }
  }
  return pids.length;
}

/** The process group id of `pid`, from /proc/<pid>/stat (field 5, after the parenthesised name). */
export function pgidOf(pid: number | 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[2]);
}

function pgidOf0(pid: number): number {
  try {
    return pgidOf(pid);
  } catch {
    return 0;
  }
}

let own: number | undefined;
const ownGroup = (): number => (own ??= pgidOf('self'));
