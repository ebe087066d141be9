// createGateChecker: which gates a phase runs (the bake: quick reads only, no command), one result
// per gate (alarms and command one per target), device gates over the wave's device deployments only
// (a target without a deployment skipped), the command only for targets that succeeded, and errors:
// a retryable AWS error propagates (the runner asks again), another fails the gate it kept from reading.
import t from 'tap';
import { createGateChecker, type GateInput } from '../../../../../controller/rollout/gates/index.js';
import type { SpawnFn } from '../../../../../controller/rollout/gates/command.js';
import type { WaveGates } from '../../../../../controller/rollout/config-types.js';
import { EdgeError } from '../../../../../shared/errors.js';
import { deploymentTarget, devicesTarget, healthGate, shadowDoc, stackTarget, stateOf, stubPool, waveOf } from './gate-fixtures.js';

const FINISHED = new Date('2025-01-01T00:00:10Z');
const LATER = new Date('2025-01-01T00:00:20Z');

function world() {
  const { pool, account } = stubPool();
  const devices = account('200000000000');
  devices.deployments.set('d-1', [
    deploymentTarget('d-1', 'pi-1', 'Succeeded', FINISHED),
    deploymentTarget('d-1', 'pi-2', 'Failed', FINISHED, 'ValidateService'),
  ]);
  devices.shadows.set('pi-1', shadowDoc('healthy', LATER));
  devices.shadows.set('pi-2', shadowDoc('unhealthy', LATER, { failing: ['app'] }));
  for (const id of ['200000000000', '300000000000']) account(id).alarms.push({ alarmName: 'api-5xx', stateValue: 'OK' });
  const targets = [devicesTarget('lab', '200000000000'), devicesTarget('never-started', '200000000000'), stackTarget('t1', '300000000000')];
  const state = stateOf({
    lab: { status: 'failed', ref: { kind: 'deployment', deploymentId: 'd-1' } },
    'never-started': { status: 'failed', reason: 'AccessDenied' },
    t1: { status: 'succeeded', ref: { kind: 'change-set', stackId: 's', changeSetName: 'c' }, outputs: { Url: 'https://t1' } },
  });
  const spawned: string[] = [];
  return { account, pool, targets, state, spawned };
}

const gates: WaveGates = {
  deviceHealth: healthGate({ maxUnhealthy: { count: 1 } }),
  deploymentOutcome: { maxFailed: { count: 0 }, minFinished: 1 },
  alarms: ['api-5xx'],
  command: { run: 'test "$FLEETCTL_OUTPUT_URL" = https://t1', timeoutMs: 60_000 },
};

const input = (w: ReturnType<typeof world>, phase: GateInput['phase'], g: WaveGates = gates): GateInput => ({
  rolloutId: 'app@v1@prod',
  version: 'v1',
  environment: 'prod',
  wave: waveOf(w.targets, g),
  phase,
  state: w.state,
});

const checker = (w: ReturnType<typeof world>, spawn?: SpawnFn) =>
  createGateChecker({
    pool: w.pool,
    sleep: async () => void t.fail('no wait: every device reported'),
    now: () => LATER.getTime(),
    ...(spawn ? { spawn } : {}),
  });

t.test('deployed: every gate, in order, one result per gate (alarms and command per target)', async (t) => {
  const w = world();
  const results = await checker(w).check(input(w, 'deployed'));
  t.same(
    results.map((r) => [r.gate, r.target ?? '', r.passed, r.value]),
    [
      ['device-health', '', true, '1 of 2 devices unhealthy (50%), 0 unknown'],
      ['deployment-outcome', '', false, '1 of 2 finished devices failed (50%)'],
      ['alarms', 'lab', true, 'no alarm in ALARM (1 checked)'],
      ['alarms', 'never-started', true, 'no alarm in ALARM (1 checked)'],
      ['alarms', 't1', true, 'no alarm in ALARM (1 checked)'],
      ['command', 't1', true, 'exit 0'],
    ],
  );
  t.match(results[1]?.detail, 'failed pi-2: ValidateService failed: script failed');
  t.same(
    w.account('200000000000').calls.filter((c) => c === 'ListDeploymentTargets'),
    ['ListDeploymentTargets'],
    'devices listed once for both device gates',
  );
});

t.test('bake: quick reads only, no command', async (t) => {
  const w = world();
  const spawn: SpawnFn = () => {
    throw new Error('no command during the bake');
  };
  const results = await checker(w, spawn).check(input(w, 'bake'));
  t.same(
    results.map((r) => r.gate),
    ['device-health', 'deployment-outcome', 'alarms', 'alarms', 'alarms'],
  );
});

t.test('a wave without gates answers nothing; one without device deployments judges no devices', async (t) => {
  const w = world();
  t.same(await checker(w).check(input(w, 'deployed', {})), []);
  w.state.targets.get('lab')!.ref = undefined;
  const results = await checker(w).check(
    input(w, 'baked', { deviceHealth: healthGate(), deploymentOutcome: { maxFailed: { count: 0 }, minFinished: 1 } }),
  );
  t.match(results, [
    { gate: 'device-health', passed: true, value: 'no devices ran this release' },
    { gate: 'deployment-outcome', passed: true, value: /not judged/ },
  ]);
  t.same(w.account('200000000000').calls, []);
});

t.test('a retryable AWS error propagates; another fails the gate it kept from reading', async (t) => {
  const w = world();
  w.account('200000000000').failure = new EdgeError('AWS_THROTTLED', 'Rate exceeded');
  await t.rejects(checker(w).check(input(w, 'deployed')), { code: 'AWS_THROTTLED' });
  w.account('200000000000').failure = new EdgeError('AWS_ACCESS_DENIED', 'not allowed: codedeploy:ListDeploymentTargets');
  const results = await checker(w).check(input(w, 'bake'));
  t.same(
    results.map((r) => [r.gate, r.target ?? '', r.passed, r.value]),
    [
      ['device-health', '', false, 'could not read: not allowed: codedeploy:ListDeploymentTargets'],
      ['deployment-outcome', '', false, 'could not read: not allowed: codedeploy:ListDeploymentTargets'],
      ['alarms', 'lab', false, 'could not read: not allowed: codedeploy:ListDeploymentTargets'],
      ['alarms', 'never-started', false, 'could not read: not allowed: codedeploy:ListDeploymentTargets'],
      ['alarms', 't1', true, 'no alarm in ALARM (1 checked)'],
    ],
  );
  t.equal(results[0]?.threshold, 'at most 1 unhealthy');
  w.account('200000000000').failure = new EdgeError('INTERNAL', 'a bug');
  await t.rejects(checker(w).check(input(w, 'bake')), { code: 'INTERNAL' }, 'not an AWS error: propagates');
});
