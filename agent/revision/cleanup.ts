// Undo the previous Install of a deployment group by replaying its cleanup file (§3.4 step 3):
// lines in reverse order; symlinks and files removed, directories rmdir'ed only when empty,
// `semanage\0<path>` lines drop the SELinux file context; a torn last line (no trailing \n) is
// dropped because it was being written when the agent died.
import { existsSync, lstatSync, readFileSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import type { ProcessRunner } from './process-runner.js';

export interface CleanupResult {
  readonly removed: number;
  readonly keptNonEmptyDirs: number;
}

export function readCleanupLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  // split leaves '' after a final \n; anything else in the last slot is a torn write
  lines.pop();
  return lines.filter((l) => l !== '');
}

export async function replayCleanup(cleanupFile: string, run: ProcessRunner): Promise<CleanupResult> {
  if (!existsSync(cleanupFile)) return { removed: 0, keptNonEmptyDirs: 0 };
  const lines = readCleanupLines(readFileSync(cleanupFile, 'utf8'));
  let removed = 0;
  let keptNonEmptyDirs = 0;
  for (const line of lines.reverse()) {
    if (line.startsWith('semanage\0')) {
      await run('semanage', ['fcontext', '-d', line.slice('semanage\0'.length)]);
      continue;
    }
    let st;
    try {
      st = lstatSync(line);
    } catch {
      continue; // already gone
    }
    if (st.isDirectory()) {
      try {
        rmdirSync(line);
        removed++;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST') keptNonEmptyDirs++;
        else throw e;
      }
    } else {
      if (st.isSymbolicLink()) unlinkSync(line);
      else rmSync(line, { force: true });
      removed++;
    }
  }
  rmSync(cleanupFile, { force: true });
  return { removed, keptNonEmptyDirs };
}
