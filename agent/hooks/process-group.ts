// Stopping a hook script's whole process group: SIGTERM, a grace period, then SIGKILL (v2 behaviour;
// the v1 agent only sent SIGTERM and could hang forever on a script that ignores it).
//
// "Alive" ignores zombies. Orphans of a killed script are re-parented to PID 1, and an init that
// does not reap (containers, some VMs) leaves them as zombies: kill(-pgid, 0) would still succeed
// although nothing is running. On Linux we therefore look in /proc for a member that is not a zombie.
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null ? ((e as { code?: unknown }).code as string | undefined) : undefined;
}

/** Send `signal` to every process in the group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'ESRCH') return false;
    if (errnoCode(e) === 'EPERM') return true;
    throw e;
  }
}

export interface ProcStat {
  readonly state: string;
  readonly pgrp: number;
  /** Field 22: when the process started, in clock ticks since boot (absent on a truncated line). */
  readonly startTime?: number;
}

/** State, process group and start time of one /proc/<pid>/stat line, or undefined if unreadable. */
export function parseProcStat(text: string): ProcStat | undefined {
  // "<pid> (<comm>) <state> <ppid> <pgrp> ..."; comm may contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const pgrp = Number(fields[2]);
  const startTime = fields[19] === undefined ? NaN : Number(fields[19]);
  if (!state || !Number.isInteger(pgrp)) return undefined;
  return Number.isInteger(startTime) ? { state, pgrp, startTime } : { state, pgrp };
}

/** The start time (clock ticks since boot) of a live process, or undefined when it is gone or unreadable. */
export function procStartTime(pid: number, procRoot = '/proc'): number | undefined {
  try {
    return parseProcStat(readFileSync(`${procRoot}/${pid}/stat`, 'utf8'))?.startTime;
  } catch {
    return undefined;
  }
}

/** True while any process of the group is running (zombies excluded where /proc allows). */
export function groupAlive(pgid: number, procRoot = '/proc'): boolean {
  if (!signalGroup(pgid, 0)) return false;
  let pids: string[];
  try {
    pids = readdirSync(procRoot).filter((n) => /^\d+$/.test(n));
  } catch {
    return true;
  }
  let zombies = 0;
  for (const pid of pids) {
    let stat: ReturnType<typeof parseProcStat>;
    try {
      stat = parseProcStat(readFileSync(`${procRoot}/${pid}/stat`, 'utf8'));
    } catch {
      continue;
    }
    if (stat?.pgrp !== pgid) continue;
    if (stat.state !== 'Z' && stat.state !== 'X') return true;
    zombies += 1;
  }
  // The kernel says the group exists: "dead" only if /proc showed us its members, all zombies.
  return zombies === 0;
}

export interface TerminateOptions {
  readonly graceMs: number;
  /** Poll interval while waiting for the group to exit; default 50 ms. */
  readonly pollMs?: number;
  readonly alive?: (pgid: number) => boolean;
}

/**
 * SIGTERM the group, wait up to graceMs for it to go away, then SIGKILL it.
 * Returns how it ended; never waits longer than graceMs (+ one poll).
 */
export async function terminateGroup(pgid: number, options: TerminateOptions): Promise<'gone' | 'terminated' | 'killed'> {
  const alive = options.alive ?? groupAlive;
  const pollMs = options.pollMs ?? 50;
  if (!signalGroup(pgid, 'SIGTERM')) return 'gone';
  const end = performance.now() + options.graceMs;
  for (;;) {
    if (!alive(pgid)) return 'terminated';
    const left = end - performance.now();
    if (left <= 0) break;
    await sleep(Math.min(pollMs, left));
  }
  signalGroup(pgid, 'SIGKILL');
  return 'killed';
}
