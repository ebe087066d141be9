// The hostile corpus: every archive is rejected with the right code, and nothing is written outside
// the destination: the test root (sentinel dir, the "outside" dir, everything but the destination)
// is byte-for-byte unchanged, and no file named like the payload exists anywhere outside it.
import t from 'tap';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isEdgeError } from '../../../../shared/errors.js';
import { extractArchive } from '../../../../agent/revision/unpack.js';
import { findByName, hostileCases, makeJail, snapshotTree, writeArchive } from '../../../helpers/archive-builder.js';

for (const format of ['tar', 'tgz', 'zip'] as const) {
  t.test(`${format}: hostile archives are rejected and nothing escapes`, async (t) => {
    const probe = await makeJail(t.testdir());
    const cases = hostileCases(format === 'zip' ? 'zip' : 'tar', probe.outside);
    t.ok(cases.length >= 10, `${cases.length} cases`);
    for (const [i, c] of cases.entries()) {
      const j = await makeJail(path.join(probe.root, 'cases', String(i)));
      // With an absolute outside path baked into the entries, point them at this case's root.
      const entries = hostileCases(format === 'zip' ? 'zip' : 'tar', j.outside).find((x) => x.name === c.name)?.entries ?? [];
      const bundle = await writeArchive(j.bundles, 'bundle.tar', format, entries);
      const before = await snapshotTree(probe.root, [j.dest]);
      const err = await extractArchive(bundle, j.dest, format).then(() => undefined, (e: unknown) => e);
      t.ok(isEdgeError(err), `${c.name}: rejected with an EdgeError`);
      if (!isEdgeError(err)) continue;
      t.equal(err.code, c.code, `${c.name}: ${err.message}`);
      if (c.code !== 'ARCHIVE_TOO_LARGE') {
        const entry = String(err.details.entry);
        t.ok(err.message.includes(entry), `${c.name}: the message names the entry '${entry}'`);
      }
      t.same(await snapshotTree(probe.root, [j.dest]), before, `${c.name}: nothing outside the destination changed`);
      t.same(await findByName(probe.root, c.payload, [j.dest]), [], `${c.name}: no payload outside the destination`);
      await t.rejects(fs.lstat(path.join('/etc', c.payload)), { code: 'ENOENT' }, `${c.name}: nothing in /etc`);
    }
  });
}

t.test('zip-slip names that yazl would refuse are really in the archive', async (t) => {
  const j = await makeJail(t.testdir());
  const bundle = await writeArchive(j.bundles, 'slip.zip', 'zip', [{ path: '../../slip.txt', data: 'x' }]);
  t.ok((await fs.readFile(bundle)).includes(Buffer.from('../../slip.txt')), 'the patched name is in the file');
});

t.test('a write through a symlink is refused even when the link itself was accepted', async (t) => {
  const j = await makeJail(t.testdir());
  const bundle = await writeArchive(j.bundles, 'b.tar', 'tar', [
    { path: 'real/', kind: 'dir' },
    { path: 'inner', kind: 'symlink', target: 'real' },
    { path: 'inner/payload', data: 'x' },
  ]);
  await t.rejects(extractArchive(bundle, j.dest, 'tar'), { code: 'ARCHIVE_LINK_ESCAPE', message: /through the symlink 'inner'/ });
  t.same(await fs.readdir(path.join(j.dest, 'real')), [], 'nothing written into the link target either');
});
