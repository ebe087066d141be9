// Shared helpers for the hook tests: generated archives with real scripts, and a zombie-aware
// liveness check (PID 1 in some VMs/containers does not reap orphans).
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { ScriptLog } from '../../../../agent/hooks/script-log.js';

export interface ScriptSpec {
  readonly body: string;
  readonly mode?: number;
}

/** An archive folder under t.testdir holding the given scripts (mode 0755 unless told). */
export function makeArchive(t: Test, scripts: Record<string, string | ScriptSpec>): { dir: string; archiveDir: string; log: ScriptLog; logPath: string } {
  const files: Record<string, string> = {};
  for (const [name, s] of Object.entries(scripts)) files[name] = typeof s === 'string' ? s : s.body;
  const dir = t.testdir({ 'deployment-archive': nest(files), logs: {} });
  const archiveDir = join(dir, 'deployment-archive');
  for (const [name, s] of Object.entries(scripts)) chmodSync(join(archiveDir, name), typeof s === 'string' ? 0o755 : (s.mode ?? 0o755));
  const logPath = join(dir, 'logs', 'scripts.log');
  return { dir, archiveDir, log: new ScriptLog({ path: logPath }), logPath };
}

type Tree = { [name: string]: string | Tree };

function nest(files: Record<string, string>): Tree {
  const root: Tree = {};
  for (const [path, body] of Object.entries(files)) {
    const parts = path.split('/');
    let node = root;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Tree;
    node[parts[parts.length - 1] as string] = body;
  }
  return root;
}

/** True if `pid` exists and is not a zombie. */
export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** scripts.log lines without their timestamps. */
export function logLines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /, ''));
}
