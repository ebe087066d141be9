import t from 'tap';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLEANUP_HEADER, encodeCleanupEntry, type CleanupEntry } from '../../../../agent/revision/cleanup-format.js';
import { readCleanupLines, replayCleanup } from '../../../../agent/revision/cleanup.js';
import { processRunner } from '../../../../agent/revision/process-runner.js';

const v2 = (entries: CleanupEntry[], torn = ''): string => `${CLEANUP_HEADER}\n${entries.map(encodeCleanupEntry).join('')}${torn}`;
const noRun = processRunner({ PATH: '' });

t.test('readCleanupLines drops a torn last line', async (t) => {
  t.same(readCleanupLines(''), []);
  t.same(readCleanupLines('/a\n/b\n'), ['/a', '/b']);
  t.same(readCleanupLines('/a\n/b\n/c-half'), ['/a', '/b']);
  t.same(readCleanupLines('/only-half'), []);
});

t.test('v2 replay in reverse: files and links removed (targets untouched), empty dirs removed, non-empty kept', async (t) => {
  const root = t.testdir({ outside: { 'victim.txt': 'victim' } });
  const d = join(root, 'dest');
  mkdirSync(join(d, 'sub'), { recursive: true });
  writeFileSync(join(d, 'f1'), '1');
  writeFileSync(join(d, 'sub', 'f2'), '2');
  symlinkSync(join(root, 'outside', 'victim.txt'), join(d, 'link'));
  mkdirSync(join(d, 'kept'));
  writeFileSync(join(d, 'kept', 'user-file'), 'not ours');
  const cleanup = join(root, 'group-cleanup');
  writeFileSync(cleanup, v2([
    { kind: 'dest', path: d },
    { kind: 'mkdir', path: d },
    { kind: 'file', path: join(d, 'f1') },
    { kind: 'mkdir', path: join(d, 'sub') },
    { kind: 'file', path: join(d, 'sub', 'f2') },
    { kind: 'file', path: join(d, 'link') },
    { kind: 'mkdir', path: join(d, 'kept') },
    { kind: 'file', path: join(d, 'gone') },
  ], JSON.stringify(['file', join(root, 'torn')])));
  writeFileSync(join(root, 'torn'), 'must survive: its line was torn');
  const result = await replayCleanup(cleanup, noRun);
  t.same(result, { removed: 4, keptNonEmptyDirs: 2, refused: [] });
  t.notOk(existsSync(join(d, 'f1')));
  t.notOk(existsSync(join(d, 'sub')));
  t.equal(readFileSync(join(root, 'outside', 'victim.txt'), 'utf8'), 'victim', 'the link target is untouched');
  t.ok(existsSync(join(d, 'kept', 'user-file')));
  t.ok(existsSync(join(root, 'torn')));
  t.notOk(existsSync(cleanup), 'the cleanup file is deleted');
  t.same(await replayCleanup(cleanup, noRun), { removed: 0, keptNonEmptyDirs: 0, refused: [] }, 'no file, nothing to do');
});

t.test('a name holding a newline is one record: the path after the newline is never touched', async (t) => {
  const root = t.testdir({ sentinel: { passwd: 'root:x:0:0' } });
  const d = join(root, 'dest');
  const evil = join(d, 'x\n', root.slice(1), 'sentinel', 'passwd');
  mkdirSync(join(evil, '..'), { recursive: true });
  writeFileSync(evil, 'payload');
  const cleanup = join(root, 'c');
  writeFileSync(cleanup, v2([{ kind: 'dest', path: d }, { kind: 'file', path: evil }]));
  t.notOk(readFileSync(cleanup, 'utf8').slice(CLEANUP_HEADER.length + 1).includes('\n/'), 'no line starts with the outside path');
  await replayCleanup(cleanup, noRun);
  t.notOk(existsSync(evil), 'the file with the odd name is removed');
  t.equal(readFileSync(join(root, 'sentinel', 'passwd'), 'utf8'), 'root:x:0:0');
});

t.test('v2: nothing outside the recorded destinations, nothing behind a link', async (t) => {
  const root = t.testdir({ outside: { 'victim.txt': 'v', dir: { 'inner.txt': 'i' } }, dest: {} });
  const d = join(root, 'dest');
  symlinkSync(join(root, 'outside', 'dir'), join(d, 'sub')); // a directory of ours replaced by a link
  const cleanup = join(root, 'c');
  writeFileSync(cleanup, v2([
    { kind: 'dest', path: d },
    { kind: 'file', path: join(root, 'outside', 'victim.txt') },
    { kind: 'file', path: `${d}/../outside/victim.txt` },
    { kind: 'file', path: join(d, 'sub', 'inner.txt') },
    { kind: 'mkdir', path: join(root, 'outside', 'dir') },
  ]));
  const r = await replayCleanup(cleanup, noRun);
  t.equal(r.removed, 0);
  t.equal(r.refused.length, 4);
  t.ok(existsSync(join(root, 'outside', 'victim.txt')));
  t.ok(existsSync(join(root, 'outside', 'dir', 'inner.txt')));
});

