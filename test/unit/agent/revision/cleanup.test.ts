import t from 'tap';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCleanupLines, replayCleanup } from '../../../../agent/revision/cleanup.js';
import { processRunner } from '../../../../agent/revision/process-runner.js';

t.test('readCleanupLines drops a torn last line', async (t) => {
  t.same(readCleanupLines(''), []);
  t.same(readCleanupLines('/a\n/b\n'), ['/a', '/b']);
  t.same(readCleanupLines('/a\n/b\n/c-half'), ['/a', '/b']);
  t.same(readCleanupLines('/only-half'), []);
});

t.test('replay in reverse: files and links removed, empty dirs removed, non-empty kept, missing skipped', async (t) => {
  const root = t.testdir();
  const d = join(root, 'd');
  mkdirSync(join(d, 'sub'), { recursive: true });
  writeFileSync(join(d, 'f1'), '1');
  writeFileSync(join(d, 'sub', 'f2'), '2');
  symlinkSync('/etc/passwd', join(d, 'link'));
  mkdirSync(join(root, 'keep'));
  writeFileSync(join(root, 'keep', 'user-file'), 'not ours');
  const cleanup = join(root, 'group-cleanup');
  writeFileSync(cleanup, [d, join(d, 'f1'), join(d, 'sub'), join(d, 'sub', 'f2'), join(d, 'link'), join(root, 'keep'), join(root, 'gone'), ''].join('\n') + join(root, 'torn'));
  writeFileSync(join(root, 'torn'), 'must survive: its line was torn');
  const result = await replayCleanup(cleanup, processRunner());
  t.same(result, { removed: 5, keptNonEmptyDirs: 1 });
  t.notOk(existsSync(d));
  t.ok(existsSync('/etc/passwd'), 'the symlink target is untouched');
  t.ok(existsSync(join(root, 'keep', 'user-file')));
  t.ok(existsSync(join(root, 'torn')));
  t.notOk(existsSync(cleanup), 'the cleanup file is deleted');
  t.same(await replayCleanup(cleanup, processRunner()), { removed: 0, keptNonEmptyDirs: 0 }, 'no file, nothing to do');
});

t.test('semanage lines call semanage fcontext -d (a missing semanage is not fatal for cleanup)', async (t) => {
  const root = t.testdir();
  const cleanup = join(root, 'c');
  writeFileSync(cleanup, `semanage\0${join(root, 'x')}\n`);
  const calls: string[][] = [];
  const runner = processRunner({ PATH: '' });
  await replayCleanup(cleanup, async (file, args) => {
    calls.push([file, ...args]);
    return runner(file, args);
  });
  t.same(calls, [['semanage', 'fcontext', '-d', join(root, 'x')]]);
});
