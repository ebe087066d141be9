import t, { type Test } from 'tap';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pruneRevisions } from '../../../../agent/revision/prune.js';

function group(t: Test, n: number) {
  const root = t.testdir();
  const groupDir = join(root, 'g');
  for (let i = 0; i < n; i++) {
    const d = join(groupDir, `d-${i}`);
    mkdirSync(d, { recursive: true });
    const when = new Date(Date.UTC(2026, 0, 1 + i));
    utimesSync(d, when, when);
  }
  return { root, groupDir };
}

t.test('keeps max_revisions including the current one, oldest go first', async (t) => {
  const { root, groupDir } = group(t, 6);
  const current = join(groupDir, 'd-new');
  mkdirSync(current);
  const removed = pruneRevisions({ groupDir, currentDeploymentDir: current, lastSuccessfulFile: join(root, 'none'), maxRevisions: 5 });
  t.same(removed.map((p) => p.split('/').pop()), ['d-0', 'd-1']);
  t.same(readdirSync(groupDir).sort(), ['d-2', 'd-3', 'd-4', 'd-5', 'd-new']);
});

t.test('never deletes the last successful deployment', async (t) => {
  const { root, groupDir } = group(t, 6);
  const last = join(root, 'last');
  writeFileSync(last, join(groupDir, 'd-0'));
  const current = join(groupDir, 'd-new');
  mkdirSync(current);
  pruneRevisions({ groupDir, currentDeploymentDir: current, lastSuccessfulFile: last, maxRevisions: 5 });
  t.same(readdirSync(groupDir).sort(), ['d-0', 'd-3', 'd-4', 'd-5', 'd-new']);
});

t.test('nothing to do below the limit, or without a group dir', async (t) => {
  const { root, groupDir } = group(t, 2);
  t.same(pruneRevisions({ groupDir, currentDeploymentDir: join(groupDir, 'd-1'), lastSuccessfulFile: join(root, 'x'), maxRevisions: 5 }), []);
  t.same(pruneRevisions({ groupDir: join(root, 'nope'), currentDeploymentDir: join(root, 'nope', 'a'), lastSuccessfulFile: join(root, 'x'), maxRevisions: 1 }), []);
});
