#!/usr/bin/env node
// A copy of the example air-quality revision that installs into a folder of your choice instead of
// /opt/air-quality-station, so trying it leaves nothing outside that folder:
//   node scripts/confine-example.mjs <copy-dir> <install-dir>
//   node dist/agent/main.js deploy -l <copy-dir> --root-dir <scratch>/root
// The install path appears in appspec.yml (files, permissions), scripts/station-lib.sh and
// scripts/health-checks.yml; all of them are rewritten. Plain Node: usable before a build.
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXAMPLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'appspec', 'examples', 'air-quality');
export const EXAMPLE_INSTALL_DIR = '/opt/air-quality-station';

/** The path goes into YAML and shell scripts unquoted: only plain path characters. */
const SAFE_PATH = /^[A-Za-z0-9._/+-]+$/;

/**
 * Copies the example to `copyDir` (which must not exist yet) with every `/opt/air-quality-station` replaced by
 * `installDir` (absolute; a relative one resolves against the agent's working directory, as hooks do).
 */
export function confineExample(copyDir, installDir) {
  if (!SAFE_PATH.test(installDir) || installDir.split('/').includes('..')) {
    throw new Error(`install dir ${JSON.stringify(installDir)}: use a plain path (letters, digits, . _ / + -), without ..`);
  }
  mkdirSync(dirname(resolve(copyDir)), { recursive: true });
  mkdirSync(copyDir); // fails when it exists: never write into a folder we did not create
  cpSync(EXAMPLE_DIR, copyDir, { recursive: true });
  const files = ['appspec.yml', ...readdirSync(join(copyDir, 'scripts')).map((f) => join('scripts', f))];
  for (const file of files) {
    const p = join(copyDir, file);
    writeFileSync(p, readFileSync(p, 'utf8').replaceAll(EXAMPLE_INSTALL_DIR, installDir));
  }
  return copyDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [copyDir, installDir] = process.argv.slice(2);
  if (!copyDir || !installDir) {
    process.stderr.write('usage: node scripts/confine-example.mjs <copy-dir> <install-dir>\n');
    process.exit(2);
  }
  try {
    confineExample(copyDir, resolve(installDir));
    process.stdout.write(`${resolve(copyDir)}: the example, installing into ${resolve(installDir)}\n`);
  } catch (e) {
    process.stderr.write(`ERROR: ${e.message}\n`);
    process.exit(2);
  }
}
