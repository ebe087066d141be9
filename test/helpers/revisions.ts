// Builds revision folders (appspec + scripts + app files) for tests, in a given directory.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type RevisionFile = string | { content: string; mode: number };

export function writeRevision(dir: string, appspec: string, files: Record<string, RevisionFile> = {}): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'appspec.yml'), appspec);
  for (const [rel, f] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    const { content, mode } = typeof f === 'string' ? { content: f, mode: rel.endsWith('.sh') ? 0o755 : 0o644 } : f;
    writeFileSync(p, content);
    chmodSync(p, mode);
  }
  return dir;
}

/** A hook script that appends its event name to a proof file (the official sample bundle's idea). */
export function proofScript(proofFile: string, extra = ''): string {
  return `#!/bin/sh\necho "$LIFECYCLE_EVENT" >> '${proofFile}'\n${extra}\n`;
}

export const ALL_HOOKS = ['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService', 'BeforeBlockTraffic', 'AfterBlockTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic'];

/** An appspec with one proof script per standard hook and the given files section. */
export function proofAppSpec(filesYaml = ''): string {
  const hooks = ALL_HOOKS.map((h) => `  ${h}:\n    - location: scripts/${h}.sh\n      timeout: 30`).join('\n');
  return `version: 0.0\nos: linux\n${filesYaml}\nhooks:\n${hooks}\n`;
}

export function proofScripts(proofFile: string): Record<string, RevisionFile> {
  return Object.fromEntries(ALL_HOOKS.map((h) => [`scripts/${h}.sh`, proofScript(proofFile)]));
}
