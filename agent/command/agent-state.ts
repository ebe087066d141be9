// The daemon's own small state file, <root>/.edge-agent-state.json, written atomically, so that
// `edge-agent status` can tell what a running (or stopped) agent is doing without talking to it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../shared/fs-atomic.js';
import { isoUtc } from '../../shared/utc-time.js';

export interface CommandRecord {
  readonly deploymentId: string;
  readonly commandName: string;
  readonly hostCommandIdentifier: string;
  readonly at: string;
  readonly status?: 'Succeeded' | 'Failed';
  readonly message?: string;
}

export interface AgentStateSnapshot {
  readonly version: 1;
  readonly pid: number;
  readonly agentVersion: string;
  readonly hostIdentifier: string;
  readonly startedAt: string;
  readonly stoppedAt?: string;
  readonly lastPollAt?: string;
  readonly lastPollError?: string;
  readonly current?: CommandRecord;
  readonly last?: CommandRecord;
}

export const STATE_FILE = '.edge-agent-state.json';

export function readAgentState(rootDir: string): AgentStateSnapshot | undefined {
  try {
    const s = JSON.parse(readFileSync(join(rootDir, STATE_FILE), 'utf8')) as AgentStateSnapshot;
    return s.version === 1 ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Holds the snapshot in memory; writes on changes, and poll times at most every `pollWriteMs`. */
export class AgentStateFile {
  private state: AgentStateSnapshot;
  private lastPollWrite = 0;

  constructor(
    private readonly deps: { rootDir: string; now?: () => Date; pollWriteMs?: number },
    initial: Pick<AgentStateSnapshot, 'agentVersion' | 'hostIdentifier'>,
  ) {
    const previous = readAgentState(deps.rootDir);
    this.state = {
      version: 1,
      pid: process.pid,
      ...initial,
      startedAt: this.now(),
      ...(previous?.last ? { last: previous.last } : {}),
    };
    this.write();
  }

  get snapshot(): AgentStateSnapshot {
    return this.state;
  }

  private now(): string {
    return isoUtc((this.deps.now ?? (() => new Date()))().getTime());
  }

  private write(): void {
    writeFileAtomic(join(this.deps.rootDir, STATE_FILE), JSON.stringify(this.state, null, 1));
  }

  polled(error?: string): void {
    const { lastPollError: _drop, ...rest } = this.state;
    this.state = { ...rest, lastPollAt: this.now(), ...(error ? { lastPollError: error } : {}) };
    const t = Date.now();
    if (error || t - this.lastPollWrite >= (this.deps.pollWriteMs ?? 60_000)) {
      this.lastPollWrite = t;
      this.write();
    }
  }

  started(cmd: Omit<CommandRecord, 'at' | 'status' | 'message'>): void {
    this.state = { ...this.state, current: { ...cmd, at: this.now() } };
    this.write();
  }

  finished(status: 'Succeeded' | 'Failed', message?: string): void {
    const { current, ...rest } = this.state;
    if (!current) return;
    this.state = { ...rest, last: { ...current, at: this.now(), status, ...(message ? { message } : {}) } };
    this.write();
  }

  stopped(): void {
    this.state = { ...this.state, stoppedAt: this.now() };
    this.write();
  }
}
