// The rollout commands (start, resume, status, ls, abort) over the fake AWS world: journal and
// lease in the (fake) release bucket, exit codes, re-runs, two controllers, and abort.
import t from 'tap';
import { rolloutAbort } from '../../../../controller/commands/rollout-abort.js';
import { locate } from '../../../../controller/commands/rollout-common.js';
import { rolloutResume, rolloutStart, type StartResult } from '../../../../controller/commands/rollout-start.js';
import { rolloutLs, rolloutStatus } from '../../../../controller/commands/rollout-status.js';
import { Journal } from '../../../../controller/rollout/journal-store.js';
import { Lease } from '../../../../controller/rollout/lease.js';
import { S3ObjectStore } from '../../../../controller/rollout/s3-object-store.js';
import type { RolloutSummary } from '../../../../controller/rollout/summary.js';
import { exitCodeOf, isEdgeError } from '../../../../shared/errors.js';
import { BASE_ACCOUNT } from '../../../fakes/aws/world.js';
import { BUCKET, harness, REGION, startedThenKilled } from './commands-harness.js';

const ID = 'air-quality@v1.2.0@production';
const summary = (r: StartResult): RolloutSummary => {
  if ('detached' in r) throw new Error('detached');
  return r;
};

t.test('start runs every wave to the end; a re-run prints the same result and deploys nothing', async (t) => {
  const h = harness(t);
  h.pushRelease('v1.2.0');
  const r = await rolloutStart({ config: h.config, release: 'v1.2.0' }, h.deps());
  const s = summary(r.data);
  t.equal(r.exit, 0);
  t.equal(s.rolloutId, ID);
  t.equal(s.state, 'succeeded');
  t.same(s.counts, { targets: 3, succeeded: 3, failed: 0, inProgress: 0, pending: 0 });
  t.equal(s.journal, `s3://${BUCKET}/releases/air-quality/v1.2.0/rollouts/production/journal/`);
  t.ok(h.world.s3().buckets.get(BUCKET)?.has('releases/air-quality/v1.2.0/rollouts/production/journal/00000000.json'));
  t.same(h.drivers.deploys.sort(), ['eu-pis', 'lab-pis', 'unicorn-web']);
  t.match(h.progress.join(''), /wave devices: started[\s\S]*lab-pis: succeeded[\s\S]*rollout succeeded/);
  const again = await rolloutStart({ config: h.config, release: 'v1.2.0' }, h.deps());
  t.equal(again.exit, 0);
  t.equal(summary(again.data).state, 'succeeded');
  t.equal(h.drivers.deploys.length, 3, 'nothing deployed again');
  const resumed = await rolloutResume(ID, { config: h.config }, h.deps());
  t.equal(resumed.exit, 0);
});

t.test('a wave over its failure budget halts the rollout (exit 1), and a re-run exits 1 again', async (t) => {
  const h = harness(t);
  h.pushRelease('v1.2.0');
  h.drivers.failing.add('eu-pis');
  const r = await rolloutStart({ config: h.config, release: 'v1.2.0' }, h.deps());
  const s = summary(r.data);
  t.equal(r.exit, 1);
  t.equal(s.state, 'halted');
  t.match(s.reason, /wave devices: 1 failed \(eu-pis\), 0 allowed/);
  t.match(s.waves[0]?.targets.find((x) => x.name === 'eu-pis')?.reason, /ApplicationStart failed/);
  t.equal(s.waves[1]?.status, 'pending', 'the next wave never started');
  t.notOk(h.drivers.deploys.includes('unicorn-web'));
  t.equal((await rolloutStart({ config: h.config, release: 'v1.2.0' }, h.deps())).exit, 1);
});

t.test('an -rc release goes to staging only; an unmapped one is refused with the environments (exit 2)', async (t) => {
  const h = harness(t);
  h.pushRelease('v1.3.0-rc1');
  const r = summary((await rolloutStart({ config: h.config, release: 'v1.3.0-rc1' }, h.deps())).data);
  t.equal(r.rolloutId, 'air-quality@v1.3.0-rc1@staging');
  t.same(h.drivers.deploys, ['lab-pis']);
  const e = await rolloutStart({ config: h.config, release: 'nightly-7' }, h.deps()).catch((x: unknown) => x);
  t.ok(isEdgeError(e, 'ROLLOUT_NOT_ROUTED'));
  t.equal(exitCodeOf((e as { code: 'ROLLOUT_NOT_ROUTED' }).code), 2);
  t.match((e as Error).message, /environments: staging \(v\*-rc\*\); production \(v\*\)/);
});

