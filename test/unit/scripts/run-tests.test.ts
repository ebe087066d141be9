// scripts/run-tests.mjs: tap runs in a fresh TMPDIR, and what a run leaves there (files, processes)
// or writes under the agent's default log folder fails the run.
import t from 'tap';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  batchArgs, changedFiles, collectLeftovers, leftoverEntries, linkCompileCache, listFiles, processesOfRun,
} from '../../../scripts/run-tests.mjs';
import { trackGroup } from '../../helpers/process-groups.js';
import { tempDir } from '../../helpers/temp-dir.js';

t.test('leftoverEntries: everything but the tools\' compile caches (tsx, tap\'s plugin build)', async (t) => {
  const dir = tempDir(t, 'run-dir');
  t.same(leftoverEntries(dir), []);
  t.same(leftoverEntries(join(dir, 'gone')), [], 'a removed run folder has none');
  mkdirSync(join(dir, 'tsx-0'));
  mkdirSync(join(dir, 'v8-compile-cache-0'));
  mkdirSync(join(dir, 'v8-compile-cache-x'));
  mkdirSync(join(dir, 'health-gate-x1'));
  writeFileSync(join(dir, 'stray.txt'), '');
  t.same(leftoverEntries(dir), [join(dir, 'health-gate-x1'), join(dir, 'stray.txt'), join(dir, 'v8-compile-cache-x')]);
});

t.test('listFiles and changedFiles: new or modified files below a folder', async (t) => {
  const dir = tempDir(t, 'log-dir');
  writeFileSync(join(dir, 'old.log'), 'a');
  utimesSync(join(dir, 'old.log'), 1000, 1000);
  const before = listFiles(dir);
  t.same([...before.keys()], [join(dir, 'old.log')]);
  t.same(changedFiles(before, listFiles(dir)), [], 'nothing changed');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'new.log'), 'b');
  writeFileSync(join(dir, 'old.log'), 'ab');
  t.same(changedFiles(before, listFiles(dir)), [join(dir, 'old.log'), join(dir, 'sub', 'new.log')]);
  t.same([...listFiles(join(dir, 'missing')).keys()], [], 'a missing folder lists nothing');
});

t.test('processesOfRun finds a process started with the run TMPDIR; collectLeftovers kills it', async (t) => {
  const runDir = tempDir(t, 'proc-run');
  const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore', env: { ...process.env, TMPDIR: runDir } });
  trackGroup(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const other = spawn('sleep', ['30'], { detached: true, stdio: 'ignore', env: { ...process.env, TMPDIR: `${runDir}-other` } });
  trackGroup(other);
  t.teardown(() => void other.kill('SIGKILL'));
  t.same(processesOfRun(runDir).map((p) => p.pid), [child.pid], 'only the one with this TMPDIR');
  writeFileSync(join(runDir, 'left.txt'), '');
  const lines = collectLeftovers(runDir, new Map(), join(runDir, 'no-log-dir'));
  t.match(lines[0], new RegExp(`^process ${child.pid} \\(cwd .*\\): sleep 30$`));
  t.equal(lines[1], `temp folder entry ${join(runDir, 'left.txt')}`);
  t.equal(await exited, null, 'killed');
});

t.test("linkCompileCache: the run folder's tsx cache is a link to the one outside runs", async (t) => {
  const tmp = tempDir(t, 'system-tmp');
  const euid = process.geteuid!();
  const runDir = join(tmp, 'run');
  mkdirSync(runDir);
  const cache = join(tmp, `tsx-${euid}`);
  t.equal(linkCompileCache(runDir, tmp), cache, 'made when missing');
  t.equal(lstatSync(cache).mode & 0o777, 0o700);
  t.equal(readlinkSync(join(runDir, `tsx-${euid}`)), cache);
  t.same(leftoverEntries(runDir), [], 'not a leftover');
  writeFileSync(join(runDir, `tsx-${euid}`, 'entry'), 'compiled');
  rmSync(runDir, { recursive: true, force: true });
  t.equal(readFileSync(join(cache, 'entry'), 'utf8'), 'compiled', 'removing the run folder keeps the cache');
  mkdirSync(runDir);
  t.equal(linkCompileCache(runDir, tmp), cache, 'an existing cache of ours is linked again');
});

t.test('linkCompileCache: no link to a cache that is not a private folder of this user', async (t) => {
  const tmp = tempDir(t, 'system-tmp');
  const euid = process.geteuid!();
  const runDir = join(tmp, 'run');
  mkdirSync(runDir);
  const cache = join(tmp, `tsx-${euid}`);
  const elsewhere = join(tmp, 'elsewhere');
  mkdirSync(elsewhere);
  symlinkSync(elsewhere, cache);
  t.equal(linkCompileCache(runDir, tmp), undefined, 'a link planted in its place');
  rmSync(cache);
  writeFileSync(cache, '');
  t.equal(linkCompileCache(runDir, tmp), undefined, 'a file');
  rmSync(cache);
  mkdirSync(cache);
  chmodSync(cache, 0o777);
  t.equal(linkCompileCache(runDir, tmp), undefined, 'a folder others may write');
  t.equal(linkCompileCache(runDir, tmp, euid + 1), undefined, "another user's folder");
  t.same(leftoverEntries(runDir), [], 'nothing linked');
  t.notOk(existsSync(join(runDir, `tsx-${euid}`)));
});

t.test('batchArgs: --batch writes an entry per batch; a batch of one runs the file itself', async (t) => {
  const root = tempDir(t, 'project');
  mkdirSync(join(root, 'test', 'unit', 'x'), { recursive: true });
  for (const f of ['a', 'b', 'c']) writeFileSync(join(root, 'test', 'unit', 'x', `${f}.test.ts`), '');
  writeFileSync(join(root, '.taprc'), 'jobs: 2\ntimeout: 50\n');
  const batchDir = tempDir(t, 'batches');
  const args = ['--disable-coverage', '--batch=2', 'test/unit/**/*.test.ts', '--reporter=tap'];
  const entry = join(batchDir, '01-test-unit-x.test.mjs');
  t.same(batchArgs(args, batchDir, root), ['--disable-coverage', '--reporter=tap', '--timeout=100', entry, 'test/unit/x/c.test.ts']);
  t.match(readFileSync(entry, 'utf8'), `await runBatch(["test/unit/x/a.test.ts","test/unit/x/b.test.ts"], {"root":${JSON.stringify(root)},"timeoutMs":50000});`);
  t.same(batchArgs(['--batch', '--timeout=0', 'test/unit/x'], batchDir, root).slice(0, 1), ['--timeout=0'], 'no timeout stays none');
  t.same(batchArgs(['--disable-coverage', 'test/unit/x'], batchDir, root), ['--disable-coverage', 'test/unit/x'], 'without --batch: unchanged');
  t.throws(() => batchArgs(['--batch'], batchDir, root), /--batch needs the test files/);
  t.throws(() => batchArgs(['--batch', 'test/none/*.test.ts'], batchDir, root), /no test files match test\/none/);
});
