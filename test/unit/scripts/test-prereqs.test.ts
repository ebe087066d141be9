// scripts/test-prereqs.mjs: which Debian packages for which missing tools, install as root with
// apt-get (a fake apt-get port here), otherwise stop with the exact command to run.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decide, main, missingRequirements, onPath, REQUIREMENTS, type PrereqDeps } from '../../../scripts/test-prereqs.mjs';
import { PROJECT_ROOT } from '../../helpers/cli.js';

const byCommand = (...commands: string[]) => REQUIREMENTS.filter((r) => commands.includes(r.command));

t.test('every requirement names a command and a package once', async (t) => {
  const commands = REQUIREMENTS.map((r) => r.command);
  t.same([...new Set(commands)], commands, 'no command twice');
  for (const r of REQUIREMENTS) t.match(r, { command: /^[a-z][\w-]*$/, package: /^[a-z][\w.+-]*$/, usedBy: /\w/ });
  t.same(byCommand('shellcheck', 'setfacl', 'getfacl', 'systemd-analyze', 'openssl').map((r) => r.package), ['shellcheck', 'systemd', 'acl', 'acl', 'openssl']);
});

t.test('missingRequirements keeps the ones whose command is not found', async (t) => {
  const present = new Set(['tar', 'openssl']);
  const missing = missingRequirements(byCommand('tar', 'openssl', 'setfacl', 'shellcheck'), (c) => present.has(c));
  t.same(missing.map((r) => r.command), ['shellcheck', 'setfacl']);
});

t.test('decide: nothing, install as root with apt-get, or stop with the exact command', async (t) => {
  t.same(decide([], { isRoot: false, hasAptGet: false }), { action: 'none' });
  const missing = byCommand('setfacl', 'getfacl', 'shellcheck');
  t.same(decide(missing, { isRoot: true, hasAptGet: true }), {
    action: 'install',
    packages: ['acl', 'shellcheck'],
    steps: [
      ['apt-get', 'update', '-qq'],
      ['apt-get', 'install', '-qq', '-y', '--no-install-recommends', 'acl', 'shellcheck'],
    ],
  }, 'one package for both acl tools, sorted; update first');
  const user = decide(missing, { isRoot: false, hasAptGet: true });
  t.equal(user.action, 'stop');
  if (user.action !== 'stop') return;
  t.equal(user.command, 'sudo apt-get install -y --no-install-recommends acl shellcheck');
  t.match(user.message, /needs shellcheck, setfacl, getfacl[\s\S]*\n {2}sudo apt-get install -y --no-install-recommends acl shellcheck\n/);
  const elsewhere = decide(missing, { isRoot: true, hasAptGet: false });
  t.match(elsewhere, { action: 'stop', command: undefined, message: /Debian\/Ubuntu names: acl shellcheck/ }, 'no apt-get: name the packages');
});

t.test('main: installs as root, then checks again', async (t) => {
  const present = new Set(REQUIREMENTS.map((r) => r.command).filter((c) => c !== 'shellcheck'));
  present.add('apt-get');
  const steps: string[][] = [];
  const printed: string[] = [];
  const deps = (installs: boolean): PrereqDeps => ({
    has: (c) => present.has(c),
    isRoot: true,
    runStep: (argv) => {
      steps.push([...argv]);
      if (installs && argv.includes('install')) present.add('shellcheck');
      return true;
    },
    print: (text) => void printed.push(text),
  });
  t.equal(main([], deps(false)), 2, 'a package that does not provide the tool: exit 2');
  t.match(printed.at(-1), /still missing after the install: shellcheck/);
  steps.length = 0;
  t.equal(main([], deps(true)), 0);
  t.same(steps.map((s) => s.slice(0, 2)), [['apt-get', 'update'], ['apt-get', 'install']]);
  t.equal(main([], deps(true)), 0, 'present now');
  t.equal(steps.length, 2, 'nothing installed the second time');
  present.delete('shellcheck');
  steps.length = 0;
  t.equal(main(['--no-install'], deps(true)), 2, '--no-install only checks, even as root');
  t.same(steps, []);
  t.match(printed.at(-1), /sudo apt-get install -y --no-install-recommends shellcheck/);
});

t.test('the script, with a PATH lacking shellcheck and the acl tools, prints the command and exits 2', async (t) => {
  const bin = t.testdir();
  for (const c of [...REQUIREMENTS.map((r) => r.command).filter((c) => !['shellcheck', 'setfacl', 'getfacl'].includes(c)), 'apt-get']) {
    writeFileSync(join(bin, c), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, c), 0o755);
  }
  t.ok(onPath('apt-get', bin) && !onPath('shellcheck', bin), 'onPath looks in the given folders only');
  const script = join(PROJECT_ROOT, 'scripts', 'test-prereqs.mjs');
  const r = spawnSync(process.execPath, [script, '--no-install'], { env: { PATH: bin }, encoding: 'utf8' });
  t.equal(r.status, 2, r.stderr);
  t.equal(r.stdout, '');
  t.match(r.stderr, /\n {2}sudo apt-get install -y --no-install-recommends acl shellcheck\n/);
  for (const c of ['shellcheck', 'setfacl', 'getfacl']) writeFileSync(join(bin, c), '#!/bin/sh\n');
  const notExecutable = spawnSync(process.execPath, [script, '--no-install'], { env: { PATH: bin }, encoding: 'utf8' });
  t.equal(notExecutable.status, 2, 'a file that is not executable does not count');
  for (const c of ['shellcheck', 'setfacl', 'getfacl']) chmodSync(join(bin, c), 0o755);
  const ready = spawnSync(process.execPath, [script], { env: { PATH: bin }, encoding: 'utf8' });
  t.equal(ready.status, 0, ready.stderr);
  t.equal(`${ready.stdout}${ready.stderr}`, '', 'quiet when everything is there');
});
