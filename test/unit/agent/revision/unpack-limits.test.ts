// Entry-count and expanded-size limits, counted while streaming; corrupt and truncated archives.
// Every case must reject (not hang) with the right code.
import t from 'tap';
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { extractArchive } from '../../../../agent/revision/unpack.js';
import { ConfinedWriter } from '../../../../agent/revision/unpack-writer.js';
import {
  buildTar, buildZip, compressibleEntry, makeJail, manyEntries, normalBundleEntries, writeArchive,
} from '../../../helpers/archive-builder.js';

const MiB = 1024 * 1024;

async function sizeUnder(dir: string): Promise<number> {
  let total = 0;
  for (const ent of await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (ent.isFile()) total += (await fs.stat(path.join(ent.parentPath, ent.name))).size;
  }
  return total;
}

for (const format of ['tar', 'tgz', 'zip'] as const) {
  t.test(`${format}: entry limit`, async (t) => {
    const j = await makeJail(t.testdir());
    const bundle = await writeArchive(j.bundles, 'b', format, manyEntries(50));
    await t.rejects(extractArchive(bundle, j.dest, format, { maxBytes: MiB, maxEntries: 20 }), { code: 'ARCHIVE_TOO_MANY_ENTRIES' });
    t.ok((await fs.readdir(j.dest)).length <= 20, 'stopped at the limit');
    const ok = await extractArchive(bundle, `${j.dest}-exact`, format, { maxBytes: MiB, maxEntries: 50 });
    t.equal(ok.entries, 50, 'exactly at the limit is fine');
  });

  t.test(`${format}: size limit on a highly compressible entry`, async (t) => {
    const j = await makeJail(t.testdir());
    const bundle = await writeArchive(j.bundles, 'b', format, [compressibleEntry(16 * MiB)]);
    t.ok((await fs.stat(bundle)).size < 16 * MiB / 50 || format === 'tar', 'the bundle itself is small');
    await t.rejects(extractArchive(bundle, j.dest, format, { maxBytes: MiB, maxEntries: 10 }), { code: 'ARCHIVE_TOO_LARGE', message: /bomb\.bin/ });
    t.ok((await sizeUnder(j.dest)) <= MiB, 'never wrote past the limit');
    const exact = await extractArchive(bundle, `${j.dest}-exact`, format, { maxBytes: 16 * MiB, maxEntries: 10 });
    t.equal(exact.bytes, 16 * MiB, 'exactly at the limit is fine');
  });

  t.test(`${format}: many files that together pass the size limit`, async (t) => {
    const j = await makeJail(t.testdir());
    const entries = Array.from({ length: 8 }, (_, i) => ({ ...compressibleEntry(MiB / 2), path: `part${i}.bin` }));
    const bundle = await writeArchive(j.bundles, 'b', format, entries);
    await t.rejects(extractArchive(bundle, j.dest, format, { maxBytes: 3 * MiB, maxEntries: 100 }), { code: 'ARCHIVE_TOO_LARGE' });
    t.ok((await sizeUnder(j.dest)) <= 3 * MiB);
  });
}

t.test('zip bomb with lying sizes is stopped at the size it declares', async (t) => {
  const j = await makeJail(t.testdir());
  const bundle = path.join(j.bundles, 'liar.zip');
  await fs.writeFile(bundle, await buildZip([compressibleEntry(64 * MiB, 1000)]));
  await t.rejects(extractArchive(bundle, j.dest, 'zip', { maxBytes: 1024 ** 3, maxEntries: 10 }), {
    code: 'ARCHIVE_CORRUPT',
    message: /'bomb\.bin' expands past its declared size of 1000 bytes/,
  });
  t.ok((await sizeUnder(j.dest)) <= 1000, 'no more than the declared bytes were written');
});

t.test('the streamed byte count is enforced even without a declared size', async (t) => {
  const root = t.testdir();
  const writer = await ConfinedWriter.open(path.join(root, 'dest'), { maxBytes: MiB, maxEntries: 10 });
  async function* endless(): AsyncGenerator<Buffer> {
    for (;;) yield Buffer.alloc(64 * 1024);
  }
  await t.rejects(writer.file('endless.bin', {}, endless()), { code: 'ARCHIVE_TOO_LARGE', message: /endless\.bin/ });
  t.ok((await fs.stat(path.join(root, 'dest/endless.bin'))).size <= MiB);
});

t.test('corrupt and truncated archives are ARCHIVE_CORRUPT', async (t) => {
  const j = await makeJail(t.testdir());
  const tar = buildTar(normalBundleEntries());
  const zip = await buildZip(normalBundleEntries());
  const storedZip = await buildZip([{ path: 'l', kind: 'symlink', target: 'a-stored-link-target' }]); // links are stored
  const flipped = (buf: Buffer, at: number): Buffer => {
    const copy = Buffer.from(buf);
    copy[at] = (copy[at] ?? 0) ^ 0xff;
    return copy;
  };
  const badChecksum = Buffer.from(tar);
  badChecksum.write('0000000', 148, 'latin1');
  const cases: Array<[string, Buffer, 'tar' | 'tgz' | 'zip', RegExp?]> = [
    ['garbage', Buffer.from('this is not an archive at all, just text '.repeat(40)), 'tar'],
    ['empty file', Buffer.alloc(0), 'tar'],
    ['tar truncated in file data', tar.subarray(0, 700), 'tar'],
    ['tar truncated at a block boundary', tar.subarray(0, 2048), 'tar', /truncated/i],
    ['tar without its end-of-archive marker', buildTar(normalBundleEntries(), { endMarker: false }), 'tar', /truncated/],
    ['tar with a bad header checksum', badChecksum, 'tar'],
    ['tgz truncated', gzipSync(tar).subarray(0, 200), 'tgz', /gzip/],
    ['tgz with corrupt deflate data', flipped(gzipSync(tar), 40), 'tgz'],
    ['gzip of something that is not tar', gzipSync(Buffer.from('hello '.repeat(400))), 'tgz'],
    ['zip truncated', zip.subarray(0, Math.floor(zip.length / 2)), 'zip'],
    ['zip garbage', Buffer.from('PK\x03\x04 but nothing else'), 'zip'],
    ['zip with corrupt deflate data', flipped(zip, 60), 'zip'],
    ['zip stored entry failing its CRC', flipped(storedZip, storedZip.indexOf('a-stored-link-target')), 'zip', /CRC-32/],
    ['bzip2 tar', Buffer.concat([Buffer.from('BZh91AY&SY'), Buffer.alloc(600)]), 'tar', /bzip2-compressed/],
    ['xz tar', Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(600)]), 'tgz', /xz-compressed/],
    ['zstd tar', Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(600)]), 'tar', /zstd-compressed/],
  ];
  for (const [name, data, type, message] of cases) {
    const bundle = path.join(j.bundles, `${name.replace(/\W+/g, '-')}.bin`);
    await fs.writeFile(bundle, data);
    await t.rejects(extractArchive(bundle, path.join(j.root, 'out', name), type), { code: 'ARCHIVE_CORRUPT', ...(message ? { message } : {}) }, name);
  }
});
