// What the agent must still report if it dies now. Two records:
// - the official tracking file <root>/ongoing-deployment/<DeploymentId> containing the
//   HostCommandIdentifier (no newline), written before a command runs and removed after its result
//   is recorded, as the official agent does (and as `edge-agent status` lists);
// - our crash record <root>/ongoing-commands/<hash>.json, written the moment a command is received
//   (before its specification is fetched or it is acknowledged) and kept up to date: which hook
//   script runs (its token, process group and the leader's start time) and, once known, the result
//   about to be reported. It is removed after the result reached the service.
// At start every record is recovered (the hook's process group stopped, then the command reported:
// the recorded result, or Failed with code 7), each record removed once reported; an official
// tracking file without a record (an older agent) is reported as the official agent does: the newest
// fresh one only. Records and files older than 24 h are stale: never reported, hooks still stopped.
import { readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../shared/fs-atomic.js';
import type { HookProcessRecord } from '../hooks/interrupted-hook.js';
import type { DeploymentLayout } from './layout.js';

/** Files older than this are stale and ignored (official: 24 h). */
export const STALE_TRACKING_MS = 24 * 60 * 60 * 1000;

export interface PendingResult {
  readonly status: 'Succeeded' | 'Failed';
  /** The completion diagnostics JSON. */
  readonly diagnostics: string;
  readonly noop: boolean;
}

export interface HookRecord extends HookProcessRecord {
  readonly event: string;
  readonly script: string;
}

export type CommandPhase = 'received' | 'running' | 'reporting';

export interface CommandRecord {
  readonly version: 1;
  readonly hostCommandIdentifier: string;
  readonly commandName?: string;
  readonly deploymentId?: string;
  readonly receivedAt: string;
  readonly phase: CommandPhase;
  readonly hook?: HookRecord;
  readonly result?: PendingResult;
}

export interface InterruptedCommand {
  /** Empty when the agent died before the specification named the deployment. */
  readonly deploymentId: string;
  readonly hostCommandIdentifier: string;
  readonly startedAt: Date;
  readonly commandName?: string;
  readonly phase?: CommandPhase;
  /** A hook script that was running (its process group is stopped before the report). */
  readonly hook?: HookRecord;
  /** The result the agent was reporting when it died (sent instead of code 7). */
  readonly result?: PendingResult;
  /** Older than 24 h: not reported. */
  readonly stale: boolean;
}

export class CommandTracker {
  private readonly records = new Map<string, CommandRecord>();

  constructor(private readonly deps: { layout: DeploymentLayout; now?: () => number }) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private write(record: CommandRecord): void {
    this.records.set(record.hostCommandIdentifier, record);
    writeFileAtomic(this.deps.layout.commandFile(record.hostCommandIdentifier), JSON.stringify(record));
  }

  private update(id: string, patch: Partial<Omit<CommandRecord, 'version' | 'hostCommandIdentifier'>>): void {
    const current = this.records.get(id);
    if (current) this.write({ ...current, ...patch });
  }

  /** A command just arrived: recorded before anything else is done with it. `result`: already known. */
  received(cmd: { hostCommandIdentifier: string; commandName: string }, result?: PendingResult): void {
    const { hostCommandIdentifier, commandName } = cmd;
    const receivedAt = new Date(this.now()).toISOString();
    const phase = result ? 'reporting' : 'received';
    this.write({ version: 1, hostCommandIdentifier, commandName, receivedAt, phase, ...(result ? { result } : {}) });
  }

  /** The result recorded for a command whose report has not reached the service yet. */
  pendingResult(hostCommandIdentifier: string): PendingResult | undefined {
    return this.records.get(hostCommandIdentifier)?.result;
  }

  /** The command runs: the official tracking file, and the record (created here for local deploys). */
  track(deploymentId: string, hostCommandIdentifier: string, commandName?: string): void {
    writeFileAtomic(this.deps.layout.ongoingFile(deploymentId), hostCommandIdentifier);
    const current = this.records.get(hostCommandIdentifier);
    const base = current ?? { version: 1 as const, hostCommandIdentifier, receivedAt: new Date(this.now()).toISOString() };
    this.write({ ...base, deploymentId, phase: 'running', ...(commandName ? { commandName } : {}) });
  }

  hookStarting(hostCommandIdentifier: string, hook: { event: string; script: string; token: string }): void {
    this.update(hostCommandIdentifier, { hook });
  }

  hookStarted(hostCommandIdentifier: string, pgid: number, startTime: number | undefined): void {
    const hook = this.records.get(hostCommandIdentifier)?.hook;
    if (hook) this.update(hostCommandIdentifier, { hook: { ...hook, pgid, ...(startTime !== undefined ? { startTime } : {}) } });
  }

  hookEnded(hostCommandIdentifier: string): void {
    const current = this.records.get(hostCommandIdentifier);
    if (!current?.hook) return;
    const { hook: _done, ...rest } = current;
    this.write(rest);
  }

  /** The result is known and about to be reported: a crash from here on reports this result. */
  reporting(hostCommandIdentifier: string, result: PendingResult): void {
    this.update(hostCommandIdentifier, { phase: 'reporting', result });
  }

  /** The result reached the service (or needs no report): both records go, the crash record last. */
  untrack(deploymentId: string | undefined, hostCommandIdentifier?: string): void {
    if (deploymentId !== undefined) {
      const { layout } = this.deps;
      try {
        rmSync(layout.ongoingFile(deploymentId), { force: true });
        rmdirSync(layout.ongoingDir); // only when empty: the root stays as the official agent leaves it
      } catch {
        // another command is tracked, the folder is already gone, or the id names no file
      }
    }
    if (hostCommandIdentifier !== undefined) {
      rmSync(this.deps.layout.commandFile(hostCommandIdentifier), { force: true });
      this.records.delete(hostCommandIdentifier);
    }
  }

  /** Every crash record on disk, oldest first (unreadable and torn ones are skipped). */
  interruptedRecords(): InterruptedCommand[] {
    const dir = this.deps.layout.commandsDir;
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    } catch {
      return [];
    }
    const now = this.now();
    const found: InterruptedCommand[] = [];
    for (const name of names) {
      try {
        const path = join(dir, name);
        const mtime = statSync(path).mtimeMs;
        const r = JSON.parse(readFileSync(path, 'utf8')) as CommandRecord;
        if (r.version !== 1 || typeof r.hostCommandIdentifier !== 'string') continue;
        const startedAt = new Date(Number.isNaN(Date.parse(r.receivedAt)) ? mtime : Date.parse(r.receivedAt));
        found.push({
          deploymentId: r.deploymentId ?? '',
          hostCommandIdentifier: r.hostCommandIdentifier,
          startedAt,
          phase: r.phase,
          stale: now - mtime > STALE_TRACKING_MS,
          ...(r.commandName ? { commandName: r.commandName } : {}),
          ...(r.hook ? { hook: r.hook } : {}),
          ...(r.result ? { result: r.result } : {}),
        });
      } catch {
        // torn or unreadable: nothing to report from it (clearInterrupted removes it)
      }
    }
    return found.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  }

  /**
   * The official tracking file the agent died with: the most recently modified fresh file.
   * Callers report it, then call clearInterrupted(), so a crash while reporting reports again
   * rather than never.
   */
  findInterrupted(): InterruptedCommand | undefined {
    const dir = this.deps.layout.ongoingDir;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return undefined;
    }
    const now = this.now();
    let newest: InterruptedCommand | undefined;
    for (const name of names) {
      if (name.startsWith('.')) continue; // temp files of an interrupted atomic write
      const path = join(dir, name);
      try {
        const st = statSync(path);
        if (!st.isFile() || now - st.mtimeMs > STALE_TRACKING_MS) continue;
        if (!newest || st.mtime > newest.startedAt) {
          newest = { deploymentId: name, hostCommandIdentifier: readFileSync(path, 'utf8').trim(), startedAt: st.mtime, stale: false };
        }
      } catch {
        // unreadable entry: skip it; clearInterrupted removes it
      }
    }
    return newest;
  }

  /** Remove every tracking file and crash record (stale ones included). */
  clearInterrupted(): void {
    rmSync(this.deps.layout.ongoingDir, { recursive: true, force: true });
    rmSync(this.deps.layout.commandsDir, { recursive: true, force: true });
    this.records.clear();
  }
}