t.test('a release that was not pushed is refused with what to do (exit 1)', async (t) => {
  const h = harness(t);
  const e = await rolloutStart({ config: h.config, release: 'v9.0.0' }, h.deps()).catch((x: unknown) => x);
  t.ok(isEdgeError(e, 'ROLLOUT_RELEASE_MISSING'));
  t.equal(exitCodeOf('ROLLOUT_RELEASE_MISSING'), 1);
  t.match((e as Error).message, /push the release first: fleetctl release push --version v9.0.0/);
  t.same(h.drivers.deploys, []);
});

t.test('a live lease elsewhere refuses a second controller naming the holder; a dead one on this host is taken over', async (t) => {
  const h = harness(t);
  h.pushRelease('v1.2.0');
  const loc = locate(BUCKET, REGION, 'releases/', ID);
  const store = new S3ObjectStore(h.world.s3(), BUCKET);
  const other = new Lease({ store, key: loc.leaseKey, holder: 'arn:aws:iam::111111111111:user/ci on ci-1 pid 999', now: () => new Date(h.world.now), ttlMs: 600_000 });
  await other.acquire();
  const e = await rolloutStart({ config: h.config, release: 'v1.2.0' }, h.deps()).catch((x: unknown) => x);
  t.ok(isEdgeError(e, 'ROLLOUT_LEASE_HELD'));
  t.match((e as Error).message, /driven by arn:aws:iam::111111111111:user\/ci on ci-1 pid 999 \(lease until/);
  t.same(h.drivers.deploys, []);
  const r = await rolloutStart({ config: h.config, release: 'v1.2.0' }, h.deps({ isAlive: (pid) => pid !== 999 }));
  t.equal(r.exit, 0, 'pid 999 on this host is gone: its lease is taken at once');
});

t.test('status reads the journal by id (with --bucket) or by release (with --config); ls lists rollouts', async (t) => {
  const h = harness(t);
  h.pushRelease('v1.2.0');
  h.pushRelease('v1.3.0-rc1');
  await rolloutStart({ config: h.config, release: 'v1.2.0' }, h.deps());
  await rolloutStart({ config: h.config, release: 'v1.3.0-rc1' }, h.deps());
  const byId = await rolloutStatus(ID, { bucket: BUCKET, prefix: 'releases/', region: REGION }, h.deps());
  t.equal(byId.exit, 0);
  t.equal(byId.data.state, 'succeeded');
  t.match(byId.data.startedBy, /^arn:aws:iam::111111111111:user\/operator on ci-1 pid 4242$/);
  const byRelease = await rolloutStatus(undefined, { config: h.config, release: 'v1.3.0-rc1' }, h.deps());
  t.equal(byRelease.data.rolloutId, 'air-quality@v1.3.0-rc1@staging');
  const missing = await rolloutStatus('air-quality@v0.0.1@production', { config: h.config }, h.deps()).catch((x: unknown) => x);
  t.ok(isEdgeError(missing, 'ROLLOUT_NOT_FOUND'));
  const ls = await rolloutLs({ config: h.config }, h.deps());
  t.same(
    ls.data.rollouts.map((r) => [r.rolloutId, r.state]),
    [
      [ID, 'succeeded'],
      ['air-quality@v1.3.0-rc1@staging', 'succeeded'],
    ],
  );
  const bad = await rolloutStatus('not-an-id', { config: h.config }, h.deps()).catch((x: unknown) => x);
  t.ok(isEdgeError(bad, 'CLI_USAGE'));
});

t.test('status --watch follows a running rollout until it ends and exits as it ended', async (t) => {
  const h = harness(t);
  h.pushRelease('v1.2.0');
  h.drivers.failing.add('unicorn-web');
  let reads = 0;
  // the rollout runs in the "background": each sleep of the watcher lets it progress by running start once
  const watcher = h.deps({
    sleep: async () => {
      if (reads++ === 0) await rolloutStart({ config: h.config, release: 'v1.2.0' }, h.deps());
    },
  });
  // seed a started journal so status has something to read
  const store = new S3ObjectStore(h.world.s3(), BUCKET);
  const loc = locate(BUCKET, REGION, 'releases/', ID);
  const j = new Journal({ store, prefix: loc.prefix, now: () => new Date(h.world.now) });
  await j.append({ type: 'started', by: 'someone', waves: [{ name: 'devices', targets: ['lab-pis', 'eu-pis'] }, { name: 'gold', targets: ['unicorn-web'] }] });
  const r = await rolloutStatus(ID, { config: h.config, watch: true, interval: 1 }, watcher);
  t.equal(r.exit, 1);
  t.equal(r.data.state, 'halted');
  t.match(h.progress.join(''), /unicorn-web: failed/);
});

t.test('abort without a driving controller stops the deployment in flight and ends the rollout aborted', async (t) => {
  const h = harness(t);
  await startedThenKilled(t, h, 'v1.2.0');
  const cd = h.world.codedeploy('333333333333', REGION);
  const active = [...cd.deployments.values()].filter((d) => d.info.status === 'InProgress' || d.info.status === 'Created');
  t.equal(active.length, 1, 'eu-pis deploying when the controller died');
  const r = await rolloutAbort(ID, { config: h.config, reason: 'bad sensor data' }, h.deps({ isAlive: (pid) => pid !== 4242, pid: 5000 }));
  t.equal(r.exit, 0);
  t.equal(r.data.abortOutcome, 'concluded');
  t.match(r.data.stops, [{ target: 'eu-pis', outcome: 'stopped' }]);
  t.equal(active[0]?.info.status, 'Stopped');
  t.equal(r.data.state, 'aborted');
  t.match(r.data.abort, { reason: 'bad sensor data' });
  t.notOk(h.drivers.deploys.includes('unicorn-web'), 'the next wave never started');
  const again = await rolloutStart({ config: h.config, release: 'v1.2.0' }, h.deps());
  t.equal(again.exit, 1, 'an aborted rollout re-run exits 1');
  t.equal(h.world.codedeploy(BASE_ACCOUNT, REGION).deployments.size, 1, 'lab-pis deployed once');
});

t.test('abort while a controller drives: the request is journaled, what is in flight stopped, and no further target started', async (t) => {
  const h = harness(t);
  h.pushRelease('v1.2.0');
  let aborted = false;
  let stopped: readonly string[] = [];
  // the driving controller's follow rounds: after the first wave starts, someone aborts from elsewhere
  const driver = h.deps({
    sleep: async () => {
      if (aborted || h.drivers.deploys.length < 2) return;
      aborted = true;
      const r = await rolloutAbort(ID, { config: h.config, reason: 'stop it' }, h.deps({ host: 'laptop', pid: 77 }));
      t.equal(r.data.abortOutcome, 'recorded');
      t.ok(r.data.stops.length > 0, 'a deployment was in flight');
      t.ok(r.data.stops.every((x) => x.outcome === 'stopped' && x.action.startsWith('StopDeployment ')), 'each stopped');
      stopped = r.data.stops.map((x) => x.target);
    },
  });
  const r = await rolloutStart({ config: h.config, release: 'v1.2.0' }, driver);
  t.ok(aborted);
  const s = summary(r.data);
  t.equal(r.exit, 1);
  t.equal(s.state, 'aborted');
  t.match(s.abort, { by: /on laptop pid 77$/, reason: 'stop it' });
  t.notOk(h.drivers.deploys.includes('unicorn-web'));
  const failed = s.waves[0]?.targets.filter((x) => x.status === 'failed').map((x) => x.name);
  t.same(failed, stopped, 'the stopped targets were followed to their (failed) end by the controller');
});

t.test('abort of a finished rollout changes nothing; of an unknown one is refused', async (t) => {
  const h = harness(t);
  h.pushRelease('v1.2.0');
  await rolloutStart({ config: h.config, release: 'v1.2.0' }, h.deps());
  const r = await rolloutAbort(ID, { config: h.config }, h.deps());
  t.equal(r.data.abortOutcome, 'already-finished');
  t.equal(r.data.state, 'succeeded');
  h.pushRelease('v2.0.0');
  const e = await rolloutAbort('air-quality@v2.0.0@production', { config: h.config }, h.deps()).catch((x: unknown) => x);
  t.ok(isEdgeError(e, 'ROLLOUT_NOT_FOUND'));
});

t.test('--detach starts `rollout resume ID` in the background and returns the id and log', async (t) => {
  const h = harness(t);
  h.pushRelease('v1.2.0');
  const spawned: { args: readonly string[]; log: string }[] = [];
  const r = await rolloutStart(
    { config: h.config, release: 'v1.2.0', detach: true, endpointUrl: 'http://127.0.0.1:1' },
    h.deps({ spawnDetached: async (args, log) => (spawned.push({ args, log }), { pid: 31337 }) }),
  );
  t.equal(r.exit, 0);
  t.match(r.data, { rolloutId: ID, detached: { pid: 31337, log: `${h.dir}/.fleetctl/${ID}.log` } });
  t.same(spawned[0]?.args, ['rollout', 'resume', ID, '--config', h.config, '--endpoint-url', 'http://127.0.0.1:1']);
  t.same(h.drivers.deploys, [], 'nothing deployed by the foreground process');
});
