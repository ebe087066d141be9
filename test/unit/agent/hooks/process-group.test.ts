import { spawn } from 'node:child_process';
import t from 'tap';
import { groupAlive, parseProcStat, procStartTime, signalGroup, terminateGroup } from '../../../../agent/hooks/process-group.js';
import { trackGroup } from '../../../helpers/process-groups.js';
import { running } from './fixtures.js';

t.test('parseProcStat copes with odd command names', async (t) => {
  t.same(parseProcStat('123 (a) (b c) S 1 456 456 0 -1'), { state: 'S', pgrp: 456 });
  t.same(parseProcStat('9 (sleep) Z 1 9 9'), { state: 'Z', pgrp: 9 });
  t.equal(parseProcStat('garbage'), undefined);
  const full = '42 (a b) S 1 42 42 0 -1 4194304 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10';
  t.same(parseProcStat(full), { state: 'S', pgrp: 42, startTime: 987654 }, 'field 22 is the start time');
  t.equal(procStartTime(999_999_999), undefined, 'no such process');
  t.type(procStartTime(process.pid), 'number');
});

t.test('a group that does not exist is gone', async (t) => {
  const child = spawn('true', { detached: true, stdio: 'ignore' });
  trackGroup(child);
  const pid = child.pid as number;
  await new Promise((r) => child.once('exit', r));
  t.notOk(groupAlive(pid));
  t.notOk(signalGroup(pid, 0));
  t.equal(await terminateGroup(pid, { graceMs: 100 }), 'gone');
});

t.test('without /proc a signalable group counts as alive', async (t) => {
  const child = spawn('sleep', ['5'], { detached: true, stdio: 'ignore' });
  trackGroup(child);
  const exited = new Promise((r) => child.once('exit', r));
  const pid = child.pid as number;
  t.teardown(() => signalGroup(pid, 'SIGKILL'));
  t.ok(groupAlive(pid, t.testdir()), 'no members visible in /proc: conservatively alive');
  t.ok(groupAlive(pid, t.testdir({ '1': { stat: '1 (init) S 0 1 1' }, '2': {}, self: {} })), 'unreadable entries and strangers only: alive');
  t.notOk(groupAlive(pid, t.testdir({ '7': { stat: `7 (sh) Z 1 ${pid} 1` }, '8': { stat: `8 (other) S 1 99999999 1` } })), 'all members zombies: dead');
  t.ok(groupAlive(pid, t.testdir({ '7': { stat: `7 (sh) Z 1 ${pid} 1` }, '9': { stat: `9 (sleep) S 7 ${pid} 1` } })), 'a live member');
  t.ok(groupAlive(pid, '/nonexistent-proc'), 'unreadable proc root: conservatively alive');
  t.ok(groupAlive(pid));
  t.equal(await terminateGroup(pid, { graceMs: 1000 }), 'terminated');
  await exited;
  t.notOk(running(pid));
});

t.test('SIGKILL after the grace period when SIGTERM is ignored', async (t) => {
  const child = spawn('sh', ['-c', "trap '' TERM; echo ready; while :; do sleep 0.05; done"], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  trackGroup(child);
  const exited = new Promise((r) => child.once('exit', r));
  const pid = child.pid as number;
  t.teardown(() => signalGroup(pid, 'SIGKILL'));
  await new Promise((r) => child.stdout.once('data', r));
  const started = performance.now();
  t.equal(await terminateGroup(pid, { graceMs: 300, pollMs: 20 }), 'killed');
  t.ok(performance.now() - started < 1000);
  await exited;
  t.notOk(running(pid));
});
