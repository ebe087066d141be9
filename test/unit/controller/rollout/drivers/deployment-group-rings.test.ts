// The CodeDeploy driver on ring targets: the rings are made real before anything is recorded, a
// ring's previous revision is its own group's or its base group's (whichever ended later), and a
// ring without devices deploys nothing (CodeDeploy would fail a deployment to no instance).
import t from 'tap';
import type { DevicesTarget } from '../../../../../controller/rollout/config-types.js';
import { deploymentGroupDriver } from '../../../../../controller/rollout/drivers/deployment-group.js';
import type { RingTarget } from '../../../../../controller/rollout/drivers/rings.js';
import { PIPELINE, estate } from './setup.js';

const RINGS = { percents: [1, 10, 100], tag: 'fleetctl-ring' };

/** lab-pis (pi-1, pi-2) in rings of 1/10/100%: one device in ring 1, none in ring 2, one in ring 3. */
async function ringEstate() {
  const e = await estate();
  const cd = e.world.codedeploy(PIPELINE, 'us-east-1');
  await cd.addTagsToOnPremisesInstances(['pi-1', 'pi-2'], [{ Key: 'site', Value: 'lab' }]);
  const lab = e.targets['lab-pis'] as DevicesTarget;
  const ring = (index: number): RingTarget => ({
    ...lab,
    name: `lab-pis@ring${index}`,
    deploymentGroup: `pi-lab-ring${index}`,
    ring: { base: 'lab-pis', baseGroup: 'pi-lab', index, rings: RINGS },
  });
  return { e, cd, lab, ring, driver: deploymentGroupDriver(e.deps) };
}

t.test('recordBefore prepares the ring; the previous revision is the base group\'s until the ring group deployed later', async (t) => {
  const { e, cd, lab, ring, driver } = await ringEstate();
  const base = await driver.deploy(lab, e.ctx('lab-pis'));
  if (base.kind !== 'deployment') throw new Error('ref');
  cd.progress(base.deploymentId, 'Succeeded');
  const v1 = e.deps.manifest.parts.device?.key;
  e.world.advance(1000);
  t.match(await driver.recordBefore(ring(1)), { kind: 'revision', revision: { key: v1 } }, 'the base group\'s last success');
  t.ok(cd.groups.has('air-quality/pi-lab-ring1'), 'the ring group exists before the deploy');
  t.equal([...cd.instances.values()].filter((i) => i.tags.some((x) => x.Key === 'fleetctl-ring')).length, 2, 'the whole fleet is tagged');

  await e.release('v1.1.0');
  const r1 = await driver.deploy(ring(1), e.ctx('lab-pis@ring1'));
  if (r1.kind !== 'deployment') throw new Error('ref');
  t.equal(cd.deployments.get(r1.deploymentId)?.targets.size, 1, 'one device: ring 1\'s');
  t.equal(cd.deployments.get(r1.deploymentId)?.input.fileExistsBehavior, 'OVERWRITE', 'the base group installed the files: a ring overwrites them');
  const baseInput = cd.deployments.get(base.deploymentId)?.input;
  t.equal(baseInput?.fileExistsBehavior, undefined, 'a plain group keeps CodeDeploy\'s default');
  t.match(await driver.recordBefore(ring(1)), { fromGroup: 'pi-lab' }, 'the revision came from the base group');
  cd.progress(r1.deploymentId, 'Succeeded');
  const v2 = e.deps.manifest.parts.device?.key;
  e.world.advance(1000);
  t.match(await driver.recordBefore(ring(1)), { revision: { key: v2 } }, 'the ring group ended later');
  await e.release('v1.2.0');
  const again = await driver.deploy(lab, e.ctx('lab-pis', 2));
  if (again.kind !== 'deployment') throw new Error('ref');
  cd.progress(again.deploymentId, 'Succeeded');
  const v3 = e.deps.manifest.parts.device?.key;
  t.match(await deploymentGroupDriver(e.deps).recordBefore(ring(1)), { revision: { key: v3 } }, 'now the base group ended later');
  t.equal(new Set([v1, v2, v3]).size, 3);
});

t.test('a ring without devices deploys nothing, is found as such, and succeeds', async (t) => {
  const { e, cd, ring, driver } = await ringEstate();
  await driver.recordBefore(ring(2));
  const before = cd.deployments.size;
  const ref = await driver.deploy(ring(2), e.ctx('lab-pis@ring2'));
  t.same(ref, { kind: 'none', reason: 'no device in ring 2 of lab-pis (2 in the fleet): nothing to deploy' });
  t.equal(cd.deployments.size, before, 'no CreateDeployment');
  t.same(await driver.find(ring(2), e.ctx('lab-pis@ring2')), ref, 'after a crash, the same answer');
  t.same(await driver.follow(ring(2), ref), { state: 'succeeded', progress: ref.kind === 'none' ? ref.reason : '' });
  t.equal(await driver.find(ring(3), e.ctx('lab-pis@ring3')), undefined, 'a ring with devices and no deployment: not found');
});

t.test('a restarted controller assigns the same rings and tags nothing again', async (t) => {
  const { e, ring, driver } = await ringEstate();
  await driver.recordBefore(ring(1));
  const mark = e.world.calls.length;
  const restarted = deploymentGroupDriver(e.deps);
  await restarted.recordBefore(ring(3));
  await restarted.deploy(ring(3), e.ctx('lab-pis@ring3'));
  const writes = e.world.calls
    .slice(mark)
    .filter((c) => /^(AddTags|RemoveTags|CreateDeploymentGroup|UpdateDeploymentGroup)/.test(c.operation));
  t.same(writes.map((c) => c.operation), ['CreateDeploymentGroup'], 'only ring 3\'s new group');
});
