// scripts/run-tests.mjs end to end (it runs tap, so these live with the integration tests): a run
// that leaves a temp folder fails; --batch runs several files in one process, each as its own
// subtest with its own teardowns, and a failing file fails the run under its own name.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { leftoverEntries } from '../../../scripts/run-tests.mjs';
import { PROJECT_ROOT } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

const SCRIPT = join(PROJECT_ROOT, 'scripts', 'run-tests.mjs');

/** run-tests.mjs with `args`, its temp folders under `tmp`, as a fresh run (not one nested in tap's). */
function runTests(args: string[], tmp: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  delete env['TAP'];
  delete env['TAP_CHILD_ID'];
  return spawnSync(process.execPath, [SCRIPT, ...args], { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' });
}

// The scratch test files live in tap's fixture folder inside the project (t.testdir, removed after
// the test): tap keeps each file's output under .tap/test-results/<its path from the project>, which
// for a file in the temp folder would climb out of .tap.
t.test('the runner fails a passing run that leaves a temp folder, and removes it', async (t) => {
  const dir = tempDir(t, 'leaky-test');
  const leaky = join(t.testdir(), 'leaky.test.mjs');
  writeFileSync(leaky, `import t from '${import.meta.resolve('tap')}';\n` + "import { mkdtempSync } from 'node:fs';\nimport { tmpdir } from 'node:os';\nimport { join } from 'node:path';\n" +
    "t.ok(mkdtempSync(join(tmpdir(), 'forgotten-')));\n");
  const r = runTests(['--disable-coverage', '--node-arg=--no-warnings', leaky], dir);
  t.equal(r.status, 1, 'the run fails', { output: `${r.stdout}${r.stderr}` });
  t.match(r.stdout, /# \{ total: 1, pass: 1 \}/, 'the test itself passed');
  t.match(r.stderr, /leftovers: the test run left 1 thing\(s\) behind[\s\S]*temp folder entry .*\/edge-fleet-tests-\w+\/forgotten-\w+/);
  t.same(leftoverEntries(dir).filter((p) => !/\/tsx-\d+$/.test(p)), [], 'the run folder is gone');
});

t.test('--batch: one process per batch, each file its own subtest; a failing file fails the run by name', async (t) => {
  const dir = tempDir(t, 'batch-test');
  const files = t.testdir();
  const file = (name: string, body: string) => {
    writeFileSync(join(files, name), `import t from 'tap';\nimport { existsSync, readFileSync, writeFileSync } from 'node:fs';\n${body}\n`);
    return join(files, name);
  };
  const marker = (name: string) => JSON.stringify(join(dir, name));
  const a = file('a.test.mjs', [
    `writeFileSync(${marker(`pid-a`)}, String(process.pid));`,
    `t.teardown(() => writeFileSync(${marker('a-ended')}, ''));`,
    "t.ok(true, 'a top-level assertion');",
    "t.test('a subtest', async (t) => t.ok(true));",
  ].join('\n'));
  const b = file('b.test.mjs', [
    `t.ok(existsSync(${marker('a-ended')}), "a's teardown ran when a ended");`,
    `t.equal(String(process.pid), readFileSync(${marker('pid-a')}, 'utf8'), 'the same process as a');`,
    "t.match(t.name, /b\\.test\\.mjs$/, 'its t is the subtest named after the file');",
    "t.test('a failing subtest', async (t) => t.equal(1, 2, 'b fails'));",
  ].join('\n'));
  const c = file('c.test.mjs', "t.ok(true, 'c still runs after a failing file');");
  const r = runTests(['--disable-coverage', '--batch=3', '--reporter=tap', a, b, c], dir);
  const output = `${r.stdout}${r.stderr}`;
  t.equal(r.status, 1, 'the run fails', { output });
  t.match(r.stdout, /\n {4}ok 1 - \S*a\.test\.mjs # time=/, 'a passed, reported under its name');
  t.match(r.stdout, /\n {4}not ok 2 - \S*b\.test\.mjs # time=/, 'b failed, reported under its name');
  t.match(r.stdout, /\n {4}ok 3 - \S*c\.test\.mjs # time=/, 'c ran and passed');
  t.match(r.stdout, /not ok 1 - b fails/);
  t.match(r.stdout, /\nnot ok 1 - \S*01-\S*\.test\.mjs # time=/, 'one process for the three files');
  t.match(r.stdout, /# \{ total: 7, pass: 6, fail: 1 \}/, 'every assertion of the three files counted');
  t.same(leftoverEntries(dir).filter((p) => !/\/(tsx-\d+|pid-a|a-ended)$/.test(p)), [], 'the run folder is gone');
  const tapDir = join(PROJECT_ROOT, '.tap');
  t.same(readdirSync(tapDir).filter((n) => n.startsWith('edge-fleet-batches-')), [], 'and the batch folder in .tap');
});
