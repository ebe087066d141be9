// Shared by the install tests: running commands, building the device package once per test file,
// and temp folders outside the project (so nothing can resolve the project's node_modules).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { PROJECT_ROOT } from '../../helpers/cli.js';
import { tempDir as makeTempDir } from '../../helpers/temp-dir.js';

export { PROJECT_ROOT };
export const PACKAGE_VERSION: string = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).version;
export const INSTALL_SCRIPT = join(PROJECT_ROOT, 'scripts', 'install-agent.sh');
export const UNINSTALL_SCRIPT = join(PROJECT_ROOT, 'scripts', 'uninstall-agent.sh');

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? PROJECT_ROOT, env: opts.env ?? process.env, encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return { code: null, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error.message}` };
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const output = (r: RunResult): string => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** Absolute path of a program on PATH, or undefined. */
export function which(program: string): string | undefined {
  const r = run('sh', ['-c', `command -v ${program}`]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** A fresh folder in the system temp dir, removed when the test ends. */
export const tempDir = (t: Test, prefix: string): string => makeTempDir(t, `edge-agent-${prefix}`);

export interface BuiltPackage extends RunResult {
  readonly tarball: string;
}

/** npm run package:agent's script, for linux-x64 (this machine), into outDir. */
export function buildPackage(outDir: string): BuiltPackage {
  const r = run(process.execPath, [join(PROJECT_ROOT, 'scripts', 'package-agent.mjs'), '--arch', 'x64', '--out-dir', outDir], { timeoutMs: 300_000 });
  return { ...r, tarball: join(outDir, `edge-agent-${PACKAGE_VERSION}-linux-x64.tar.gz`) };
}

export function unpack(tarball: string, dir: string): string {
  const r = run('tar', ['-xzf', tarball, '-C', dir]);
  if (r.code !== 0) throw new Error(`cannot unpack ${tarball}: ${output(r)}`);
  return join(dir, 'opt', 'edge-agent');
}
