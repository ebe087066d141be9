// The demo's judgement of its rollouts' status documents (scripts/demo-status.ts statusProblems and
// haltProblems): the demo exits 0 only when both say nothing is wrong, so each must name what
// differs from the story it tells.
import t from 'tap';
import { haltProblems, statusProblems, type StatusDoc, type StatusWave } from '../../../scripts/demo-status.js';

const TENANTS = ['t1', 't2', 't3'].flatMap((n) => [`${n}-stack`, `${n}-web`, `${n}-servers`]);
const health = (passed: boolean) => ({
  gate: 'device-health',
  passed,
  value: `${passed ? 0 : 1} of 1 devices unhealthy`,
  threshold: 'at most 0 unhealthy',
});
const target = (name: string, status = 'succeeded', deployed = true): StatusWave['targets'][number] => ({
  name,
  status,
  ...(deployed ? { ref: { kind: 'deployment', deploymentId: `d-${name}` } } : {}),
});

function succeeded(): StatusDoc {
  return {
    state: 'succeeded',
    journal: 's3://b/j/',
    waves: [
      {
        name: 'canaries',
        status: 'passed',
        checks: [
          { phase: 'deployed', passed: true, results: [health(true)] },
          { phase: 'baked', passed: true, results: [health(true)] },
        ],
        targets: [target('stations@ring1')],
      },
      { name: 'devices', status: 'passed', targets: [target('stations@ring2')] },
      { name: 'tenants', status: 'passed', targets: TENANTS.map((n) => target(n)) },
    ],
  };
}

function halted(): StatusDoc {
  const doc = succeeded();
  const [canaries, devices, tenants] = doc.waves as [StatusWave, StatusWave, StatusWave];
  return {
    state: 'halted',
    journal: doc.journal,
    halt: { wave: 'canaries', reason: 'gate device-health failed', gates: [health(false)] },
    rollback: {
      policy: 'all',
      targets: [{ name: 'stations@ring1', action: 'rollback', status: 'succeeded', ref: { kind: 'deployment', deploymentId: 'd-back' } }],
    },
    waves: [
      { ...canaries, status: 'halted', checks: [{ phase: 'deployed', passed: false, results: [health(false)] }] },
      { ...devices, status: 'pending', targets: [target('stations@ring2', 'pending', false)] },
      { ...tenants, status: 'pending', targets: TENANTS.map((n) => target(n, 'pending', false)) },
    ],
  };
}

t.test('statusProblems: nothing for the rollout the demo expects', async (t) => {
  t.same(statusProblems(succeeded()), []);
});

t.test('statusProblems names a canary without both passed health checks, a failed target, missing waves', async (t) => {
  const doc = succeeded();
  const [canaries, devices, tenants] = doc.waves as [StatusWave, StatusWave, StatusWave];
  const unbaked = { ...doc, waves: [{ ...canaries, checks: canaries.checks?.slice(0, 1) }, devices, tenants] };
  t.match(statusProblems(unbaked), [/no passed device-health check after its deployment and its bake/]);
  const failed = { ...doc, state: 'halted', waves: [canaries, { ...devices, targets: [target('stations@ring2', 'failed')] }, tenants] };
  t.match(statusProblems(failed), ['the rollout is halted', 'devices/stations@ring2 failed']);
  t.match(statusProblems({ ...doc, waves: [devices, tenants] }), [/waves devices,tenants, expected canaries,devices,tenants/]);
});

t.test('haltProblems: nothing when the canary gate halted the rollout and the canary alone was rolled back', async (t) => {
  t.same(haltProblems(halted()), []);
});

t.test('haltProblems names a rollout that did not halt at the canary gate, or touched or rolled back more', async (t) => {
  t.match(haltProblems(succeeded()), [
    /is succeeded, expected halted/,
    /halted wave is none/,
    /does not quote a failed device-health gate/,
    /rolled back: nothing/,
  ]);
  const doc = halted();
  const [canaries, devices, tenants] = doc.waves as [StatusWave, StatusWave, StatusWave];
  const spread = { ...doc, waves: [canaries, { ...devices, status: 'halted', targets: [target('stations@ring2')] }, tenants] };
  t.match(haltProblems(spread), ['wave devices is halted, expected pending', 'devices/stations@ring2 was touched (succeeded)']);
  const rollback = doc.rollback ?? { policy: 'all', targets: [] };
  const skipped = { name: 'stations@ring1', action: 'skip', status: 'skipped', reason: 'no earlier deployment' };
  const notBack = { ...doc, rollback: { ...rollback, targets: [skipped] } };
  t.match(haltProblems(notBack), ['the rollback of stations@ring1 is skipped: no earlier deployment']);
});
