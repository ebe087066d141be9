// The real fleetctl rolling releases out against one sandbox: two device fleets (virtual hosts in
// two accounts) then two tenants (stack + web). A full rollout deploys each group and executes each
// stack's change set once; a device fleet failing the revision halts its wave (max_failed 0), the
// tenant wave is never touched, and the other fleet is put back; a failing stack resource is a failed target whose reason is the
// stack event's; two controllers started at once: one drives, the other exits 1 naming the holder.
import { setTimeout as delay } from 'node:timers/promises';
import t from 'tap';
import { waitFor } from '../../helpers/agent-fleet.js';
import { killGroupOf } from '../../helpers/process-groups.js';
import {
  callsPerAccount, DEVICE_ACCOUNTS, rolloutId, startEstate, status, TENANTS, type Estate,
} from './rollout-fixture.js';

t.setTimeout(240_000);

let e: Estate;
/** While set, stack operations wait for it: a test holds a rollout in its tenant wave. */
let stacksHeld: Promise<void> | undefined;
t.before(async () => {
  const cloudformationSleep = async (ms: number, signal: AbortSignal): Promise<void> => {
    await stacksHeld;
    if (ms > 0) await delay(ms, undefined, { signal });
  };
  e = await startEstate(t, 5, { cloudformationSleep });
});

const targetsOf = (doc: Awaited<ReturnType<typeof status>>) =>
  Object.fromEntries(doc.waves.flatMap((w) => w.targets.map((x) => [String(x['name'] ?? x['target']), x])));
const once = (ids: readonly string[]) => Object.fromEntries(ids.map((id) => [id, 1]));

t.test('a full rollout reaches every device fleet and tenant, each deployed once', async (t) => {
  await e.push('v1.0.0');
  const mark = e.sb.calls.mark();
  const r = await e.fleetctl(['rollout', 'start', '--release', 'v1.0.0']);
  t.equal(r.code, 0, 'exit 0', { stderr: r.stderr });
  t.match(r.stdout, /rollout air-quality@v1.0.0@production: SUCCEEDED/);
  t.match(r.stdout, /targets: 6 succeeded, 0 failed/);
  t.same(callsPerAccount(e.sb, mark, 'CreateDeployment'), once(DEVICE_ACCOUNTS));
  t.same(callsPerAccount(e.sb, mark, 'ExecuteChangeSet'), once(TENANTS));
  const doc = await status(e, 'v1.0.0');
  t.match(doc, { state: 'succeeded', counts: { succeeded: 6 } });
});

t.test('a device fleet failing the revision halts its wave; the tenant wave is untouched', async (t) => {
  await e.push('v2.0.0-bad');
  const mark = e.sb.calls.mark();
  const r = await e.fleetctl(['rollout', 'start', '--release', 'v2.0.0-bad']);
  t.equal(r.code, 1, 'exit 1', { stderr: r.stderr });
  t.match(r.stdout, /HALTED/);
  // d1's group took the release and is put back (rollback: all, the default): a second deployment;
  // d2's failed deployment is rolled back by CodeDeploy itself, not by a call of the controller
  t.same(callsPerAccount(e.sb, mark, 'CreateDeployment'), { [DEVICE_ACCOUNTS[0]]: 2, [DEVICE_ACCOUNTS[1]]: 1 });
  t.same(callsPerAccount(e.sb, mark, 'ExecuteChangeSet'), {}, 'no stack touched');
  t.same(callsPerAccount(e.sb, mark, 'CreateChangeSet'), {}, 'no change set made');
  t.same(callsPerAccount(e.sb, mark, 'PutObject')[TENANTS[0]] ?? 0, 0, 'no web file written');
  const doc = await status(e, 'v2.0.0-bad');
  t.equal(doc.state, 'halted');
  const targets = targetsOf(doc);
  t.match(targets['d1'], { status: 'succeeded' });
  t.match(targets['d2'], { status: 'failed', reason: /pi-2-\d+: ValidateService failed/ });
  for (const name of ['t1-stack', 't2-stack', 't1-web', 't2-web']) {
    t.match(targets[name], { status: 'pending', attempt: 0 }, `${name} never started`);
  }
  t.match(doc.waves, [{ name: 'devices', status: 'halted', failed: 1, allowed: 0 }, { name: 'tenants', status: 'pending' }]);
  t.match(doc.counts, { succeeded: 1, failed: 1, pending: 4 });
  t.match(doc, {
    rollback: {
      policy: 'all',
      targets: [
        { name: 'd1', action: 'rollback', status: 'succeeded' },
        { name: 'd2', action: 'by-service', status: 'by-service' },
      ],
    },
  });
});

