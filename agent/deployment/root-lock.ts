// One deployment command at a time per deployment root: a lock file holding the owner's pid
// (shared/pid-lock.ts: written whole, safe against concurrent takers). A lock whose owner is dead
// (kill -9, power loss) is taken over.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EdgeError } from '../../shared/errors.js';
import { acquirePidLock, processAlive } from '../../shared/pid-lock.js';

export { processAlive };

export class RootLock {
  private release_: (() => void) | undefined;
  readonly path: string;

  constructor(rootDir: string) {
    this.path = join(rootDir, '.edge-agent.lock');
  }

  acquire(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const lock = acquirePidLock(this.path);
    if (lock.held) {
      this.release_ = () => lock.release();
      return;
    }
    if (lock.owner !== undefined) {
      throw new EdgeError('LOCKED', `Another deployment (pid ${lock.owner}) is running on ${dirname(this.path)}; wait for it to finish.`, { details: { pid: lock.owner } });
    }
    throw new EdgeError('LOCKED', `Could not take the deployment lock ${this.path}; remove it if no edge-agent is running.`);
  }

  release(): void {
    this.release_?.();
    this.release_ = undefined;
  }
}
