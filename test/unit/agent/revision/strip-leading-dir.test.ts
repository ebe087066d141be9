import t from 'tap';
import fs from 'node:fs/promises';
import path from 'node:path';
import { stripLeadingDirectory } from '../../../../agent/revision/strip-leading-dir.js';
import { extractArchive } from '../../../../agent/revision/unpack.js';
import { NORMAL_APPSPEC, normalBundleEntries, writeArchive } from '../../../helpers/archive-builder.js';

type Tree = NonNullable<Parameters<typeof t.testdir>[0]>;
const archiveOf = (root: string): string => path.join(root, 'deployment-archive');

t.test('a single directory holding the AppSpec is stripped', async (t) => {
  const root = t.testdir({ 'deployment-archive': { 'owner-repo-abc123': { 'appspec.yml': NORMAL_APPSPEC, scripts: { 'run.sh': 'x' } } } });
  t.equal(await stripLeadingDirectory(archiveOf(root)), true);
  t.same((await fs.readdir(archiveOf(root))).sort(), ['appspec.yml', 'scripts']);
  t.same(await fs.readdir(root), ['deployment-archive'], 'the temp folder is gone');
});

t.test('the AppSpec name match is case-insensitive and partial, like /appspec/i', async (t) => {
  const root = t.testdir({ 'deployment-archive': { proj: { 'MyAppSpec.YAML': 'x' } } });
  t.equal(await stripLeadingDirectory(archiveOf(root)), true);
  t.same(await fs.readdir(archiveOf(root)), ['MyAppSpec.YAML']);
});

t.test('GitHub-style archives unpack and strip end to end', async (t) => {
  for (const format of ['tgz', 'zip'] as const) {
    const root = t.testdir();
    const bundle = await writeArchive(root, 'bundle.tar', format, normalBundleEntries('acme-app-1a2b3c/'));
    await extractArchive(bundle, archiveOf(root), format);
    t.equal(await stripLeadingDirectory(archiveOf(root)), true, format);
    t.equal(await fs.readFile(path.join(archiveOf(root), 'appspec.yml'), 'utf8'), NORMAL_APPSPEC);
    t.equal(await fs.readFile(path.join(archiveOf(root), 'app/current.conf'), 'utf8'), 'port=8080\n', 'inner links still resolve');
    t.equal((await fs.stat(path.join(archiveOf(root), 'scripts/install.sh'))).mode & 0o777, 0o755);
  }
});

t.test('nothing is stripped otherwise', async (t) => {
  const cases: Record<string, Tree> = {
    'two entries': { proj: { 'appspec.yml': 'x' }, 'README.md': 'x' },
    'a single file': { 'appspec.yml': 'x' },
    'a single directory without an AppSpec': { proj: { 'main.py': 'x', sub: { 'appspec.yml': 'nested too deep' } } },
    'an empty archive': {},
  };
  for (const [name, tree] of Object.entries(cases)) {
    const root = t.testdir({ 'deployment-archive': tree });
    const before = await fs.readdir(archiveOf(root));
    t.equal(await stripLeadingDirectory(archiveOf(root)), false, name);
    t.same(await fs.readdir(archiveOf(root)), before, `${name}: unchanged`);
  }
});

t.test('a single symlink to a directory is not followed', async (t) => {
  const root = t.testdir({ elsewhere: { 'appspec.yml': 'x' }, 'deployment-archive': { link: t.fixture('symlink', '../elsewhere') } });
  t.equal(await stripLeadingDirectory(archiveOf(root)), false);
  t.ok((await fs.lstat(path.join(archiveOf(root), 'link'))).isSymbolicLink());
});

t.test('a leftover temp folder from an interrupted run does not get in the way', async (t) => {
  const root = t.testdir({
    'deployment-archive': { proj: { 'appspec.yml': 'x' } },
    'deployment-archive-temp': { stale: 'x' },
  });
  t.equal(await stripLeadingDirectory(archiveOf(root)), true);
  t.same(await fs.readdir(archiveOf(root)), ['appspec.yml']);
  t.same(await fs.readdir(root), ['deployment-archive']);
});

t.test('refuses a strip that would make a relative link point outside the revision', async (t) => {
  const root = t.testdir({
    'deployment-archive': {
      proj: { 'appspec.yml': 'x', conf: { 'a.conf': 'a' }, deep: { 'via-top': t.fixture('symlink', '../../proj/conf/a.conf') } },
    },
  });
  await t.rejects(stripLeadingDirectory(archiveOf(root)), { code: 'ARCHIVE_LINK_ESCAPE', message: /proj\/deep\/via-top/ });
  t.same(await fs.readdir(archiveOf(root)), ['proj'], 'left as it was');
  const ok = t.testdir({
    'deployment-archive': { proj: { 'appspec.yml': 'x', conf: { 'a.conf': 'a' }, deep: { up: t.fixture('symlink', '../conf/a.conf'), abs: t.fixture('symlink', '/etc/hostname') } } },
  });
  t.equal(await stripLeadingDirectory(archiveOf(ok)), true, 'links that stay inside, and absolute ones, are fine');
});
