// Rollout safety end to end: the real fleetctl (spawned) against the sandbox's virtual hosts.
// Rings: every host tagged with the ring its name's hash gives, one group per ring, the canary
// ring within a device of 10%; a release the canaries report unhealthy halts at their health gate
// (exit 1) and the canary ring gets the previous revision back, the other ring never sees it. An
// alarm raised during a bake halts the wave at once and rolls it back. A manual approval: start
// exits 3 naming the approve command, approve records the caller, resume completes. A pause asked
// for while the first wave runs: that controller exits 3 before the next wave; resume completes.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { BatchGetOnPremisesInstancesCommand, GetDeploymentCommand, GetDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import { PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { assignRings } from '../../../controller/rollout/rings.js';
import { generatedNames } from '../../../sandbox/virtual-hosts/virtual-host-config.js';
import { waitFor } from '../../helpers/agent-fleet.js';
import {
  ALARM, callerArn, deviceHistory, docOf, events, RING_HOSTS, rolloutId, startGatesEstate,
  type Controller, type DeviceRun, type GatesEstate, type StatusDoc,
} from './rollout-gates-fixture.js';

t.setTimeout(280_000);

let e: GatesEstate;
let caller: string;
t.before(async () => {
  e = await startGatesEstate(t);
  caller = await callerArn(e);
});

/** The S3 key of a release's device revision (`device-<content hash>.tgz`). */
const revisionOf = (version: string): RegExp =>
  new RegExp(`^releases/air-quality/${version.replace(/\./g, '\\.')}/device-[0-9a-f]+\\.tgz$`);
const isOf = (version: string) => (r: DeviceRun | undefined): boolean => r !== undefined && revisionOf(version).test(r.key);
/** The last deployment a device ran to success. */
const lastSucceeded = (runs: readonly DeviceRun[] | undefined): DeviceRun | undefined =>
  runs?.filter((r) => r.status === 'Succeeded').at(-1);

/** Both waves passed, the second's target deployed. */
const BOTH_PASSED = [{ status: 'passed' }, { name: 'second', status: 'passed', targets: [{ name: 'lab-b', status: 'succeeded' }] }];

/** Waits until `cond` holds, failing at once (with its output) should the controller end first. */
async function whileRunning(c: Controller, cond: () => boolean, what: string): Promise<void> {
  let ended: number | null | undefined;
  void c.exit.then((code) => (ended = code));
  await waitFor(() => {
    if (ended !== undefined) throw new Error(`the controller exited ${String(ended)} before ${what}\n${c.out()}\n${c.err()}`);
    return cond();
  }, 120_000, what);
}

