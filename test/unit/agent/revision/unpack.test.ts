import t, { type Test } from 'tap';
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { create as tarCreate } from 'tar';
import { DEFAULT_ARCHIVE_LIMITS, extractArchive, type ArchiveType } from '../../../../agent/revision/unpack.js';
import {
  FIXED_MTIME, NORMAL_APPSPEC, buildArchive, buildZip, makeJail, manyEntries, normalBundleEntries, snapshotTree, writeArchive,
  type ArchiveEntry,
} from '../../../helpers/archive-builder.js';

const modeOf = async (p: string): Promise<number> => (await fs.lstat(p)).mode & 0o7777;
const FORMATS = ['tar', 'tgz', 'zip'] as const;

async function extract(t: Test, format: (typeof FORMATS)[number], entries: ArchiveEntry[], declared: ArchiveType = format) {
  const j = await makeJail(t.testdir());
  const bundle = await writeArchive(j.bundles, 'bundle.tar', format, entries);
  const result = await extractArchive(bundle, j.dest, declared, DEFAULT_ARCHIVE_LIMITS);
  return { ...j, result, at: (p: string) => path.join(j.dest, p) };
}

t.test('DEFAULT_ARCHIVE_LIMITS suit a Raspberry Pi', async (t) => {
  t.same(DEFAULT_ARCHIVE_LIMITS, { maxBytes: 2 * 1024 ** 3, maxEntries: 100_000 });
  t.ok(Object.isFrozen(DEFAULT_ARCHIVE_LIMITS));
});

for (const format of FORMATS) {
  t.test(`${format}: a normal nested bundle round-trips`, async (t) => {
    const { result, at } = await extract(t, format, normalBundleEntries());
    t.equal(result.entries, 10);
    t.equal(await fs.readFile(at('appspec.yml'), 'utf8'), NORMAL_APPSPEC);
    t.equal(await fs.readFile(at('a/b/c/deep.txt'), 'utf8'), 'deep\n', 'implicit parent directories are created');
    t.equal(await modeOf(at('scripts/install.sh')), 0o755, 'executable bit kept');
    t.equal(await modeOf(at('scripts/suid-tool')), 0o755, 'setuid dropped');
    t.equal(await modeOf(at('scripts/sgid-sticky')), 0o750, 'setgid and sticky dropped');
    t.equal(await modeOf(at('app/config/app.conf')), 0o640);
    t.equal(await modeOf(at('a/b')), 0o755, 'implicit directories get 755');
    t.equal(await fs.readlink(at('app/current.conf')), 'config/app.conf', 'internal relative symlink kept as a link');
    t.equal(await fs.readFile(at('app/current.conf'), 'utf8'), 'port=8080\n');
    t.same(await fs.readdir(at('app/data')), [], 'empty directory kept');
    t.equal(await modeOf(at('app/data')), 0o750);
    t.equal(await modeOf(at('logs')), 0o700);
    t.equal((await fs.stat(at('scripts/install.sh'))).mtime.getTime(), FIXED_MTIME.getTime(), 'file mtime kept');
    t.equal((await fs.stat(at('app/data'))).mtime.getTime(), FIXED_MTIME.getTime(), 'directory mtime kept');
    t.equal((await fs.stat(at('scripts/install.sh'))).uid, process.getuid?.(), 'owned by the agent user');
  });

  t.test(`${format}: a large file streams through intact`, async (t) => {
    const data = randomBytes(3 * 1024 * 1024 + 123);
    const { result, at } = await extract(t, format, [{ path: 'big/blob.bin', data }, ...manyEntries(200)]);
    t.ok((await fs.readFile(at('big/blob.bin'))).equals(data));
    t.equal(result.entries, 201);
    t.ok(result.bytes >= data.length);
  });
}

t.test('ownership in the archive is ignored', async (t) => {
  const { at } = await extract(t, 'tar', [{ path: 'owned-by-1234', data: 'x', uid: 1234 }]);
  t.equal((await fs.stat(at('owned-by-1234'))).uid, process.getuid?.());
});

t.test('the real format wins over the declared type', async (t) => {
  const cases: Array<[(typeof FORMATS)[number], ArchiveType]> = [['tgz', 'tar'], ['tar', 'tgz'], ['zip', 'tar'], ['tar', 'zip'], ['tgz', 'zip']];
  for (const [real, declared] of cases) {
    const { at } = await extract(t, real, normalBundleEntries(), declared);
    t.equal(await fs.readFile(at('appspec.yml'), 'utf8'), NORMAL_APPSPEC, `${real} declared as ${declared}`);
  }
});

t.test('an archive made by the tar library (pax long names, ./ entries) round-trips', async (t) => {
  const root = t.testdir({ src: { 'appspec.yml': NORMAL_APPSPEC, deep: {} } });
  const longDir = path.join(root, 'src/deep', 'x'.repeat(90), 'y'.repeat(90));
  await fs.mkdir(longDir, { recursive: true });
  await fs.writeFile(path.join(longDir, 'z'.repeat(120)), 'long\n', { mode: 0o750 });
  await fs.symlink('../appspec.yml', path.join(root, 'src/deep/spec-link'));
  const bundle = path.join(root, 'bundle.tgz');
  await tarCreate({ cwd: path.join(root, 'src'), file: bundle, gzip: true }, ['.']);
  const dest = path.join(root, 'out');
  await fs.chmod(path.join(root, 'src'), 0o700);
  await extractArchive(bundle, dest, 'tgz');
  t.same(await snapshotTree(dest), await snapshotTree(path.join(root, 'src')));
  t.equal(await modeOf(dest), 0o755, "the './' entry does not change the destination's mode");
});