t.test('v2: directories created above a destination go only when empty; a link there is left alone', async (t) => {
  const root = t.testdir({ top: { mid: { dest: {} } }, other: { 'keep.txt': 'k' } });
  const cleanup = join(root, 'c');
  symlinkSync(join(root, 'other'), join(root, 'alink'));
  writeFileSync(cleanup, v2([
    { kind: 'dest', path: join(root, 'top', 'mid', 'dest') },
    { kind: 'dest', path: join(root, 'alink', 'dest') },
    { kind: 'mkdir', path: join(root, 'top') },
    { kind: 'mkdir', path: join(root, 'top', 'mid') },
    { kind: 'mkdir', path: join(root, 'top', 'mid', 'dest') },
    { kind: 'mkdir', path: join(root, 'alink') },
  ]));
  const r = await replayCleanup(cleanup, noRun);
  t.notOk(existsSync(join(root, 'top')));
  t.ok(existsSync(join(root, 'other', 'keep.txt')));
  t.same(r.refused, [join(root, 'alink')]);
});

t.test('v2 rename records: an interrupted copy removes only what was ours', async (t) => {
  const root = t.testdir({ dest: { 'renamed.txt': 'ours (rename done, crash before the file record)', 'user.txt': 'the user\'s', '.tmp-a': 'partial' } });
  const d = join(root, 'dest');
  const cleanup = join(root, 'c');
  writeFileSync(cleanup, v2([
    { kind: 'dest', path: d },
    { kind: 'tmp', path: join(d, '.tmp-b') },
    { kind: 'rename', path: join(d, 'renamed.txt'), tmp: join(d, '.tmp-b') },
    { kind: 'tmp', path: join(d, '.tmp-a') },
    { kind: 'rename', path: join(d, 'user.txt'), tmp: join(d, '.tmp-a') },
  ]));
  await replayCleanup(cleanup, noRun);
  t.notOk(existsSync(join(d, 'renamed.txt')), 'the temp file is gone, so the rename happened: the destination is ours');
  t.notOk(existsSync(join(d, '.tmp-a')), 'a temp file still there is removed');
  t.equal(readFileSync(join(d, 'user.txt'), 'utf8'), 'the user\'s', 'and the destination it never replaced is kept');
});

t.test('old-format files: only exact paths install.json says were created', async (t) => {
  const root = t.testdir({ sentinel: { passwd: 'root' }, dest: { 'x\n': { sentinel: {} }, 'app.txt': 'a' } });
  const d = join(root, 'dest');
  const outside = join(root, 'sentinel', 'passwd');
  const evilDir = join(d, 'x\n');
  const evil = `${evilDir}${outside}`;
  mkdirSync(join(evil, '..'), { recursive: true });
  writeFileSync(evil, 'payload');
  const installJson = join(root, 'g-install.json');
  writeFileSync(installJson, JSON.stringify({ instructions: [
    { type: 'copy', source: '/archive/app.txt', destination: join(d, 'app.txt') },
    { type: 'mkdir', directory: evilDir },
    { type: 'copy', source: '/archive/evil', destination: evil },
  ] }));
  const cleanup = join(root, 'c');
  // the official writer: one path per line, so the odd name becomes two lines
  writeFileSync(cleanup, [join(d, 'app.txt'), evilDir, evil, ''].join('\n'));
  const r = await replayCleanup(cleanup, noRun, { installJsonFile: installJson });
  t.notOk(existsSync(join(d, 'app.txt')), 'an exact recorded path is removed');
  t.equal(readFileSync(outside, 'utf8'), 'root', 'the path after the newline is refused');
  t.ok(r.refused.includes(outside));
  writeFileSync(cleanup, `${outside}\n`);
  const none = await replayCleanup(cleanup, noRun);
  t.same(none.refused, [outside], 'without install.json nothing is deleted');
  t.ok(existsSync(outside));
  t.notOk(existsSync(cleanup));
});

t.test('semanage records call semanage fcontext -d (a missing semanage is not fatal for cleanup)', async (t) => {
  const root = t.testdir();
  const calls: string[][] = [];
  const run = async (file: string, args: readonly string[]) => {
    calls.push([file, ...args]);
    return noRun(file, args);
  };
  const cleanup = join(root, 'c');
  writeFileSync(cleanup, v2([{ kind: 'dest', path: join(root, 'd') }, { kind: 'semanage', path: join(root, 'x') }]));
  await replayCleanup(cleanup, run);
  const installJson = join(root, 'i.json');
  writeFileSync(installJson, JSON.stringify({ instructions: [{ type: 'semanage', context: { type: 't' }, file: join(root, 'y') }] }));
  writeFileSync(cleanup, `semanage\0${join(root, 'y')}\nsemanage\0/etc/passwd\n`);
  await replayCleanup(cleanup, run, { installJsonFile: installJson });
  t.same(calls, [['semanage', 'fcontext', '-d', join(root, 'x')], ['semanage', 'fcontext', '-d', join(root, 'y')]]);
});
