// A revision must not reach outside its destinations after it was unpacked: hostile archives
// through the real `edge-agent deploy`, with a sentinel folder checked before and after.
import t, { type Test } from 'tap';
import { chmodSync, lstatSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAgent } from '../../helpers/cli.js';
import { snapshotTree, writeArchive, type ArchiveEntry } from '../../helpers/archive-builder.js';

interface Box { root: string; dr: string; dest: string; bundles: string; passwd: string; cfg: string }

function box(t: Test): Box {
  const root = t.testdir({ sentinel: { passwd: 'root:x:0:0:root:/root:/bin/sh\n' }, bundles: {} });
  const b = { root, dr: join(root, 'dr'), dest: join(root, 'dest'), bundles: join(root, 'bundles'), passwd: join(root, 'sentinel', 'passwd'), cfg: join(root, 'allow.yml') };
  chmodSync(b.passwd, 0o600);
  writeFileSync(b.cfg, `root_dir: ${b.dr}\nlog_dir: ${join(root, 'log')}\nallow_external_symlinks: true\n`);
  return b;
}

const outsideSnapshot = (b: Box) => snapshotTree(b.root, [b.dr, b.dest, b.bundles, join(b.root, 'log')]);

async function deploy(b: Box, name: string, entries: ArchiveEntry[], extra: string[] = [], format: 'tgz' | 'zip' = 'tgz') {
  const bundle = await writeArchive(b.bundles, `${name}.${format}`, format, entries);
  const cfg = extra.includes('-c') ? [] : ['--root-dir', b.dr];
  return runAgent(['deploy', '-l', bundle, '-t', format, '-g', 'grp', ...cfg, ...extra]);
}

const appspec = (dest: string, extra = ''): ArchiveEntry => ({ path: 'appspec.yml', data: `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${dest}\n${extra}` });

t.test('temp-name symlink: a link named like the temp file is never written through', async (t) => {
  const b = box(t);
  const before = await outsideSnapshot(b);
  const entries: ArchiveEntry[] = [
    appspec(b.dest),
    { path: 'app/.x.edge-agent-tmp', kind: 'symlink', target: '../sentinel/passwd' },
    { path: 'app/x', data: 'PAYLOAD\n' },
    { path: 'sentinel/passwd', data: 'decoy\n' },
  ];
  const refused = await deploy(b, 'tmpname', entries);
  t.equal(refused.code, 1);
  t.match(refused.stdout, `[INSTALL_SYMLINK_ESCAPE]`);
  t.match(refused.stdout, `${b.dest}/.x.edge-agent-tmp -> ../sentinel/passwd`, 'the error names the link');
  const allowed = await deploy(b, 'tmpname', entries, ['-c', b.cfg]);
  t.equal(allowed.code, 0, allowed.stdout);
  t.equal(readFileSync(join(b.dest, 'x'), 'utf8'), 'PAYLOAD\n');
  t.ok(lstatSync(join(b.dest, '.x.edge-agent-tmp')).isSymbolicLink());
  t.same(await outsideSnapshot(b), before, 'nothing outside the destination changed');
});

t.test('newline in a file name: the next deployment deletes nothing outside the destination', async (t) => {
  const b = box(t);
  const before = await outsideSnapshot(b);
  const evil = `app/x\n${b.passwd}`; // one name: "x\n" + a path that looks absolute after the newline
  // zip: names are length-prefixed (any length; a long tar name goes through a pax record)
  const first = await deploy(b, 'newline', [appspec(b.dest), { path: evil, data: 'odd\n' }], [], 'zip');
  t.equal(first.code, 0, first.stdout);
  t.equal(readFileSync(join(b.dest, `x\n${b.passwd}`), 'utf8'), 'odd\n', 'installed under its odd name');
  const second = await deploy(b, 'plain', [appspec(b.dest), { path: 'app/y', data: 'y\n' }]);
  t.equal(second.code, 0, second.stdout);
  t.same(await outsideSnapshot(b), before, 'the sentinel and its folder survive the cleanup');
  t.same(lstatSync(join(b.dest, 'y')).isFile(), true);
  t.throws(() => lstatSync(join(b.dest, `x\n${b.passwd}`)), 'the odd file itself was cleaned up');
});

t.test('relocated symlink: refused at Install; allowed by config, permissions still never follow it', async (t) => {
  const b = box(t);
  const before = await outsideSnapshot(b);
  const perms = `permissions:\n  - object: ${b.dest}\n    pattern: "**"\n    mode: 777\n    owner: root\n    group: root\n`;
  const entries: ArchiveEntry[] = [appspec(b.dest, perms), { path: 'app/pw', kind: 'symlink', target: '../sentinel/passwd' }, { path: 'app/own.txt', data: 'o\n' }, { path: 'sentinel/passwd', data: 'decoy\n' }];
  const refused = await deploy(b, 'relocated', entries);
  t.equal(refused.code, 1);
  t.match(refused.stdout, `[INSTALL_SYMLINK_ESCAPE]`);
  t.match(refused.stdout, `${b.dest}/pw -> ../sentinel/passwd, which resolves to ${b.passwd}`);
  const allowed = await deploy(b, 'relocated', entries, ['-c', b.cfg]);
  t.equal(allowed.code, 0, allowed.stdout);
  t.equal(statSync(join(b.dest, 'own.txt')).mode & 0o777, 0o777, 'the permissions entry applied to the real file');
  t.equal(statSync(b.passwd).mode & 0o777, 0o600, 'not to the link target');
  t.same(await outsideSnapshot(b), before, 'nothing outside the destination changed');
});

t.test('an AppSpec over 1 MiB is refused with an error naming the limit', async (t) => {
  const b = box(t);
  mkdirSync(b.dest);
  const res = await deploy(b, 'huge', [{ path: 'appspec.yml', data: `version: 0.0\nos: linux\n#${'x'.repeat(1024 * 1024)}\n` }]);
  t.equal(res.code, 1);
  t.match(res.stdout, '[APPSPEC_TOO_LARGE]');
  t.match(res.stdout, 'larger than the limit of 1048576 bytes (1 MiB)');
});
