import t from 'tap';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { copyDirectory } from '../../../../agent/revision/copy-directory.js';
import { snapshotTree } from '../../../helpers/archive-builder.js';

const modeOf = async (p: string): Promise<number> => (await fs.lstat(p)).mode & 0o7777;

t.test('copies a revision directory, keeping modes, mtimes and symlinks as links', async (t) => {
  const root = t.testdir({
    src: {
      'appspec.yml': 'version: 0.0\n',
      scripts: { 'install.sh': '#!/bin/sh\n', 'suid.sh': '#!/bin/sh\n' },
      conf: { 'app.conf': 'x' },
      empty: {},
      'rel-link': t.fixture('symlink', 'conf/app.conf'),
      'abs-link': t.fixture('symlink', '/etc/hostname'),
      'dangling': t.fixture('symlink', 'missing/file'),
      'dir-link': t.fixture('symlink', 'conf'),
    },
  });
  const src = path.join(root, 'src');
  await fs.chmod(path.join(src, 'scripts/install.sh'), 0o750);
  await fs.chmod(path.join(src, 'scripts/suid.sh'), 0o4755);
  await fs.chmod(path.join(src, 'conf'), 0o2750);
  await fs.chmod(path.join(src, 'conf/app.conf'), 0o400);
  const when = new Date('2023-05-06T07:08:09Z');
  await fs.utimes(path.join(src, 'appspec.yml'), when, when);
  const dest = path.join(root, 'deploy/deployment-archive');

  await copyDirectory(src, dest);

  t.equal(await modeOf(path.join(dest, 'scripts/install.sh')), 0o750, 'exec bits kept');
  t.equal(await modeOf(path.join(dest, 'scripts/suid.sh')), 0o755, 'setuid dropped');
  t.equal(await modeOf(path.join(dest, 'conf')), 0o750, 'setgid dropped from a directory');
  t.equal(await modeOf(path.join(dest, 'conf/app.conf')), 0o400, 'read-only file copied');
  t.equal(await fs.readlink(path.join(dest, 'rel-link')), 'conf/app.conf', 'relative link text unchanged');
  t.equal(await fs.readlink(path.join(dest, 'abs-link')), '/etc/hostname');
  t.equal(await fs.readlink(path.join(dest, 'dangling')), 'missing/file', 'dangling link copied as a link');
  t.ok((await fs.lstat(path.join(dest, 'dir-link'))).isSymbolicLink(), 'a link to a directory is not followed');
  t.same(await fs.readdir(path.join(dest, 'empty')), []);
  t.equal((await fs.stat(path.join(dest, 'appspec.yml'))).mtime.getTime(), when.getTime(), 'mtime kept');
  const a = await snapshotTree(src);
  const b = await snapshotTree(dest);
  t.same([...b.keys()].sort(), [...a.keys()].sort(), 'same tree');
});

t.test('a source that is a symlink to a directory is followed once', async (t) => {
  const root = t.testdir({ real: { 'appspec.yml': 'x' }, link: t.fixture('symlink', 'real') });
  await copyDirectory(path.join(root, 'link'), path.join(root, 'out'));
  t.same(await fs.readdir(path.join(root, 'out')), ['appspec.yml']);
});

t.test('missing or non-directory sources', async (t) => {
  const root = t.testdir({ file: 'x' });
  await t.rejects(copyDirectory(path.join(root, 'nope'), path.join(root, 'out')), { code: 'BUNDLE_NOT_FOUND' });
  await t.rejects(copyDirectory(path.join(root, 'file'), path.join(root, 'out')), { code: 'BUNDLE_TYPE_MISMATCH' });
});

t.test('special files are refused with ARCHIVE_SPECIAL_ENTRY', async (t) => {
  const root = t.testdir({ fifo: { 'appspec.yml': 'x', sub: {} } });
  execFileSync('mkfifo', [path.join(root, 'fifo/sub/pipe')]);
  await t.rejects(copyDirectory(path.join(root, 'fifo'), path.join(root, 'out-fifo')), {
    code: 'ARCHIVE_SPECIAL_ENTRY',
    message: /fifo at 'sub\/pipe'/,
  });
  // Unix socket paths must be short (108 bytes), so this one lives in the system temp dir.
  const sockDir = await fs.mkdtemp(path.join(os.tmpdir(), 'edge-copy-'));
  t.teardown(() => fs.rm(sockDir, { recursive: true, force: true }));
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(path.join(sockDir, 'control.sock'), resolve));
  t.teardown(() => server.close());
  await t.rejects(copyDirectory(sockDir, path.join(root, 'out-sock')), {
    code: 'ARCHIVE_SPECIAL_ENTRY',
    message: /socket at 'control\.sock'/,
  });
});
