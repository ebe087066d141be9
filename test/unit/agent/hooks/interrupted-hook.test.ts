import { spawn } from 'node:child_process';
import t from 'tap';
import { HOOK_TOKEN_ENV, interruptedHookGroups, stopInterruptedHook, type ProcView } from '../../../../agent/hooks/interrupted-hook.js';
import { groupAlive, procStartTime, signalGroup } from '../../../../agent/hooks/process-group.js';
import { running } from './fixtures.js';

/** A /proc of made-up processes: pid → [pgrp, startTime, environment | undefined (unreadable)]. */
function fakeProc(procs: Record<number, [number, number, string[] | undefined]>): ProcView {
  return {
    pids: () => Object.keys(procs).map(Number),
    stat: (pid) => (procs[pid] ? { state: 'S', pgrp: procs[pid][0], startTime: procs[pid][1] } : undefined),
    environ: (pid) => procs[pid]?.[2],
    groupAlive: (pgid) => Object.values(procs).some(([g]) => g === pgid),
  };
}
const env = (token: string): string[] => ['PATH=/bin', `${HOOK_TOKEN_ENV}=${token}`];

t.test('the recorded group is ours only when its leader started at the recorded time', async (t) => {
  const proc = fakeProc({ 100: [100, 5000, env('tok')], 101: [100, 5001, env('tok')], 200: [200, 7, undefined] });
  t.same(interruptedHookGroups({ token: 'tok', pgid: 100, startTime: 5000 }, proc), [100]);
  t.same(interruptedHookGroups({ token: 'tok', pgid: 100, startTime: 4999 }, proc), [], 'another start time: a recycled pid, left alone');
  t.same(interruptedHookGroups({ token: 'tok', pgid: 300, startTime: 1 }, proc), [], 'a group that is gone');
});

t.test('leader gone: the group is ours only if a member carries the token', async (t) => {
  const orphaned = fakeProc({ 101: [100, 5001, env('tok')], 102: [100, 5002, undefined] });
  t.same(interruptedHookGroups({ token: 'tok', pgid: 100, startTime: 5000 }, orphaned), [100]);
  const strangers = fakeProc({ 101: [100, 5001, env('other')], 102: [100, 5002, undefined] });
  t.same(interruptedHookGroups({ token: 'tok', pgid: 100, startTime: 5000 }, strangers), [], 'unreadable or foreign members are no proof');
});

t.test('no pgid recorded (died between spawn and record): groups led by a token carrier', async (t) => {
  const proc = fakeProc({ 100: [100, 1, env('tok')], 101: [100, 2, env('tok')], 150: [150, 3, env('other')], 160: [100, 4, env('tok')] });
  t.same(interruptedHookGroups({ token: 'tok' }, proc), [100]);
  t.same(interruptedHookGroups({ token: 'none' }, proc), []);
});

t.test('a real orphaned hook group is stopped (TERM, then KILL after the grace)', async (t) => {
  const token = `test-${process.pid}-${Date.now()}`;
  // ignores SIGTERM, and has a child in its group
  const child = spawn('sh', ['-c', "trap '' TERM; sleep 30 & echo ready; while :; do sleep 0.05; done"], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { PATH: process.env['PATH'], [HOOK_TOKEN_ENV]: token },
  });
  const pid = child.pid as number;
  t.teardown(() => signalGroup(pid, 'SIGKILL'));
  await new Promise((r) => child.stdout.once('data', r));
  const startTime = procStartTime(pid);
  t.type(startTime, 'number', 'start time from /proc/<pid>/stat field 22');
  t.same(await stopInterruptedHook({ token, pgid: pid, startTime: (startTime ?? 0) + 1 }, { graceMs: 200 }), [], 'a start time mismatch is left alone');
  t.ok(running(pid));
  const stopped = await stopInterruptedHook({ token, pgid: pid, ...(startTime !== undefined ? { startTime } : {}) }, { graceMs: 200 });
  t.same(stopped, [{ pgid: pid, how: 'killed' }]);
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));
  t.notOk(running(pid));
  // SIGKILL reaches the whole group at once; its last member may take a moment to be gone
  const end = Date.now() + 5000;
  while (groupAlive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  t.notOk(groupAlive(pid), 'its background child went with it');
});