t.test('rings and a device health gate: v1 reaches every ring, v2 halts at its canaries and is rolled back', async (t) => {
  await e.push('v1.0.0');
  const v1 = await e.fleetctl(['rollout', 'start', '--release', 'v1.0.0', '--json']);
  t.equal(v1.code, 0, 'v1 rolls out (exit 0)', { stderr: v1.stderr });

  const names = generatedNames('pi', RING_HOSTS);
  const assigned = assignRings(names, { percents: [10, 100] });
  const ring1 = names.filter((n) => assigned.get(n) === 1);
  const ring2 = names.filter((n) => assigned.get(n) === 2);
  t.ok(Math.abs(ring1.length - RING_HOSTS / 10) <= 1, `the canary ring holds ${ring1.length} of ${RING_HOSTS}, within one of 10%`);
  const infos = (await e.cd.send(new BatchGetOnPremisesInstancesCommand({ instanceNames: names }))).instanceInfos ?? [];
  const tagOf = (n: string) => infos.find((i) => i.instanceName === n)?.tags?.filter((x) => x.Key === 'fleetctl-ring').map((x) => x.Value);
  t.same(names.map(tagOf), names.map((n) => [`ring${assigned.get(n)}`]), 'every host carries one ring tag: its name\'s hash\'s ring');
  for (const ring of [1, 2]) {
    const name = `pis-ring${ring}`;
    const got = await e.cd.send(new GetDeploymentGroupCommand({ applicationName: 'air-quality', deploymentGroupName: name }));
    const group = got.deploymentGroupInfo;
    const tags = group?.onPremisesTagSet?.onPremisesTagSetList?.flat().map((x) => `${x.Key}=${x.Value}`).sort();
    t.same(tags, ['fleet=lab', `fleetctl-ring=ring${ring}`], `group pis-ring${ring}: the select AND the ring tag`);
  }
  const s1 = docOf(v1);
  t.match(s1, { state: 'succeeded', waves: [{ name: 'canary', status: 'passed' }, { name: 'rest', status: 'passed' }] });
  const healthy = `0 of ${ring1.length} devices unhealthy (0%), 0 unknown`;
  t.match(s1.waves[0]?.checks, [{ phase: 'deployed', passed: true, results: [{ gate: 'device-health', value: healthy }] }]);
  const v1Runs = await deviceHistory(e.cd);
  t.same(names.filter((n) => !isOf('v1.0.0')(lastSucceeded(v1Runs.get(n)))), [], 'every host runs v1');

  await e.push('v2.0.0');
  const v2 = await e.fleetctl(['rollout', 'start', '--release', 'v2.0.0']);
  t.equal(v2.code, 1, 'v2 halts (exit 1)', { stdout: v2.stdout, stderr: v2.stderr });
  t.match(v2.stdout, /HALTED/);
  const s2 = await e.status('v2.0.0', 'production');
  t.equal(s2.schema, 'fleetctl.rollout.status/v1');
  const unhealthy = `${ring1.length} of ${ring1.length} devices unhealthy (100%), 0 unknown`;
  t.match(s2, {
    state: 'halted',
    halt: {
      wave: 'canary',
      reason: `wave canary: gate failed after its deployments: device-health: ${unhealthy} (at most 0 unhealthy)`,
      gates: [{ gate: 'device-health', passed: false, value: unhealthy, threshold: 'at most 0 unhealthy', detail: /^unhealthy pi-\d+: / }],
    },
    rollback: { policy: 'all', targets: [{ name: 'pis@ring1', action: 'rollback', status: 'succeeded', ref: { kind: 'deployment' } }] },
    waves: [{ name: 'canary', status: 'halted' }, { name: 'rest', status: 'pending', targets: [{ name: 'pis@ring2', status: 'pending' }] }],
  });
  t.equal(s2.rollback?.targets.length, 1, 'only the canary ring was changed, so only it is rolled back');
  t.notOk(s2.waves[1]?.targets[0]?.ref, 'the second ring was never deployed');

  const rollbackId = s2.rollback?.targets[0]?.ref?.deploymentId ?? '';
  const back = (await e.cd.send(new GetDeploymentCommand({ deploymentId: rollbackId }))).deploymentInfo;
  t.match(back, { status: 'Succeeded', deploymentGroupName: 'pis-ring1', revision: { s3Location: { key: revisionOf('v1.0.0') } } });
  const runs = await deviceHistory(e.cd);
  for (const n of ring1) t.match(lastSucceeded(runs.get(n)), { deploymentId: rollbackId, key: revisionOf('v1.0.0') }, `${n} is back on v1`);
  const gotV2 = names.filter((n) => runs.get(n)?.some(isOf('v2.0.0')));
  t.same(gotV2, ring1, 'v2 reached the canary ring alone');
  t.same(ring2.filter((n) => !isOf('v1.0.0')(lastSucceeded(runs.get(n)))), [], 'the other ring still runs v1');
});