t.test('a failing stack resource is a failed target with the stack event\'s reason', async (t) => {
  await e.push('v3.0.0-broken');
  const r = await e.fleetctl(['rollout', 'start', '--release', 'v3.0.0-broken']);
  t.equal(r.code, 1, 'exit 1', { stderr: r.stderr });
  const doc = await status(e, 'v3.0.0-broken');
  t.equal(doc.state, 'halted');
  const targets = targetsOf(doc);
  t.match(targets['d1'], { status: 'succeeded' });
  t.match(targets['d2'], { status: 'succeeded' });
  t.match(targets['t1-stack'], { status: 'failed', reason: /disk full on the broken release/ });
  t.match(targets['t2-stack'], { status: 'failed', reason: /disk full on the broken release/ });
  t.match(doc.counts, { succeeded: 4, failed: 2, inProgress: 0, pending: 0 });
  t.match(doc.waves, [{ name: 'devices', status: 'passed' }, { name: 'tenants', status: 'halted', failed: 2 }]);
});

t.test('two controllers at once: one drives, the other exits 1 naming the holder', async (t) => {
  await e.push('v4.0.0');
  const mark = e.sb.calls.mark();
  let release = (): void => undefined;
  stacksHeld = new Promise<void>((resolve) => (release = resolve));
  t.teardown(() => release());
  // the first controller holds the lease and waits on its tenants' stacks (held) while the second starts
  const first = e.spawn(['rollout', 'start', '--release', 'v4.0.0']);
  t.teardown(() => killGroupOf(first));
  let firstOut = '';
  let firstErr = '';
  first.stdout?.on('data', (d: Buffer) => (firstOut += d.toString()));
  first.stderr?.on('data', (d: Buffer) => (firstErr += d.toString()));
  const firstCode = new Promise<number | null>((resolve) => first.on('close', (code) => resolve(code)));
  await waitFor(() => Object.keys(callsPerAccount(e.sb, mark, 'ExecuteChangeSet')).length === TENANTS.length, 120_000, 'both stacks updating');
  const second = await e.fleetctl(['rollout', 'start', '--release', 'v4.0.0']);
  t.equal(second.code, 1, 'the second exits 1', { stderr: second.stderr });
  const holder = /the rollout is being driven by arn:aws:iam::111111111111:root on \S+ pid \d+ \(lease until [^)]+\) \[ROLLOUT_LEASE_HELD\]/;
  t.match(second.stderr, holder);
  stacksHeld = undefined;
  release();
  t.equal(await firstCode, 0, 'the first drives the rollout to its end', { stderr: firstErr });
  t.same(callsPerAccount(e.sb, mark, 'CreateDeployment'), once(DEVICE_ACCOUNTS));
  t.same(callsPerAccount(e.sb, mark, 'ExecuteChangeSet'), once(TENANTS));
  t.match(await status(e, 'v4.0.0'), { state: 'succeeded', counts: { succeeded: 6 } });
  t.match(firstOut, new RegExp(`rollout ${rolloutId('v4.0.0')}: SUCCEEDED`));
});

t.test('two controllers started at the same moment: exactly one drives, each target deployed once', async (t) => {
  await e.push('v5.0.0');
  const mark = e.sb.calls.mark();
  const runs = await Promise.all([1, 2].map(() => e.fleetctl(['rollout', 'start', '--release', 'v5.0.0'])));
  // the slower may start after the rollout ended (it then prints the result, exit 0); never both drive
  const lost = runs.filter((r) => r.code === 1);
  t.ok(runs.every((r) => r.code === 0 || r.code === 1) && lost.length <= 1, 'no failure other than a lost lease', { runs });
  for (const r of lost) t.match(r.stderr, /\[ROLLOUT_LEASE_HELD\]/);
  t.same(callsPerAccount(e.sb, mark, 'CreateDeployment'), once(DEVICE_ACCOUNTS));
  t.same(callsPerAccount(e.sb, mark, 'ExecuteChangeSet'), once(TENANTS));
  t.match(await status(e, 'v5.0.0'), { state: 'succeeded', counts: { succeeded: 6 } });
});
