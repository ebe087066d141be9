import t from 'tap';
import { chmodSync, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseCleanupFile } from '../../../../agent/revision/cleanup-format.js';
import { replayCleanup } from '../../../../agent/revision/cleanup.js';
import { executeInstructions } from '../../../../agent/revision/install-executor.js';
import type { Instruction } from '../../../../agent/revision/install-plan.js';
import { processRunner } from '../../../../agent/revision/process-runner.js';

const run = processRunner({ PATH: '' });
const records = (file: string) => {
  const parsed = parseCleanupFile(readFileSync(file, 'utf8'));
  return parsed.format === 'v2' ? parsed.entries : [];
};

t.test('a copy never writes through a link already at its temp or final name', async (t) => {
  const root = t.testdir({ src: { 'x': 'payload' }, sentinel: { 'passwd': 'root:x:0:0' }, dest: {} });
  const dest = join(root, 'dest');
  const passwd = join(root, 'sentinel', 'passwd');
  // the old predictable temp name, planted by an archive, and a link at the destination itself
  symlinkSync(passwd, join(dest, '.x.edge-agent-tmp'));
  symlinkSync(passwd, join(dest, 'x'));
  const cleanup = join(root, 'c');
  await executeInstructions([{ type: 'copy', source: join(root, 'src', 'x'), destination: join(dest, 'x') }], cleanup, { run, preserveOwner: false, destinations: [dest] });
  t.equal(readFileSync(passwd, 'utf8'), 'root:x:0:0', 'the link target is untouched');
  t.notOk(lstatSync(join(dest, 'x')).isSymbolicLink(), 'the link at the destination was replaced, not followed');
  t.equal(readFileSync(join(dest, 'x'), 'utf8'), 'payload');
  t.ok(lstatSync(join(dest, '.x.edge-agent-tmp')).isSymbolicLink(), 'the planted link is left alone');
  t.same(readdirSync(dest).filter((n) => n.endsWith('.tmp')), [], 'no temp file left behind');
  const kinds = records(cleanup).map((e) => e.kind);
  t.same(kinds, ['dest', 'tmp', 'rename', 'file']);
});

t.test('copies keep mode and mtime; links are copied as links', async (t) => {
  const root = t.testdir({ src: { 'run.sh': '#!/bin/sh\n' }, dest: {} });
  const src = join(root, 'src');
  chmodSync(join(src, 'run.sh'), 0o750);
  symlinkSync('run.sh', join(src, 'current'));
  const dest = join(root, 'dest');
  await executeInstructions([
    { type: 'copy', source: join(src, 'run.sh'), destination: join(dest, 'run.sh') },
    { type: 'copy', source: join(src, 'current'), destination: join(dest, 'current') },
  ], join(root, 'c'), { run, preserveOwner: false });
  t.equal(statSync(join(dest, 'run.sh')).mode & 0o777, 0o750);
  t.ok(Math.abs(statSync(join(dest, 'run.sh')).mtimeMs - statSync(join(src, 'run.sh')).mtimeMs) < 1, 'mtime kept');
  t.equal(readlinkSync(join(dest, 'current')), 'run.sh');
});

t.test('mkdir is recorded only after it succeeded, never for a directory that already existed', async (t) => {
  const root = t.testdir({ existing: {}, 'user-file': 'mine' });
  const cleanup = join(root, 'c');
  const fresh = join(root, 'fresh');
  await executeInstructions([{ type: 'mkdir', directory: join(root, 'existing') }, { type: 'mkdir', directory: fresh }], cleanup, { run, preserveOwner: false, destinations: [fresh] });
  t.same(records(cleanup).filter((e) => e.kind === 'mkdir').map((e) => e.path), [fresh]);
  await t.rejects(
    executeInstructions([{ type: 'mkdir', directory: join(root, 'user-file') }], cleanup, { run, preserveOwner: false, destinations: [join(root, 'user-file')] }),
    { code: 'INSTALL_NOT_A_DIRECTORY', message: /user-file already exists and is not a directory \(Not a directory\)/ },
  );
  t.same(records(cleanup).filter((e) => e.kind === 'mkdir'), [], 'the failed mkdir is not recorded');
  await replayCleanup(cleanup, run);
  t.equal(readFileSync(join(root, 'user-file'), 'utf8'), 'mine', 'so the next cleanup leaves the user\'s file alone');
  t.ok(existsSync(join(root, 'existing')));
});

t.test('a failed copy leaves the destination to its owner at the next cleanup', async (t) => {
  const root = t.testdir({ src: {}, dest: { 'a': 'the user\'s' } });
  const dest = join(root, 'dest');
  const cleanup = join(root, 'c');
  // the source vanished after planning (OVERWRITE of the user's file was planned): the copy fails
  const plan: Instruction[] = [{ type: 'copy', source: join(root, 'src', 'a'), destination: join(dest, 'a') }];
  await t.rejects(executeInstructions(plan, cleanup, { run, preserveOwner: false, destinations: [dest] }), { code: 'INSTALL_IO' });
  await replayCleanup(cleanup, run);
  t.equal(readFileSync(join(dest, 'a'), 'utf8'), 'the user\'s', 'the user\'s file survives the next cleanup');
  t.same(readdirSync(dest), ['a'], 'and no temp file is left');
});

t.test('nothing is created below a link this Install created', async (t) => {
  const root = t.testdir({ src: { 'f': 'x' }, dest: {}, elsewhere: {} });
  symlinkSync(join(root, 'elsewhere'), join(root, 'src', 'l'));
  const dest = join(root, 'dest');
  const plan: Instruction[] = [
    { type: 'copy', source: join(root, 'src', 'l'), destination: join(dest, 'l') },
    { type: 'copy', source: join(root, 'src', 'f'), destination: join(dest, 'l', 'f') },
  ];
  await t.rejects(executeInstructions(plan, join(root, 'c'), { run, preserveOwner: false }), { code: 'INSTALL_SYMLINK_ESCAPE' });
  t.same(readdirSync(join(root, 'elsewhere')), []);
});

t.test('permissions never follow links', async (t) => {
  const root = t.testdir({ sentinel: { 'passwd': 'p' }, dest: { 'own.txt': 'o' } });
  const passwd = join(root, 'sentinel', 'passwd');
  chmodSync(passwd, 0o600);
  const dest = join(root, 'dest');
  symlinkSync(passwd, join(dest, 'pw'));
  const calls: string[][] = [];
  const fake = async (file: string, args: readonly string[]) => {
    calls.push([file, ...args]);
    return { code: 0, stdout: 'x:x:0:0', stderr: '' };
  };
  const plan: Instruction[] = [
    { type: 'chmod', mode: '777', file: join(dest, 'pw') },
    { type: 'setfacl', acl: ['user:daemon:rwx'], file: join(dest, 'pw') },
    { type: 'semanage', context: { type: 't' }, file: join(dest, 'pw') },
    { type: 'chown', owner: '0', file: join(dest, 'pw') },
    { type: 'chmod', mode: '640', file: join(dest, 'own.txt') },
  ];
  await executeInstructions(plan, join(root, 'c'), { run: fake, preserveOwner: false });
  t.equal(statSync(passwd).mode & 0o777, 0o600, 'the link target keeps its mode');
  t.same(calls, [], 'no setfacl/semanage on a link');
  t.equal(statSync(join(dest, 'own.txt')).mode & 0o777, 0o640, 'files are still changed');
});
