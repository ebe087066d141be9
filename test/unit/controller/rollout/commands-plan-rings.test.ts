// rollout plan with rings: each ring target's device count as the rollout would assign it (devices
// not tagged yet count where their rank puts them), only reads, and `?` with a warning when the
// fleet cannot be listed.
import { writeFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { rolloutPlan } from '../../../../controller/commands/rollout-plan.js';
import { renderPlan } from '../../../../controller/rollout/render.js';
import { assignRings } from '../../../../controller/rollout/rings.js';
import { BASE_ACCOUNT } from '../../../fakes/aws/world.js';
import { CONFIG, harness, REGION, type Harness } from './commands-harness.js';

const READ = /^(Get|List|Describe|Head|BatchGet|AssumeRole$)/;
const RINGS = { percents: [10, 50, 100], tag: 'fleetctl-ring' };

async function ringHarness(t: Test): Promise<{ h: Harness; names: string[] }> {
  const h = harness(t);
  const select = 'select: { fleet: air-quality, site: lab }';
  const config = CONFIG.replace(`${select} }`, `${select}, rings: [10, 50, 100] }`).replace(
    '{ name: devices, targets: [lab-pis, eu-pis] }',
    '{ name: canary, targets: [lab-pis@ring1] }\n      - { name: devices, targets: [lab-pis@ring2, lab-pis@ring3, eu-pis] }',
  );
  writeFileSync(h.config, config);
  h.pushRelease('v1.2.0');
  const cd = h.world.codedeploy(BASE_ACCOUNT, REGION);
  const names = Array.from({ length: 12 }, (_, i) => `pi-${i + 1}`);
  for (const name of names) {
    await cd.registerOnPremisesInstance({ instanceName: name, iamUserArn: `arn:aws:iam::${BASE_ACCOUNT}:user/${name}` });
    await cd.addTagsToOnPremisesInstances([name], [{ Key: 'fleet', Value: 'air-quality' }, { Key: 'site', Value: 'lab' }]);
  }
  return { h, names };
}

t.test('plan shows the devices per ring, tags nothing and creates no group', async (t) => {
  const { h, names } = await ringHarness(t);
  const cd = h.world.codedeploy(BASE_ACCOUNT, REGION);
  const assigned = assignRings(names, RINGS);
  // one device already carries its ring, one a wrong one: the plan counts by rank all the same
  const [first, second] = names.filter((n) => assigned.get(n) === 3);
  await cd.addTagsToOnPremisesInstances([first!], [{ Key: 'fleetctl-ring', Value: 'ring3' }]);
  await cd.addTagsToOnPremisesInstances([second!], [{ Key: 'fleetctl-ring', Value: 'ring1' }]);
  const before = h.world.calls.length;
  const r = await rolloutPlan({ config: h.config, release: 'v1.2.0' }, h.deps());
  t.same(h.world.calls.slice(before).filter((c) => !READ.test(c.operation)), [], 'no write call');
  const listed = h.world.calls.slice(before).filter((c) => c.operation === 'ListOnPremisesInstances' && c.account === BASE_ACCOUNT);
  t.equal(listed.length, 1, 'the fleet listed once for its three rings');
  t.equal(r.exit, 0, JSON.stringify(r.data.problems));
  const rings = r.data.waves.flatMap((w) => w.targets).filter((x) => x.ring);
  t.same(rings.map((x) => [x.target, x.devices?.matched, x.ring?.devices, x.ring?.toTag]), [
    ['lab-pis@ring1', 1, 1, 1],
    ['lab-pis@ring2', 5, 5, 5],
    ['lab-pis@ring3', 6, 6, 5],
  ]);
  t.match(rings[0], { ring: { base: 'lab-pis', index: 1, rings: 3, percent: 10, fleet: 12 } });
  t.equal(rings[0]?.current, 'nothing deployed yet (its group is created by the rollout)');
  const text = renderPlan(r.data);
  t.match(text, /wave canary: 1 target\(s\)[\s\S]*lab-pis@ring1 \[devices\] 111111111111\/eu-west-1, own credentials, ring 1 of 3/);
  t.match(text, /lab-pis@ring1 .*, ring 1 of 3 \(up to 10% of 12 devices, 1 to tag\), 1 device\(s\)/);
  t.match(text, /lab-pis@ring3 \[devices\] .*ring 3 of 3 \(up to 100% of 12 devices, 5 to tag\), 6 device\(s\)/);
});

t.test('a fleet that cannot be listed shows ? devices and a warning, not an error', async (t) => {
  const { h } = await ringHarness(t);
  h.world.faults.inject({ operation: 'codedeploy.ListOnPremisesInstances', fault: 'access-denied', times: Infinity });
  const r = await rolloutPlan({ config: h.config, release: 'v1.2.0' }, h.deps());
  const ring1 = r.data.waves[0]?.targets[0];
  t.match(ring1, { target: 'lab-pis@ring1', ring: { devices: null } });
  t.notOk(ring1?.devices);
  const problem = /the fleet's devices could not be listed .*not authorized/;
  t.match(r.data.problems, [{ target: 'lab-pis@ring1', problem, blocking: false }]);
  t.match(renderPlan(r.data), /lab-pis@ring1 \[devices\] .*ring 1 of 3 \(up to 10%\), \? device\(s\)/);
  t.notOk(r.data.problems.some((p) => p.target?.startsWith('lab-pis') && p.blocking), 'nothing blocks for it');
});

t.test('a ring target whose base group is missing blocks the plan', async (t) => {
  const { h } = await ringHarness(t);
  const select = 'select: { fleet: air-quality, site: lab }';
  const nope = CONFIG.replace(`deployment_group: pi-lab, ${select} }`, `deployment_group: pi-nope, ${select}, rings: [50, 100] }`);
  writeFileSync(h.config, nope);
  const r = await rolloutPlan({ config: h.config, release: 'v1.2.0' }, h.deps());
  t.equal(r.exit, 1);
  const problem = /deployment group air-quality\/pi-nope does not exist .* ring groups copy it/;
  t.match(r.data.problems, [{ target: 'lab-pis@ring1', problem, blocking: true }]);
});