t.test('an alarm raised during the bake halts the wave at once and rolls it back', async (t) => {
  await e.cw.send(
    new PutMetricAlarmCommand({
      AlarmName: ALARM, Namespace: 'Lab', MetricName: 'errors', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
  );
  await e.push('base-1');
  const base = await e.fleetctl(['rollout', 'start', '--release', 'base-1']);
  t.equal(base.code, 0, 'the previous release is everywhere', { stderr: base.stderr });

  await e.push('bake-2');
  const c = e.controller(t, ['rollout', 'start', '--release', 'bake-2', '--json']);
  const baking = () => events(c.err()).some((x) => x['type'] === 'wave' && x['wave'] === 'watched' && x['status'] === 'baking');
  await whileRunning(c, baking, 'wave watched to bake');
  await e.cw.send(new SetAlarmStateCommand({ AlarmName: ALARM, StateValue: 'ALARM', StateReason: 'Threshold Crossed: 12 errors' }));
  t.equal(await c.exit, 1, 'the rollout halts (exit 1)', { stdout: c.out(), stderr: c.err() });

  const doc = docOf({ stdout: c.out() });
  const watched = doc.waves[0];
  t.match(doc, {
    state: 'halted',
    halt: { wave: 'watched', reason: `wave watched: gate failed during the bake: alarms on lab-a: ${ALARM} in ALARM (no alarm in ALARM)` },
    rollback: { policy: 'all', targets: [{ name: 'lab-a', status: 'succeeded', ref: { kind: 'deployment' } }] },
    waves: [{ name: 'watched', status: 'halted' }, { name: 'after', status: 'pending', targets: [{ name: 'lab-b', status: 'pending' }] }],
  });
  t.match(watched?.checks, [
    { phase: 'deployed', passed: true },
    { phase: 'bake', passed: false, results: [{ gate: 'alarms', detail: /Threshold Crossed: 12 errors/ }] },
  ]);
  const halted = Date.parse(String((watched?.checks[1] as { at?: string } | undefined)?.at));
  t.ok(halted < Date.parse(watched?.bakeUntil ?? ''), 'halted before the bake was over');

  const runs = await deviceHistory(e.cd);
  t.match(lastSucceeded(runs.get('lab-a-001')), { deploymentId: doc.rollback?.targets[0]?.ref?.deploymentId, key: revisionOf('base-1') });
  t.notOk(runs.get('lab-b-001')?.some(isOf('bake-2')), 'the next wave never got the release');
});

t.test('a manual approval: start exits 3, approve records who, resume completes', async (t) => {
  const id = rolloutId('approve-1', 'approval');
  await e.push('approve-1');
  const start = await e.fleetctl(['rollout', 'start', '--release', 'approve-1']);
  t.equal(start.code, 3, 'waiting for a person (exit 3)', { stderr: start.stderr });
  t.match(start.stderr, `waiting for approval of wave second; run \`fleetctl rollout approve ${id} --wave second\``);

  const approve = await e.fleetctl(['rollout', 'approve', id, '--wave', 'second', '--json']);
  t.equal(approve.code, 0, approve.stderr);
  type Approved = StatusDoc & { approveOutcome: string; approval: { wave: string; by: string; at: string } };
  const approved = JSON.parse(approve.stdout) as Approved;
  t.match(approved, {
    schema: 'fleetctl.rollout.approve/v1',
    approveOutcome: 'approved',
    approval: { wave: 'second', by: caller },
    waves: [{ name: 'first', status: 'passed' }, { name: 'second', status: 'pending', approval: { requested: true } }],
  });
  t.notOk(approved.waves[1]?.targets[0]?.ref, 'the wave had not started');
  t.match(caller, /^arn:aws:iam::111111111111:/);

  const resume = await e.fleetctl(['rollout', 'resume', id, '--json']);
  t.equal(resume.code, 0, 'resume completes (exit 0)', { stderr: resume.stderr });
  const done = docOf(resume);
  t.match(done, { state: 'succeeded', waves: BOTH_PASSED });
  t.same(done.waves[1]?.approval, { requested: true, approved: { by: caller, at: approved.approval.at } });
  t.ok(Number.isFinite(Date.parse(approved.approval.at)), 'when, as a time');
});

t.test('a pause asked for while the first wave runs: the controller exits 3 before the next; resume completes', async (t) => {
  const id = rolloutId('pause-1', 'pausing');
  await e.push('pause-1');
  const c = e.controller(t, ['rollout', 'start', '--release', 'pause-1']);
  // the first wave's command gate holds it until the test lets it go
  await whileRunning(c, () => existsSync(join(e.dir, 'held-pause-1')), 'the first wave\'s gate to run');
  const pause = await e.fleetctl(['rollout', 'pause', id, '--reason', 'checking the dashboards', '--json']);
  t.equal(pause.code, 0, pause.stderr);
  t.match(JSON.parse(pause.stdout), {
    schema: 'fleetctl.rollout.pause/v1',
    pauseOutcome: 'paused',
    paused: { by: caller, reason: 'checking the dashboards' },
    next: /the controller driving the rollout starts no further wave, and exits 3/,
  });
  writeFileSync(join(e.dir, 'go-pause-1'), '');
  t.equal(await c.exit, 3, 'the controller stops before the next wave (exit 3)', { stderr: c.err() });
  t.match(c.err(), `paused before wave second; run \`fleetctl rollout resume ${id}\``);
  t.match(c.out(), `WAITING: paused before wave second`);
  t.notOk((await deviceHistory(e.cd)).get('lab-b-001')?.some(isOf('pause-1')), 'the next wave was not started');

  const resume = await e.fleetctl(['rollout', 'resume', id, '--json']);
  t.equal(resume.code, 0, 'resume completes (exit 0)', { stderr: resume.stderr });
  const done = docOf(resume);
  t.match(done, { state: 'succeeded', waves: BOTH_PASSED });
  t.notOk(done.paused, 'the pause was lifted');
});
