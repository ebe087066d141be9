// Keep at most max_revisions deployment folders per group (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/command_executor.rb). The last successful
// deployment is never deleted, and neither is the current one.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EdgeError } from '../../shared/errors.js';

export interface PruneInput {
  readonly groupDir: string;
  readonly currentDeploymentDir: string;
  readonly lastSuccessfulFile: string;
  readonly maxRevisions: number;
}

export function pruneRevisions(input: PruneInput): string[] {
  let names: string[];
  try {
    names = readdirSync(input.groupDir);
  } catch {
    return [];
  }
  const current = resolve(input.currentDeploymentDir);
  const candidates = names.map((n) => resolve(input.groupDir, n)).filter((p) => p !== current);
  const extra = candidates.length - input.maxRevisions + 1;
  if (extra <= 0) return [];
  let lastSuccessful: string | undefined;
  try {
    lastSuccessful = resolve(readFileSync(input.lastSuccessfulFile, 'utf8').trim());
  } catch {
    lastSuccessful = undefined;
  }
  const victims = candidates
    .filter((p) => p !== lastSuccessful)
    .map((p) => ({ p, mtime: statSync(p).mtimeMs }))
    .sort((a, b) => a.mtime - b.mtime)
    .slice(0, extra)
    .map((v) => v.p);
  for (const dir of victims) {
    if (dir === '/' || !dir.startsWith(resolve(input.groupDir) + '/')) {
      throw new EdgeError('PRUNE_FAILED', `Error deleting directories: refusing to delete ${dir}`);
    }
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      throw new EdgeError('PRUNE_FAILED', `Error deleting directories: ${(e as Error).message}`, { cause: e });
    }
  }
  return victims.map((v) => join(v));
}
