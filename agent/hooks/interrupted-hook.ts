// A hook script the agent was running when it died (kill -9, OOM, power cut of the agent alone)
// keeps running in its own process group beside the restarted agent unless someone stops it. The
// tracking record holds, per running script: a random token, persisted before the spawn and put in
// the script's environment (EDGE_AGENT_HOOK_TOKEN); right after the spawn, the script's process
// group id and the group leader's start time (/proc/<pid>/stat field 22, clock ticks since boot).
// At start the agent finds that group and stops it (SIGTERM, grace, SIGKILL) before it reports the
// command. Which group is the hook's (Linux never hands out a pid that is still in use as a
// process group id, so a live group with the recorded id is either ours or one created after ours
// was entirely gone):
// - the leader (pid == pgid) still exists: ours only if its start time equals the recorded one; any
//   other start time is a recycled pid and the group is left alone;
// - the leader has exited but members remain (background children of the script): ours only if a
//   member carries the token in its environment; a group whose members we cannot read is left alone;
// - no pgid was recorded (the agent died between the spawn and the record): every group led by a
//   process that carries the token.
// Processes that left the group on purpose (setsid, a daemon the script started) are not touched.
import { readdirSync, readFileSync } from 'node:fs';
import { groupAlive, parseProcStat, terminateGroup, type ProcStat } from './process-group.js';

export const HOOK_TOKEN_ENV = 'EDGE_AGENT_HOOK_TOKEN';

export interface HookProcessRecord {
  readonly token: string;
  readonly pgid?: number;
  readonly startTime?: number;
}

/** What is read of /proc (a port, so that the rules are tested without real processes). */
export interface ProcView {
  pids(): number[];
  stat(pid: number): ProcStat | undefined;
  /** The process's environment strings, or undefined when unreadable (gone, another user's). */
  environ(pid: number): string[] | undefined;
  /** Whether the group still has a running (non-zombie) member. */
  groupAlive(pgid: number): boolean;
}

export function procView(procRoot = '/proc'): ProcView {
  const read = (pid: number, file: string): string | undefined => {
    try {
      return readFileSync(`${procRoot}/${pid}/${file}`, 'utf8');
    } catch {
      return undefined;
    }
  };
  return {
    pids: () => {
      try {
        return readdirSync(procRoot)
          .filter((n) => /^\d+$/.test(n))
          .map(Number);
      } catch {
        return [];
      }
    },
    stat: (pid) => {
      const text = read(pid, 'stat');
      return text === undefined ? undefined : parseProcStat(text);
    },
    environ: (pid) => read(pid, 'environ')?.split('\0'),
    groupAlive: (pgid) => groupAlive(pgid, procRoot),
  };
}

/** The process groups of an interrupted hook that are still there and provably its own. */
export function interruptedHookGroups(rec: HookProcessRecord, proc: ProcView): number[] {
  const marker = `${HOOK_TOKEN_ENV}=${rec.token}`;
  const carries = (pid: number): boolean => proc.environ(pid)?.includes(marker) ?? false;
  const stats = new Map<number, ProcStat>();
  for (const pid of proc.pids()) {
    const st = proc.stat(pid);
    if (st) stats.set(pid, st);
  }
  const ownsGroup = (pgid: number, startTime: number | undefined): boolean => {
    const leader = stats.get(pgid);
    if (leader && leader.pgrp === pgid) return startTime !== undefined ? leader.startTime === startTime : carries(pgid);
    return [...stats].some(([pid, st]) => st.pgrp === pgid && carries(pid));
  };
  if (rec.pgid !== undefined) return ownsGroup(rec.pgid, rec.startTime) ? [rec.pgid] : [];
  const groups = new Set<number>();
  for (const [pid, st] of stats) if (st.pgrp === pid && carries(pid)) groups.add(pid);
  return [...groups];
}

export interface StopInterruptedHookDeps {
  readonly graceMs: number;
  readonly proc?: ProcView;
  readonly terminate?: typeof terminateGroup;
}

/** Stops what is left of an interrupted hook; returns each group found and how it ended. */
export async function stopInterruptedHook(rec: HookProcessRecord, deps: StopInterruptedHookDeps): Promise<{ pgid: number; how: string }[]> {
  const proc = deps.proc ?? procView();
  const terminate = deps.terminate ?? terminateGroup;
  const stopped: { pgid: number; how: string }[] = [];
  for (const pgid of interruptedHookGroups(rec, proc)) {
    stopped.push({ pgid, how: await terminate(pgid, { graceMs: deps.graceMs, alive: (g) => proc.groupAlive(g) }) });
  }
  return stopped;
}
