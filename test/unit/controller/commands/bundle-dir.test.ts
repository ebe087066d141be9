import t from 'tap';
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBundleDir, gitIgnoreWarning, runGit, type GitRun } from '../../../../controller/commands/bundle-dir.js';

t.test('a new folder is private and ignores everything in it; an existing one is left alone', async (t) => {
  const dir = t.testdir({ existing: {}, file: 'x' });
  const made = ensureBundleDir(join(dir, 'a', 'b'));
  t.same(made, { dir: join(dir, 'a', 'b'), created: true });
  t.equal(statSync(made.dir).mode & 0o777, 0o700);
  t.match(readFileSync(join(made.dir, '.gitignore'), 'utf8'), /^\*$/m);
  t.same(ensureBundleDir(join(dir, 'existing')), { dir: join(dir, 'existing'), created: false });
  t.throws(() => ensureBundleDir(join(dir, 'file')), { code: 'CLI_USAGE' });
});

t.test('a planted .gitignore link is never written through', async (t) => {
  const dir = t.testdir({ target: 'keep' });
  mkdirSync(join(dir, 'race'));
  symlinkSync(join(dir, 'target'), join(dir, 'race', '.gitignore'));
  // the folder exists, so nothing is written; exclusive create is what protects a fresh one
  t.same(ensureBundleDir(join(dir, 'race')).created, false);
  t.equal(readFileSync(join(dir, 'target'), 'utf8'), 'keep');
});

t.test('the warning: only inside a work tree, only when git would not ignore a bundle', async (t) => {
  const calls: string[][] = [];
  const fake = (top: number, ignored: number): GitRun => async (args) => {
    calls.push([...args]);
    return args[0] === 'rev-parse' ? { code: top, stdout: '/repo\n' } : { code: ignored, stdout: '' };
  };
  t.equal(await gitIgnoreWarning('/repo/out', fake(128, 1)), undefined, 'not a work tree');
  t.equal(await gitIgnoreWarning('/repo/out', fake(0, 0)), undefined, 'ignored');
  t.equal(await gitIgnoreWarning('/repo/out', fake(127, 127)), undefined, 'no git');
  t.match(await gitIgnoreWarning('/repo/out', fake(0, 1)), /\/repo\/out is inside the git work tree \/repo and git does not ignore it/);
  t.match(calls.find((c) => c[0] === 'check-ignore'), ['check-ignore', '-q', '--no-index', /^\/repo\/out\//]);
});

t.test('with real git: a folder with its .gitignore is ignored, a plain one is not', async (t) => {
  const repo = t.testdir({ plain: {} });
  const init = await runGit(['init', '-q', repo], repo);
  t.equal(init.code, 0, 'git init');
  const made = ensureBundleDir(join(repo, 'bundles'));
  t.equal(await gitIgnoreWarning(made.dir, runGit), undefined);
  t.match(await gitIgnoreWarning(join(repo, 'plain'), runGit), /git does not ignore it/);
  writeFileSync(join(repo, '.gitignore'), 'plain/\n');
  t.equal(await gitIgnoreWarning(join(repo, 'plain'), runGit), undefined, 'ignored by the repository');
});
