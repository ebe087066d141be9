import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yauzl from 'yauzl';
import { listFolder, packTgz, packZip } from '../../../../controller/release/pack.js';

/** A scratch folder per test: `src` holds the release folder, the rest is for outputs. */
function scratch(t: Test): { src: string; out: string } {
  const base = t.testdir({ src: { app: { 'run.sh': '#!/bin/sh\necho hi\n', 'b.txt': 'bee', 'a.txt': 'a' }, 'appspec.yml': 'version: 0.0\nos: linux\n', empty: {} }, out: {} });
  chmodSync(join(base, 'src', 'app', 'run.sh'), 0o750);
  return { src: join(base, 'src'), out: join(base, 'out') };
}

t.test('the same content packs to the same bytes, whatever the times, owners and umask', async (t) => {
  const { src: a, out } = scratch(t);
  const b = join(out, 'copy');
  cpSync(a, b, { recursive: true });
  utimesSync(join(b, 'app', 'a.txt'), new Date(2020, 1, 1), new Date(2020, 1, 1));
  chmodSync(join(b, 'app', 'b.txt'), 0o600);
  chmodSync(join(b, 'app', 'run.sh'), 0o700);
  t.equal(packTgz(a).sha256, packTgz(b).sha256);
  t.equal((await packZip(a)).sha256, (await packZip(b)).sha256);
  writeFileSync(join(b, 'app', 'a.txt'), 'changed');
  t.not(packTgz(a).sha256, packTgz(b).sha256, 'different content, different hash');
});

t.test('the tgz is a normal archive: sorted, owners 0, modes 0755/0644', async (t) => {
  const { src: dir, out: o } = scratch(t);
  const out = join(o, 'r.tgz');
  writeFileSync(out, packTgz(dir).bytes);
  const listing = execFileSync('tar', ['-tvzf', out, '--numeric-owner'], { encoding: 'utf8' }).trim().split('\n');
  t.same(listing.map((l) => l.split(/\s+/).pop()), ['app/', 'app/a.txt', 'app/b.txt', 'app/run.sh', 'appspec.yml', 'empty/']);
  t.match(listing[3], /^-rwxr-xr-x 0\/0 .* 2000-01-01 /);
  t.match(listing[1], /^-rw-r--r-- 0\/0 /);
  t.match(listing[0], /^drwxr-xr-x 0\/0 /);
});

t.test('long names survive (ustar prefix and PAX)', async (t) => {
  const base = t.testdir({ src: {}, x: {} });
  const dir = join(base, 'src');
  const deep = join(dir, 'd'.repeat(90), 'e'.repeat(90));
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'f'.repeat(120)), 'x');
  const out = join(base, 'r.tgz');
  writeFileSync(out, packTgz(dir).bytes);
  const names = execFileSync('tar', ['-tzf', out], { encoding: 'utf8' }).trim().split('\n');
  t.ok(names.includes(`${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(120)}`));
  execFileSync('tar', ['-xzf', out, '-C', join(base, 'x')]);
});

t.test('the zip has the same entries and modes', async (t) => {
  const packed = await packZip(scratch(t).src);
  const entries = await new Promise<{ name: string; mode: number }[]>((resolve, reject) => {
    yauzl.fromBuffer(packed.bytes, { lazyEntries: false }, (err, zip) => {
      if (err || !zip) return reject(err);
      const found: { name: string; mode: number }[] = [];
      zip.on('entry', (e: yauzl.Entry) => found.push({ name: e.fileName, mode: (e.externalFileAttributes >>> 16) & 0o7777 }));
      zip.on('end', () => resolve(found));
      zip.on('error', reject);
    });
  });
  t.same(entries, [
    { name: 'app/', mode: 0o755 },
    { name: 'app/a.txt', mode: 0o644 },
    { name: 'app/b.txt', mode: 0o644 },
    { name: 'app/run.sh', mode: 0o755 },
    { name: 'appspec.yml', mode: 0o644 },
    { name: 'empty/', mode: 0o755 },
  ]);
});

t.test('hostile folders are refused with the path named', async (t) => {
  const base = t.testdir({ nl: {}, out: { app: {} }, inside: { app: { real: 'r' } }, fifo: {} });
  const nl = join(base, 'nl');
  writeFileSync(join(nl, 'x\ny'), '');
  t.throws(() => listFolder(nl, { allowLinks: true }), { code: 'RELEASE_PART_INVALID', message: /control characters/ });
  const out = join(base, 'out');
  symlinkSync('../../etc/passwd', join(out, 'app', 'pw'));
  t.throws(() => packTgz(out), { code: 'RELEASE_PART_INVALID', message: /app\/pw: the link points outside the folder/ });
  const inside = join(base, 'inside');
  symlinkSync('real', join(inside, 'app', 'alias'));
  t.ok(packTgz(inside).files.some((f) => f.type === 'symlink' && f.target === 'real'), 'links inside the folder are kept in a tgz');
  await t.rejects(packZip(inside), { code: 'RELEASE_PART_INVALID', message: /symbolic links cannot be packed/ });
  const fifo = join(base, 'fifo');
  execFileSync('mkfifo', [join(fifo, 'p')]);
  t.throws(() => listFolder(fifo, { allowLinks: true }), { message: /FIFOs cannot be packed/ });
});
