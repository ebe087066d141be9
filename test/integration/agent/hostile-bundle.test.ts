// Hostile bundles through the real CLI: refused with the archive's error code, nothing written
// outside the deployment folder, and no half-unpacked revision left behind.
import t from 'tap';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAgent } from '../../helpers/cli.js';
import { compressibleEntry, findByName, hostileCases, makeJail, manyEntries, writeArchive } from '../../helpers/archive-builder.js';

for (const format of ['tgz', 'zip'] as const) {
  t.test(`hostile ${format} bundles are refused by edge-agent deploy`, async (t) => {
    const jail = await makeJail(t.testdir());
    const root = join(jail.root, 'jail', 'deployment-root');
    const cases = hostileCases(format === 'tgz' ? 'tar' : 'zip', jail.outside).filter((c) => ['dot-dot escape', 'absolute path', 'symlink out then write through', 'fifo'].includes(c.name));
    t.equal(cases.length, 4);
    for (const c of cases) {
      const bundle = await writeArchive(jail.bundles, `${c.name.replace(/\W+/g, '-')}.${format}`, format, c.entries);
      const res = await runAgent(['deploy', '-l', bundle, '-t', format, '--root-dir', root, '-g', 'g']);
      t.equal(res.code, 1, `${c.name}: exit 1`);
      t.match(res.stdout, `[${c.code}]`, `${c.name}: ${c.code}`);
      t.match(res.stdout, 'DownloadBundle: failed');
      t.same(await findByName(jail.root, c.payload, [jail.bundles]), [], `${c.name}: nothing named ${c.payload} anywhere`);
      const id = /within folder \S+\/(d-[A-Z0-9]{9}-local)/.exec(res.stdout)?.[1] ?? 'none';
      t.notOk(existsSync(join(root, 'g', id, 'deployment-archive')), `${c.name}: no half-unpacked revision`);
    }
    t.ok(existsSync(join(jail.outside, 'victim.txt')));
  });
}

t.test('archive limits from the agent config', async (t) => {
  const dir = t.testdir();
  const cfg = join(dir, 'agent.yml');
  writeFileSync(cfg, `root_dir: ${join(dir, 'root')}\nlog_dir: ${join(dir, 'log')}\narchive_max_entries: 50\narchive_max_bytes: 1000000\n`);
  const many = await writeArchive(dir, 'many.tgz', 'tgz', [{ path: 'appspec.yml', data: 'version: 0.0\nos: linux\n' }, ...manyEntries(60)]);
  const r1 = await runAgent(['deploy', '-l', many, '-t', 'tgz', '-c', cfg]);
  t.equal(r1.code, 1);
  t.match(r1.stdout, '[ARCHIVE_TOO_MANY_ENTRIES] Shrink the bundle or raise archive_max_entries');
  const big = await writeArchive(dir, 'big.zip', 'zip', [{ path: 'appspec.yml', data: 'version: 0.0\nos: linux\n' }, compressibleEntry(5_000_000)]);
  const r2 = await runAgent(['deploy', '-l', big, '-t', 'zip', '-c', cfg]);
  t.equal(r2.code, 1);
  t.match(r2.stdout, '[ARCHIVE_TOO_LARGE]');
});
