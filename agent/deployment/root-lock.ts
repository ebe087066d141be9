// One deployment command at a time per deployment root: an O_EXCL lock file holding the owner's
// pid. A lock whose owner is dead (kill -9, power loss) is taken over.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { EdgeError } from '../../shared/errors.js';

/** Whether a process exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RootLock {
  private held = false;
  readonly path: string;

  constructor(rootDir: string) {
    this.path = join(rootDir, '.edge-agent.lock');
  }

  acquire(): void {
    mkdirSync(join(this.path, '..'), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.path, 'wx', 0o644);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        this.held = true;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const owner = Number(readFileSync(this.path, 'utf8').trim());
        if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) {
          throw new EdgeError('LOCKED', `Another deployment (pid ${owner}) is running on ${join(this.path, '..')}; wait for it to finish.`, { details: { pid: owner } });
        }
        rmSync(this.path, { force: true }); // stale: its owner is gone
      }
    }
    throw new EdgeError('LOCKED', `Could not take the deployment lock ${this.path}; remove it if no edge-agent is running.`);
  }

  release(): void {
    if (!this.held) return;
    rmSync(this.path, { force: true });
    this.held = false;
  }
}
