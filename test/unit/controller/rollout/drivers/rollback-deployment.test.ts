// The rollback of a CodeDeploy target over the fake AWS world: a deployment of the revision the
// group ran before (pinned), to the target's own group (a ring's own group), with CodeDeploy's
// automatic rollback off and a description that says rollback and carries the token's mark; found
// again by that mark after a crash; a busy group is retryable.
import t from 'tap';
import { isEdgeError } from '../../../../../shared/errors.js';
import type { DevicesTarget } from '../../../../../controller/rollout/config-types.js';
import { deploymentDescription, deploymentGroupDriver } from '../../../../../controller/rollout/drivers/deployment-group.js';
import type { RingTarget } from '../../../../../controller/rollout/drivers/rings.js';
import { tokenMark } from '../../../../../controller/rollout/drivers/session.js';
import type { TargetRef } from '../../../../../controller/rollout/journal-model.js';
import { rollbackToken } from '../../../../../controller/rollout/rollback-plan.js';
import type { DeployContext } from '../../../../../controller/rollout/runner.js';
import { PIPELINE, ROLLOUT, estate } from './setup.js';

const rollbackCtx = (target: string): DeployContext => ({
  rolloutId: ROLLOUT,
  wave: 'devices',
  attempt: 0,
  token: rollbackToken(ROLLOUT, target),
});

const idOf = (ref: TargetRef): string => {
  if (ref.kind !== 'deployment') throw new Error(`not a deployment: ${ref.kind}`);
  return ref.deploymentId;
};

/** v1 deployed and succeeded, what the group ran recorded, then v2 deployed and succeeded. */
async function v1ThenV2(target: DevicesTarget) {
  const e = await estate();
  const cd = e.world.codedeploy(PIPELINE, 'us-east-1');
  const driver = deploymentGroupDriver(e.deps);
  cd.progress(idOf(await driver.deploy(target, e.ctx(target.name))), 'Succeeded');
  const v1 = e.deps.manifest.parts.device;
  e.world.advance(1000);
  const previous = await driver.recordBefore(target);
  await e.release('v2.0.0');
  cd.progress(idOf(await driver.deploy(target, e.ctx(target.name, 2))), 'Succeeded');
  return { e, cd, driver, previous, v1 };
}

