import t from 'tap';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandTracker, STALE_TRACKING_MS } from '../../../../agent/deployment/command-tracker.js';
import { deploymentLayout } from '../../../../agent/deployment/layout.js';
import { RootLock } from '../../../../agent/deployment/root-lock.js';

t.test('track writes the host command id without newline; untrack removes it', async (t) => {
  const layout = deploymentLayout(t.testdir());
  const tracker = new CommandTracker({ layout });
  tracker.track('d-1', 'host-command-1');
  t.equal((await import('node:fs')).readFileSync(layout.ongoingFile('d-1'), 'utf8'), 'host-command-1');
  tracker.untrack('d-1');
  t.notOk(existsSync(layout.ongoingFile('d-1')));
  t.equal(tracker.findInterrupted(), undefined);
});

t.test('findInterrupted picks the newest fresh file; stale ones are ignored; clear removes all', async (t) => {
  const layout = deploymentLayout(t.testdir());
  const tracker = new CommandTracker({ layout });
  mkdirSync(layout.ongoingDir, { recursive: true });
  const put = (id: string, content: string, ageMs: number) => {
    writeFileSync(join(layout.ongoingDir, id), content);
    const when = new Date(Date.now() - ageMs);
    utimesSync(join(layout.ongoingDir, id), when, when);
  };
  put('d-stale', 'old', STALE_TRACKING_MS + 60_000);
  put('d-older', 'cmd-older', 60_000);
  put('d-newer', 'cmd-newer', 1_000);
  const found = tracker.findInterrupted();
  t.equal(found?.deploymentId, 'd-newer');
  t.equal(found?.hostCommandIdentifier, 'cmd-newer');
  t.ok(existsSync(layout.ongoingDir), 'find does not remove: a crash while reporting reports again');
  tracker.clearInterrupted();
  t.notOk(existsSync(layout.ongoingDir));
});

t.test('layout refuses path-like ids', async (t) => {
  const layout = deploymentLayout(t.testdir());
  t.throws(() => layout.deploymentDir('..', 'd-1'), /may not contain/);
  t.throws(() => layout.deploymentDir('g', 'a/b'), /may not contain/);
  t.throws(() => layout.ongoingFile(''), /may not contain/);
  t.match(layout.lastSuccessfulFile('g'), /deployment-instructions\/g_last_successful_install$/);
  t.match(layout.cleanupFile('g'), /deployment-instructions\/g-cleanup$/);
});

t.test('root lock: exclusive while the owner lives, taken over when it is dead', async (t) => {
  const root = t.testdir();
  const a = new RootLock(root);
  a.acquire();
  writeFileSync(a.path, '1'); // pid 1 is alive (init): someone else holds it
  t.throws(() => new RootLock(root).acquire(), { code: 'LOCKED', message: /Another deployment \(pid 1\)/ });
  writeFileSync(a.path, '999999999'); // no such pid: stale
  const b = new RootLock(root);
  b.acquire();
  t.equal((await import('node:fs')).readFileSync(b.path, 'utf8').trim(), String(process.pid));
  b.release();
  t.notOk(existsSync(b.path));
});

t.test('crash record: written on receipt, kept up to date, removed with the tracking file', async (t) => {
  const layout = deploymentLayout(t.testdir());
  const start = Date.now();
  let now = start;
  const tracker = new CommandTracker({ layout, now: () => now });
  const id = 'host-command/with\nodd bytes';
  const record = () => JSON.parse(readFileSync(layout.commandFile(id), 'utf8')) as Record<string, unknown>;
  tracker.received({ hostCommandIdentifier: id, commandName: 'AfterInstall' });
  t.match(record(), { version: 1, hostCommandIdentifier: id, commandName: 'AfterInstall', phase: 'received', receivedAt: new Date(start).toISOString() });
  t.match(layout.commandFile(id), /ongoing-commands\/[0-9a-f]{32}\.json$/, 'any id becomes a safe name');
  now += 1000;
  tracker.track('d-1', id, 'AfterInstall');
  t.equal(readFileSync(layout.ongoingFile('d-1'), 'utf8'), id, 'the official file as well');
  t.match(record(), { deploymentId: 'd-1', phase: 'running', receivedAt: new Date(start).toISOString() });
  tracker.hookStarting(id, { event: 'AfterInstall', script: 'a.sh', token: 'tok' });
  t.same(record()['hook'], { event: 'AfterInstall', script: 'a.sh', token: 'tok' }, 'the token before the spawn');
  tracker.hookStarted(id, 4242, 99);
  t.same(record()['hook'], { event: 'AfterInstall', script: 'a.sh', token: 'tok', pgid: 4242, startTime: 99 });
  const [during] = tracker.interruptedRecords();
  t.match(during, { deploymentId: 'd-1', hostCommandIdentifier: id, phase: 'running', stale: false, hook: { pgid: 4242 } });
  tracker.hookEnded(id);
  t.equal(record()['hook'], undefined);
  tracker.reporting(id, { status: 'Succeeded', diagnostics: '{"error_code":0}', noop: false });
  t.match(record(), { phase: 'reporting', result: { status: 'Succeeded' } });
  t.same(tracker.pendingResult(id), { status: 'Succeeded', diagnostics: '{"error_code":0}', noop: false });
  tracker.untrack('d-1', id);
  t.notOk(existsSync(layout.commandFile(id)));
  t.notOk(existsSync(layout.ongoingFile('d-1')));
  t.same(tracker.interruptedRecords(), []);
});

t.test('interruptedRecords: oldest first, stale flagged, torn files skipped', async (t) => {
  const layout = deploymentLayout(t.testdir());
  const tracker = new CommandTracker({ layout });
  tracker.received({ hostCommandIdentifier: 'new', commandName: 'Install' });
  const old = new CommandTracker({ layout, now: () => Date.now() - 60_000 });
  old.received({ hostCommandIdentifier: 'old', commandName: 'DownloadBundle' });
  new CommandTracker({ layout, now: () => Date.now() + 60_000 }).received({ hostCommandIdentifier: 'stale', commandName: 'BeforeInstall' });
  const when = new Date(Date.now() - STALE_TRACKING_MS - 60_000);
  utimesSync(layout.commandFile('stale'), when, when);
  writeFileSync(join(layout.commandsDir, 'torn.json'), '{"version":1,"hostComm');
  const found = tracker.interruptedRecords();
  t.same(
    found.map((c) => [c.hostCommandIdentifier, c.stale, c.deploymentId]),
    [
      ['old', false, ''],
      ['new', false, ''],
      ['stale', true, ''],
    ],
  );
  tracker.clearInterrupted();
  t.notOk(existsSync(layout.commandsDir));
});
