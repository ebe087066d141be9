import t from 'tap';
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleTypeOf, checkRevisionArchive } from '../../../../controller/release/archive-check.js';
import { packTgz, packZip } from '../../../../controller/release/pack.js';

const APPSPEC = 'version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /opt/app\nhooks:\n  ApplicationStart:\n    - location: scripts/start.sh\n  AfterInstall:\n    - location: scripts/plain.sh\n';

t.test('bundle types from the name', async (t) => {
  t.equal(bundleTypeOf('a.tgz'), 'tgz');
  t.equal(bundleTypeOf('a.TAR.GZ'), 'tgz');
  t.equal(bundleTypeOf('a.tar'), 'tar');
  t.equal(bundleTypeOf('a.zip'), 'zip');
  t.equal(bundleTypeOf('a.rar'), undefined);
});

t.test('tgz, tar and zip revisions are checked as fleetctl validate checks a folder', async (t) => {
  const dir = t.testdir({ rev: { 'appspec.yml': APPSPEC, app: { 'x.txt': 'x' }, scripts: { 'start.sh': '#!/bin/sh\n', 'plain.sh': '#!/bin/sh\n' } }, out: {} });
  chmodSync(join(dir, 'rev', 'scripts', 'start.sh'), 0o755);
  const tgz = join(dir, 'out', 'r.tgz');
  writeFileSync(tgz, packTgz(join(dir, 'rev')).bytes);
  const zip = join(dir, 'out', 'r.zip');
  writeFileSync(zip, (await packZip(join(dir, 'rev'))).bytes);
  const tar = join(dir, 'out', 'r.tar');
  execFileSync('tar', ['-cf', tar, '-C', join(dir, 'rev'), '.']);
  for (const [file, type] of [[tgz, 'tgz'], [zip, 'zip'], [tar, 'tar']] as const) {
    const findings = await checkRevisionArchive(file, type);
    t.same(findings.map((f) => `${f.severity} ${f.code}`), ['warning HOOK_SCRIPT_NOT_EXECUTABLE'], file);
  }
});

t.test('missing scripts and sources, a missing AppSpec, a broken archive', async (t) => {
  const dir = t.testdir({ top: { rev: { 'appspec.yml': APPSPEC.replace('app\n', 'nothere\n') } }, bare: { 'README': 'no appspec' }, out: {} });
  const nested = join(dir, 'out', 'n.tgz');
  execFileSync('tar', ['-czf', nested, '-C', join(dir, 'top'), 'rev']);
  const findings = await checkRevisionArchive(nested, 'tgz');
  t.same(findings.map((f) => f.code).sort(), ['HOOK_SCRIPT_MISSING', 'HOOK_SCRIPT_MISSING', 'INSTALL_SOURCE_MISSING'], 'the one top folder is the revision');
  const bare = join(dir, 'out', 'b.zip');
  writeFileSync(bare, (await packZip(join(dir, 'bare'))).bytes);
  t.match(await checkRevisionArchive(bare, 'zip'), [{ severity: 'error', code: 'APPSPEC_NOT_FOUND' }]);
  const broken = join(dir, 'out', 'x.tgz');
  writeFileSync(broken, 'not gzip');
  t.match(await checkRevisionArchive(broken, 'tgz'), [{ severity: 'error', code: 'ARCHIVE_INVALID' }]);
  t.match(await checkRevisionArchive(broken, 'zip'), [{ severity: 'error', code: 'ARCHIVE_INVALID' }]);
});