t.test('later entries replace earlier ones without writing through links', async (t) => {
  const { at } = await extract(t, 'tar', [
    { path: 'sub/file', data: 'original' },
    { path: 'x', kind: 'symlink', target: 'sub/file' },
    { path: 'x', data: 'replacement' },
    { path: 'was-file', data: 'f' },
    { path: 'was-file/', kind: 'dir' },
    { path: 'was-dir/inner', data: 'i' },
    { path: 'was-dir', data: 'now a file' },
  ]);
  t.equal(await fs.readFile(at('sub/file'), 'utf8'), 'original', 'the link target was not overwritten');
  t.ok((await fs.lstat(at('x'))).isFile());
  t.equal(await fs.readFile(at('x'), 'utf8'), 'replacement');
  t.ok((await fs.lstat(at('was-file'))).isDirectory());
  t.equal(await fs.readFile(at('was-dir'), 'utf8'), 'now a file');
});

t.test('a directory replaced by a symlink: stale directory modes are not applied through the link', async (t) => {
  const { at } = await extract(t, 'tar', [
    { path: 'c/a/a', data: 'x' },
    { path: 'b', data: 'b' },
    { path: 'c', kind: 'symlink', target: 'b' }, // c/ and c/a are gone; their modes must be skipped
    { path: 'd/x/', kind: 'dir', mode: 0o700 },
    { path: 'real/x/', kind: 'dir', mode: 0o755 },
    { path: 'd', kind: 'symlink', target: 'real' },
  ]);
  t.equal(await fs.readlink(at('c')), 'b');
  t.equal(await modeOf(at('real/x')), 0o755, "d/x's mode was not applied to real/x through the link d");
});

t.test('symlink targets are stored normalised so link chains cannot climb out', async (t) => {
  const { at, dest } = await extract(t, 'tar', [
    { path: 'd/', kind: 'dir' },
    { path: 'd/s', kind: 'symlink', target: '..' },
    // Raw, `d/s/..` would resolve through d/s (the root) to the root's parent.
    { path: 'up', kind: 'symlink', target: 'd/s/..' },
    { path: 'd/e/./f', kind: 'symlink', target: './../../d/./s' },
  ]);
  t.equal(await fs.readlink(at('up')), 'd');
  t.equal(await fs.readlink(at('d/e/f')), '../s');
  t.equal(await fs.realpath(at('up')), path.join(await fs.realpath(dest), 'd'));
  t.equal(await fs.realpath(at('d/s')), await fs.realpath(dest));
});

t.test('tar hardlinks to extracted entries', async (t) => {
  const { at } = await extract(t, 'tar', [
    { path: 'a/file', data: 'shared', mode: 0o600 },
    { path: 'b/hard', kind: 'hardlink', target: 'a/file' },
    { path: 'a/sym', kind: 'symlink', target: 'file' },
    { path: 'a/hard-sym', kind: 'hardlink', target: 'a/sym' },
    { path: 'self', data: 's' },
    { path: 'self', kind: 'hardlink', target: 'self' },
  ]);
  t.equal((await fs.stat(at('b/hard'))).ino, (await fs.stat(at('a/file'))).ino, 'same inode');
  t.equal(await fs.readlink(at('a/hard-sym')), 'file', 'a hardlink to a symlink becomes a checked symlink');
  t.equal(await fs.readFile(at('self'), 'utf8'), 's');
});

t.test('zip: modes from a non-unix archive default to 644/755', async (t) => {
  const j = await makeJail(t.testdir());
  const bundle = path.join(j.bundles, 'dos.zip');
  await fs.writeFile(bundle, await buildZip([{ path: 'dir/', mode: 0o700 }, { path: 'dir/run.sh', data: 'x', mode: 0o4700 }], { madeBy: 'dos' }));
  await extractArchive(bundle, j.dest, 'zip');
  t.equal(await modeOf(path.join(j.dest, 'dir')), 0o755);
  t.equal(await modeOf(path.join(j.dest, 'dir/run.sh')), 0o644);
});

t.test('bundle errors', async (t) => {
  const root = t.testdir({ adir: {} });
  await t.rejects(extractArchive(path.join(root, 'missing.tar'), path.join(root, 'out'), 'tar'), { code: 'BUNDLE_NOT_FOUND' });
  await t.rejects(extractArchive(path.join(root, 'adir'), path.join(root, 'out'), 'tar'), { code: 'BUNDLE_TYPE_MISMATCH' });
  const bundle = path.join(root, 'b.tar');
  await fs.writeFile(bundle, await buildArchive('tar', manyEntries(1)));
  await t.rejects(extractArchive(bundle, path.join(root, 'out'), 'tar', { maxBytes: -1, maxEntries: 10 }), { code: 'CONFIG_INVALID' });
});

t.test('an abort signal stops extraction and rejects with its reason', async (t) => {
  const j = await makeJail(t.testdir());
  for (const format of FORMATS) {
    const bundle = await writeArchive(j.bundles, `many.${format}`, format, manyEntries(3000));
    const pre = new AbortController();
    pre.abort();
    await t.rejects(extractArchive(bundle, `${j.dest}-${format}-pre`, format, DEFAULT_ARCHIVE_LIMITS, pre.signal), { name: 'AbortError' });
    const ac = new AbortController();
    const run = extractArchive(bundle, `${j.dest}-${format}`, format, DEFAULT_ARCHIVE_LIMITS, ac.signal);
    setTimeout(() => ac.abort(), 5);
    await t.rejects(run, { name: 'AbortError' }, `${format} aborted mid-way`);
    const written = await fs.readdir(`${j.dest}-${format}`).catch(() => []);
    t.ok(written.length < 3000, `${format} stopped early (${written.length} written)`);
  }
});
