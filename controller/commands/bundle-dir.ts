// Where provisioning bundles go. They hold private keys and credentials, so the folder fleetctl
// creates gets a `.gitignore` of `*`, and a folder inside a git work tree that git would not ignore
// draws a warning (`git check-ignore`).
import { execFile } from 'node:child_process';
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EdgeError } from '../../shared/errors.js';

export const DEFAULT_BUNDLE_DIR = 'fleetctl-bundles';

export interface GitRun {
  (args: readonly string[], cwd: string): Promise<{ code: number; stdout: string }>;
}

/** `git` as a port; exit 127 when git is not installed. */
export const runGit: GitRun = (args, cwd) =>
  new Promise((done) => {
    execFile('git', [...args], { cwd, timeout: 10_000 }, (err, stdout) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
      done({ code, stdout: String(stdout) });
    });
  });

/** Creates the folder (private, with a `.gitignore` of `*`) unless it exists; returns its absolute path. */
export function ensureBundleDir(out: string): { dir: string; created: boolean } {
  const dir = resolve(out);
  if (existsSync(dir)) {
    if (!lstatSync(dir).isDirectory()) throw new EdgeError('CLI_USAGE', `--out ${out} exists and is not a folder`);
    return { dir, created: false };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // O_EXCL: never through a link someone planted, never over a file
  const fd = openSync(join(dir, '.gitignore'), 'wx', 0o600);
  try {
    writeSync(fd, '# provisioning bundles hold private keys: never commit them\n*\n');
  } finally {
    closeSync(fd);
  }
  return { dir, created: true };
}

/** A warning when `dir` is in a git work tree and a bundle in it would not be ignored; undefined otherwise. */
export async function gitIgnoreWarning(dir: string, git: GitRun): Promise<string | undefined> {
  const top = await git(['rev-parse', '--show-toplevel'], dir);
  if (top.code !== 0) return undefined;
  // a name no device has: the question is whether a new bundle in the folder would be ignored
  const probe = join(dir, 'fleetctl-ignore-probe', 'onpremises.yml');
  const ignored = await git(['check-ignore', '-q', '--no-index', probe], dir);
  if (ignored.code !== 1) return undefined;
  return (
    `warning: ${dir} is inside the git work tree ${top.stdout.trim()} and git does not ignore it: ` +
    `provisioning bundles hold private keys; add the folder to .gitignore (or write '*' into ${join(dir, '.gitignore')})`
  );
}