t.test('rollback deploys the pinned previous revision, without auto rollback, described as a rollback', async (t) => {
  const lab = (await estate()).targets['lab-pis'] as DevicesTarget;
  const { e, cd, driver, previous, v1 } = await v1ThenV2(lab);
  const ctx = rollbackCtx('lab-pis');
  t.equal(await driver.findRollback(lab, previous, ctx), undefined, 'no rollback yet');
  const ref = await driver.rollback(lab, previous, ctx);
  const d = cd.deployments.get(idOf(ref));
  t.match(d?.info.revision, { bucket: 'acme-releases', key: v1?.key, bundleType: 'tgz', eTag: v1?.etag.replace(/"/g, '') });
  t.same(d?.input.autoRollback, { enabled: false, events: [] });
  t.equal(d?.input.deploymentGroupName, 'pi-lab');
  const description = d?.info.description ?? '';
  t.ok(description.length <= 100, description);
  t.match(description, /^fleetctl rollback of lab-pis, rollout air-quality@v1\.0\.0@production \[fc-[0-9a-f]{16}\]$/);
  t.ok(description.endsWith(`[${tokenMark(ctx.token)}]`));

  // the controller dies before journaling the rollback's fact: the new one finds it, makes no second one
  t.same(await driver.findRollback(lab, previous, ctx), ref);
  t.equal(cd.deployments.size, 3, 'v1, v2 and one rollback');
  t.match(await driver.follow(lab, ref), { state: 'running' });
  cd.progress(idOf(ref), 'Succeeded', { 'pi-1': 'Succeeded', 'pi-2': 'Succeeded' });
  t.match(await driver.follow(lab, ref), { state: 'succeeded', progress: '2/2 devices' });
  e.world.advance(1000);
  t.match(await driver.recordBefore(lab), { revision: { key: v1?.key } }, 'the group runs v1 again');
});

t.test('a long rollout id still gives a rollback description CodeDeploy accepts, saying rollback, with the mark intact', async (t) => {
  const long = { rolloutId: `${'a'.repeat(100)}@v1.0.0@production`, wave: 'w', attempt: 0, token: 'tok' };
  const text = deploymentDescription('some-target', long, true);
  t.equal(text.length, 100);
  t.match(text, /^fleetctl rollback of some-target, rollout a+ \[fc-[0-9a-f]{16}\]$/);
  t.ok(text.endsWith(`[${tokenMark('tok')}]`));
});

t.test('a group still busy (a deployment or its own rollback running) is retryable; the deployment config is the target\'s', async (t) => {
  const e0 = await estate();
  const deploymentConfig = { minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } } as const;
  const lab: DevicesTarget = { ...(e0.targets['lab-pis'] as DevicesTarget), deploymentConfig };
  const { e, cd, driver, previous } = await v1ThenV2(lab);
  await e.release('v3.0.0');
  const running = idOf(await driver.deploy(lab, e.ctx('lab-pis', 3)));
  const err = await driver.rollback(lab, previous, rollbackCtx('lab-pis')).catch((x: unknown) => x);
  t.ok(isEdgeError(err, 'TARGET_BUSY'), String(err));
  t.equal(isEdgeError(err) && err.retryable, true);
  cd.progress(running, 'Failed');
  const ref = await driver.rollback(lab, previous, rollbackCtx('lab-pis'));
  t.equal(cd.deployments.get(idOf(ref))?.input.deploymentConfigName, 'fleetctl-hosts-1');
});

t.test('nothing recorded to put back is a corrupt journal, not a guess', async (t) => {
  const e = await estate();
  const lab = e.targets['lab-pis'] as DevicesTarget;
  const nothing = deploymentGroupDriver(e.deps).rollback(lab, { kind: 'revision' }, rollbackCtx('lab-pis'));
  await t.rejects(nothing, { code: 'ROLLOUT_JOURNAL_CORRUPT' });
  t.equal(e.world.codedeploy(PIPELINE, 'us-east-1').deployments.size, 0);
});

t.test('a ring is rolled back through its own deployment group', async (t) => {
  const e = await estate();
  const cd = e.world.codedeploy(PIPELINE, 'us-east-1');
  await cd.addTagsToOnPremisesInstances(['pi-1', 'pi-2'], [{ Key: 'site', Value: 'lab' }]);
  const lab = e.targets['lab-pis'] as DevicesTarget;
  const ring: RingTarget = {
    ...lab,
    name: 'lab-pis@ring2',
    deploymentGroup: 'pi-lab-ring2',
    ring: { base: 'lab-pis', baseGroup: 'pi-lab', index: 2, rings: { percents: [50, 100], tag: 'fleetctl-ring' } },
  };
  const driver = deploymentGroupDriver(e.deps);
  cd.progress(idOf(await driver.deploy(lab, e.ctx('lab-pis'))), 'Succeeded');
  e.world.advance(1000);
  const previous = await driver.recordBefore(ring);
  await e.release('v2.0.0');
  cd.progress(idOf(await driver.deploy(ring, e.ctx('lab-pis@ring2'))), 'Succeeded');
  const ref = await driver.rollback(ring, previous, rollbackCtx('lab-pis@ring2'));
  const d = cd.deployments.get(idOf(ref));
  t.equal(d?.input.deploymentGroupName, 'pi-lab-ring2');
  t.equal(d?.targets.size, 1, 'the ring\'s device only');
  t.same(await driver.findRollback(ring, previous, rollbackCtx('lab-pis@ring2')), ref);
});
