// Cleanup may only remove what a deployment created: a user's file in the way of a destination
// fails the Install ("Not a directory") and survives the next deployment to the same group;
// a directory that already existed is never recorded, so cleanup never removes it.
import t from 'tap';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAgent } from '../../helpers/cli.js';
import { writeRevision } from '../../helpers/revisions.js';

const files = (entries: Array<[string, string]>) => `version: 0.0\nos: linux\nfiles:\n${entries.map(([s, d]) => `  - source: ${s}\n    destination: ${d}\n`).join('')}`;
const deploy = (rev: string, root: string, extra: string[] = []) => runAgent(['deploy', '-l', rev, '--root-dir', root, '-g', 'grp', ...extra]);

t.test('a destination that is a user\'s file fails with Not a directory, and the file survives the next deployment', async (t) => {
  const dir = t.testdir({ 'user-file': 'precious\n', 'user-file2': 'also precious\n' });
  const root = join(dir, 'dr');
  const userFile = join(dir, 'user-file');
  const userFile2 = join(dir, 'user-file2');
  const content = { 'app/a.txt': 'a', 'single.conf': 's' };
  // a directory source onto the file, and a file source into the file as if it were a directory
  const bad1 = writeRevision(join(dir, 'bad1'), files([['app', userFile]]), content);
  const r1 = await deploy(bad1, root);
  t.equal(r1.code, 1);
  t.match(r1.stdout, `[INSTALL_NOT_A_DIRECTORY]`);
  t.match(r1.stdout, `${userFile} already exists and is not a directory (Not a directory)`);
  const bad2 = writeRevision(join(dir, 'bad2'), files([['single.conf', join(userFile2, 'sub')]]), content);
  const r2 = await deploy(bad2, root);
  t.equal(r2.code, 1);
  t.match(r2.stdout, `${userFile2} already exists and is not a directory (Not a directory)`);
  const good = writeRevision(join(dir, 'good'), files([['app', join(dir, 'dest')]]), content);
  const r3 = await deploy(good, root);
  t.equal(r3.code, 0, r3.stdout);
  const r4 = await deploy(good, root);
  t.equal(r4.code, 0, 'a second good deployment cleans up the first');
  t.equal(readFileSync(userFile, 'utf8'), 'precious\n');
  t.equal(readFileSync(userFile2, 'utf8'), 'also precious\n');
  t.equal(readFileSync(join(dir, 'dest', 'a.txt'), 'utf8'), 'a');
});

t.test('a directory that already existed is not recorded as created: cleanup leaves it', async (t) => {
  const dir = t.testdir({ existing: {} });
  const root = join(dir, 'dr');
  const content = { 'app/a.txt': 'a' };
  const first = writeRevision(join(dir, 'first'), files([['app', join(dir, 'existing')]]), content);
  t.equal((await deploy(first, root)).code, 0);
  t.ok(existsSync(join(dir, 'existing', 'a.txt')));
  const second = writeRevision(join(dir, 'second'), files([['app', join(dir, 'elsewhere', 'deep')]]), content);
  t.equal((await deploy(second, root)).code, 0);
  t.notOk(existsSync(join(dir, 'existing', 'a.txt')), 'the deployment\'s file is removed');
  t.ok(existsSync(join(dir, 'existing')), 'the user\'s (now empty) directory is kept');
  t.ok(existsSync(join(dir, 'elsewhere', 'deep', 'a.txt')));
  const cleanup = readFileSync(join(root, 'deployment-instructions', 'grp-cleanup'), 'utf8');
  t.match(cleanup, /^# edge-agent cleanup v2\n/);
  t.match(cleanup, JSON.stringify(['mkdir', join(dir, 'elsewhere')]), 'directories it created are recorded');
});

t.test('-A naming a missing file falls back to appspec.yml with a warning naming both', async (t) => {
  const dir = t.testdir();
  const root = join(dir, 'dr');
  mkdirSync(join(dir, 'dest'));
  const rev = writeRevision(join(dir, 'rev'), files([['app', join(dir, 'dest')]]), { 'app/a.txt': 'a' });
  writeFileSync(join(rev, 'nosuch.yml.txt'), 'not an appspec');
  const res = await deploy(rev, root, ['-A', 'nosuch.yml']);
  t.equal(res.code, 0, res.stdout);
  const log = readFileSync(join(root, 'deployment-logs', 'edge-agent-local.log'), 'utf8');
  const warning = log.split('\n').filter((l) => l.includes('APPSPEC_FILENAME_FALLBACK')).map((l) => JSON.parse(l) as { level: number; msg: string });
  t.equal(warning.length, 1, 'one warning in the agent log');
  t.equal(warning[0]?.level, 40, 'at warn level');
  t.equal(warning[0]?.msg, 'The AppSpec file nosuch.yml was not found in the revision; using appspec.yml instead.');
});
