// The ongoing-deployment tracking file (official layout: <root>/ongoing-deployment/<DeploymentId>
// containing the HostCommandIdentifier, no newline). Written before a command runs, removed after
// its result is recorded. A fresh file at start means the agent died mid-command.
import { readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../shared/fs-atomic.js';
import type { DeploymentLayout } from './layout.js';

/** Files older than this are stale and ignored (official: 24 h). */
export const STALE_TRACKING_MS = 24 * 60 * 60 * 1000;

export interface InterruptedCommand {
  readonly deploymentId: string;
  readonly hostCommandIdentifier: string;
  readonly startedAt: Date;
}

export class CommandTracker {
  constructor(private readonly deps: { layout: DeploymentLayout; now?: () => number }) {}

  track(deploymentId: string, hostCommandIdentifier: string): void {
    writeFileAtomic(this.deps.layout.ongoingFile(deploymentId), hostCommandIdentifier);
  }

  untrack(deploymentId: string): void {
    rmSync(this.deps.layout.ongoingFile(deploymentId), { force: true });
    try {
      rmdirSync(this.deps.layout.ongoingDir); // only when empty: the root stays as the official agent leaves it
    } catch {
      // another command is tracked, or the folder is already gone
    }
  }

  /**
   * The command the agent was running when it died: the most recently modified fresh file.
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
    const now = (this.deps.now ?? Date.now)();
    let newest: InterruptedCommand | undefined;
    for (const name of names) {
      if (name.startsWith('.')) continue; // temp files of an interrupted atomic write
      const path = join(dir, name);
      try {
        const st = statSync(path);
        if (!st.isFile() || now - st.mtimeMs > STALE_TRACKING_MS) continue;
        if (!newest || st.mtime > newest.startedAt) {
          newest = { deploymentId: name, hostCommandIdentifier: readFileSync(path, 'utf8').trim(), startedAt: st.mtime };
        }
      } catch {
        // unreadable entry: skip it; clearInterrupted removes it
      }
    }
    return newest;
  }

  /** Remove the whole tracking directory (stale files included): only one command is failed. */
  clearInterrupted(): void {
    rmSync(this.deps.layout.ongoingDir, { recursive: true, force: true });
  }
}
