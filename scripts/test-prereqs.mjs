#!/usr/bin/env node
// The system tools `npm test` needs, checked before anything else runs (npm test and .ci/run both
// come through here). Quiet when every tool is present. Otherwise, as root on a machine with
// apt-get, it installs the Debian packages that provide the missing tools; anyone else gets the
// exact command to run and exit code 2, before lint or a single test has started.
//   node scripts/test-prereqs.mjs             check, and install as root
//   node scripts/test-prereqs.mjs --no-install  check only (exit 2 with the command when something is missing)
// Plain JavaScript with no dependencies: it must run before `npm ci` has installed anything.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Each command the tests run, the Debian/Ubuntu package providing it, and who needs it. */
export const REQUIREMENTS = Object.freeze([
  { command: 'shellcheck', package: 'shellcheck', usedBy: 'the install scripts and the packaged launcher are linted' },
  { command: 'systemd-analyze', package: 'systemd', usedBy: 'the systemd units are verified' },
  { command: 'setfacl', package: 'acl', usedBy: 'AppSpec acls are applied' },
  { command: 'getfacl', package: 'acl', usedBy: 'applied acls are read back' },
  { command: 'openssl', package: 'openssl', usedBy: 'PKCS7 deployment specs are cross-checked' },
  { command: 'nm', package: 'binutils', usedBy: "node's embedded ICU data is located" },
  { command: 'tar', package: 'tar', usedBy: 'bundles and packages are built and listed' },
  { command: 'git', package: 'git', usedBy: 'the package build reads its timestamp' },
  { command: 'useradd', package: 'passwd', usedBy: 'runas hooks run as a test user' },
  { command: 'su', package: 'util-linux', usedBy: 'runas hooks switch user' },
  { command: 'mkfifo', package: 'coreutils', usedBy: 'special files are refused on copy' },
  { command: 'chromium', package: 'chromium', usedBy: 'the rollout HTML report is rendered in headless Chromium' },
  { command: 'jq', package: 'jq', usedBy: 'the pipeline examples read fleetctl --json output' },
]);

/** The requirements whose command `has` does not find. */
export function missingRequirements(requirements, has) {
  return requirements.filter((r) => !has(r.command));
}

/**
 * What to do about the missing tools (pure): nothing; install (as root with apt-get); or stop with
 * the exact command a person has to run.
 */
export function decide(missing, { isRoot, hasAptGet }) {
  if (missing.length === 0) return { action: 'none' };
  const packages = [...new Set(missing.map((r) => r.package))].sort();
  const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...packages];
  const tools = missing.map((r) => r.command).join(', ');
  if (isRoot && hasAptGet) {
    return { action: 'install', packages, steps: [['apt-get', 'update', '-qq'], [...install.slice(0, 2), '-qq', ...install.slice(2)]] };
  }
  const command = hasAptGet ? ['sudo', ...install].join(' ') : undefined;
  const lines = [`npm test needs ${tools}, which this machine lacks.`];
  if (command) lines.push(`Install them with:`, `  ${command}`);
  else lines.push(`Install the packages that provide them (Debian/Ubuntu names: ${packages.join(' ')}).`);
  for (const r of missing) lines.push(`  (${r.command}: ${r.usedBy})`);
  return { action: 'stop', packages, command, message: lines.join('\n') };
}

/** Is `command` an executable file in one of PATH's folders? */
export function onPath(command, path = process.env.PATH ?? '') {
  return path.split(delimiter).some((dir) => {
    if (dir === '') return false;
    const file = join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/** Runs one install step through the real apt-get; on failure prints the tail of its output. */
function runStep(argv) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const r = spawnSync(argv[0], argv.slice(1), { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status === 0) return true;
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim().split('\n').slice(-15).join('\n');
  process.stderr.write(`test-prereqs: ${argv.join(' ')} failed (exit ${r.status}):\n${tail}\n`);
  return false;
}

/** Administration tools live in the sbin folders, which a login's PATH may lack. */
const SEARCH_PATH = [process.env.PATH ?? '', '/usr/local/sbin', '/usr/sbin', '/sbin'].join(delimiter);

const realDeps = () => ({
  has: (command) => onPath(command, SEARCH_PATH),
  isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
  runStep,
  print: (text) => void process.stderr.write(`${text}\n`),
});

/** The script: returns its exit code (0 ready, 2 something is missing). */
export function main(argv = process.argv.slice(2), deps = realDeps()) {
  const noInstall = argv.includes('--no-install');
  const missing = missingRequirements(REQUIREMENTS, deps.has);
  const plan = decide(missing, { isRoot: deps.isRoot && !noInstall, hasAptGet: deps.has('apt-get') });
  if (plan.action === 'none') return 0;
  if (plan.action === 'stop') {
    deps.print(plan.message);
    return 2;
  }
  deps.print(`test-prereqs: installing ${plan.packages.join(' ')} (for ${missing.map((r) => r.command).join(', ')})`);
  for (const step of plan.steps) if (!deps.runStep(step)) return 2;
  const still = missingRequirements(REQUIREMENTS, deps.has);
  if (still.length === 0) return 0;
  deps.print(`test-prereqs: still missing after the install: ${still.map((r) => r.command).join(', ')}`);
  return 2;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main();
