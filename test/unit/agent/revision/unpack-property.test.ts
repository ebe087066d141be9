// Property: for ANY sequence of entries built from a few names, '.', '..', absolute paths and links,
// extraction either succeeds or rejects with an ARCHIVE_* code; in both cases nothing outside the
// destination changes, and after success every symlink, followed like the kernel does (through
// other links), stays inside the destination.
import t from 'tap';
import fc from 'fast-check';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isEdgeError } from '../../../../shared/errors.js';
import { extractArchive } from '../../../../agent/revision/unpack.js';
import { makeJail, snapshotTree, writeArchive, type ArchiveEntry } from '../../../helpers/archive-builder.js';

/** Follow `rel` from root like path resolution does; false if it ever climbs above root. */
async function staysInside(root: string, rel: string): Promise<boolean> {
  let pending = rel.split('/');
  const cur: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (cur.length === 0) return false;
      cur.pop();
      continue;
    }
    const st = await fs.lstat(path.join(root, ...cur, part)).catch(() => null);
    if (st?.isSymbolicLink()) {
      if (++hops > 40) return true; // a loop goes nowhere
      const target = await fs.readlink(path.join(root, ...cur, part));
      if (target.startsWith('/')) return false;
      pending = [...target.split('/'), ...pending];
      continue;
    }
    cur.push(part);
  }
  return true;
}

const OUTSIDE = '@OUTSIDE@';
const component = fc.constantFrom('a', 'b', 'c', '..', '.', '');
const relPath = fc.array(component, { minLength: 1, maxLength: 4 }).map((p) => p.join('/'));
const anyPath = fc.oneof({ weight: 6, arbitrary: relPath }, { weight: 1, arbitrary: relPath.map((p) => `${OUTSIDE}/${p}`) });
const entry = fc.oneof(
  fc.record({ kind: fc.constant('file' as const), path: anyPath }),
  fc.record({ kind: fc.constant('dir' as const), path: anyPath }),
  fc.record({ kind: fc.constant('symlink' as const), path: anyPath, target: anyPath }),
  fc.record({ kind: fc.constant('symlink' as const), path: relPath, target: relPath }),
  fc.record({ kind: fc.constant('hardlink' as const), path: anyPath, target: anyPath }),
);

t.test('no archive writes outside the destination, and accepted links stay inside', async (t) => {
  const base = t.testdir();
  let run = 0;
  const seen = { ok: 0, rejected: 0 };
  await fc.assert(fc.asyncProperty(fc.constantFrom('tar' as const, 'zip' as const), fc.array(entry, { minLength: 1, maxLength: 8 }), async (format, raw) => {
    const j = await makeJail(path.join(base, String(run++)));
    const entries: ArchiveEntry[] = raw
      .filter((e) => e.path !== '' && !(format === 'zip' && e.kind === 'hardlink'))
      .map((e) => ({
        ...e,
        path: e.path.replaceAll(OUTSIDE, j.outside),
        target: 'target' in e ? e.target.replaceAll(OUTSIDE, j.outside) || '.' : undefined,
        data: e.kind === 'file' ? 'PAYLOAD' : undefined,
      }));
    if (entries.length === 0) return;
    const bundle = await writeArchive(j.bundles, 'bundle', format, entries).catch((e: Error) => {
      if (e.message.startsWith('zip cannot')) return undefined; // e.g. a directory named '/'
      throw e;
    });
    if (bundle === undefined) return;
    const before = await snapshotTree(j.root, [j.dest]);
    const err = await extractArchive(bundle, j.dest, format).then(() => undefined, (e: unknown) => e);
    if (err !== undefined) {
      seen.rejected++;
      if (!isEdgeError(err) || !err.code.startsWith('ARCHIVE_')) throw new Error(`unexpected error ${String(err)}: ${JSON.stringify(entries)}`);
    } else {
      seen.ok++;
      const tree = await snapshotTree(j.dest);
      for (const [rel, sig] of tree) {
        if (sig.startsWith('link:') && !(await staysInside(j.dest, rel))) throw new Error(`link ${rel} escapes: ${JSON.stringify(entries)}`);
      }
    }
    const after = await snapshotTree(j.root, [j.dest]);
    if (JSON.stringify([...after]) !== JSON.stringify([...before])) throw new Error(`outside changed: ${JSON.stringify(entries)}`);
    await fs.rm(j.root, { recursive: true, force: true });
  }), { numRuns: Number(process.env.UNPACK_PROPERTY_RUNS ?? 300) });
  t.ok(seen.ok > 10 && seen.rejected > 10, `both outcomes exercised (${seen.ok} ok, ${seen.rejected} rejected)`);
});
