import t from 'tap';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
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
  t.equal((await import('node:fs')).readFileSync(b.path, 'utf8'), String(process.pid));
  b.release();
  t.notOk(existsSync(b.path));
});
