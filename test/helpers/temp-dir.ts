// The one way tests make temp folders outside tap's t.testdir(): a fresh folder in the system temp
// folder (npm test points TMPDIR at a per-run folder and fails the run if anything is left there),
// removed when the test ends, after any process still working in it is killed (and those processes
// are killed when the test process exits, should it die before its teardown).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killProcessesUnder, trackDir } from './process-groups.js';

/** The part of a tap Test this needs. */
export interface Teardowns {
  teardown(fn: () => unknown): void;
}

/** Removes `dir` (and kills whatever still runs under it): for folders made outside tempDir(). */
export function removeTempDir(dir: string): void {
  killProcessesUnder(dir);
  rmSync(dir, { recursive: true, force: true });
}

/** A fresh `<tmpdir>/<prefix>-XXXXXX` folder, removed in the test's teardown. */
export function tempDir(t: Teardowns, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const untrack = trackDir(dir); // should the test process die before its teardown
  t.teardown(() => {
    removeTempDir(dir);
    untrack();
  });
  return dir;
}
