// The CodeDeploy driver (devices and codedeploy targets) over the fake AWS world: what a group ran
// before, the deployment it creates, finding it again by the token after a crash, busy groups,
// custom deployment configs, following a deployment to success or failure.
import t from 'tap';
import { isEdgeError } from '../../../../../shared/errors.js';
import type { DevicesTarget } from '../../../../../controller/rollout/config-types.js';
import { customConfigName, deploymentDescription, deploymentGroupDriver } from '../../../../../controller/rollout/drivers/deployment-group.js';
import { tokenMark } from '../../../../../controller/rollout/drivers/session.js';
import { DEVICES, PIPELINE, estate } from './setup.js';

t.test('deploy creates one deployment with the release revision, auto rollback and a marked description', async (t) => {
  const e = await estate();
  const driver = deploymentGroupDriver(e.deps);
  const lab = e.targets['lab-pis'] as DevicesTarget;
  t.same(await driver.recordBefore(lab), { kind: 'revision' }, 'a group that never deployed');
  const ref = await driver.deploy(lab, e.ctx('lab-pis'));
  t.equal(ref.kind, 'deployment');
  const cd = e.world.codedeploy(PIPELINE, 'us-east-1');
  const d = [...cd.deployments.values()][0];
  const part = e.deps.manifest.parts.device;
  t.match(d?.info.revision, { bucket: 'acme-releases', key: part?.key, bundleType: 'tgz', eTag: part?.etag.replace(/"/g, '') });
  t.same(d?.input.autoRollback, { enabled: true, events: ['DEPLOYMENT_FAILURE'] });
  t.ok((d?.info.description?.length ?? 0) <= 100);
  t.ok(d?.info.description?.endsWith(`[${tokenMark(e.ctx('lab-pis').token)}]`));

  const run = await driver.follow(lab, ref);
  t.match(run, { state: 'running', progress: 'Created 0/2 devices' });
  if (ref.kind !== 'deployment') throw new Error('ref');
  cd.progress(ref.deploymentId, 'Succeeded', { 'pi-1': 'Succeeded', 'pi-2': 'Succeeded' });
  const info = cd.deployments.get(ref.deploymentId)?.info;
  const tookMs = (info?.completeTime?.getTime() ?? NaN) - (info?.createTime?.getTime() ?? NaN);
  t.ok(tookMs >= 0, 'CodeDeploy timed it');
  // as CodeDeploy timed it: plans the first look at the next deployments
  t.same(await driver.follow(lab, ref), { state: 'succeeded', progress: '2/2 devices', tookMs });
  t.match(await driver.recordBefore(lab), { kind: 'revision', revision: { bucket: 'acme-releases', key: part?.key, bundleType: 'tgz' } }, 'the last successful revision');
});

t.test('a long rollout id still gives a description CodeDeploy accepts, with the mark intact', async (t) => {
  const ctx = { rolloutId: `${'a'.repeat(100)}@v1.0.0@production`, wave: 'w'.repeat(30), attempt: 12, token: 'tok' };
  const text = deploymentDescription('some-target', ctx);
  t.equal(text.length, 100);
  t.ok(text.endsWith(`[${tokenMark('tok')}]`));
});

t.test('after a crash between CreateDeployment and the journal, find adopts the deployment by its token', async (t) => {
  const e = await estate();
  const driver = deploymentGroupDriver(e.deps);
  const eu = e.targets['eu-pis'] as DevicesTarget;
  t.equal(await driver.find(eu, e.ctx('eu-pis')), undefined, 'nothing started yet');
  const ref = await driver.deploy(eu, e.ctx('eu-pis'));
  // the controller dies here; a new one asks what the attempt did
  t.same(await driver.find(eu, e.ctx('eu-pis')), ref);
  t.equal(await driver.find(eu, e.ctx('eu-pis', 2)), undefined, 'another attempt is another token');
  t.equal(e.world.codedeploy(DEVICES, 'eu-west-1').deployments.size, 1, 'no second deployment');
  const assumed = e.world.calls.filter((c) => c.service === 'sts' && c.operation === 'AssumeRole');
  t.match(assumed[0]?.args[0], { roleArn: `arn:aws:iam::${DEVICES}:role/fleet-deployer`, sessionName: 'fleetctl-air-quality@v1.0.0@production' });
  t.ok(e.world.calls.filter((c) => c.service === 'codedeploy').every((c) => c.account === DEVICES && c.region === 'eu-west-1'), 'the device account, in its region');
});

t.test('a group with an active deployment is busy (retryable), not failed', async (t) => {
  const e = await estate();
  const driver = deploymentGroupDriver(e.deps);
  const lab = e.targets['lab-pis'] as DevicesTarget;
  await driver.deploy(lab, e.ctx('lab-pis'));
  const err = await driver.deploy(lab, e.ctx('lab-pis', 2)).catch((x: unknown) => x);
  t.ok(isEdgeError(err, 'TARGET_BUSY'), String(err));
  t.equal(isEdgeError(err) && err.retryable, true);
});

t.test('minimum healthy hosts: a custom deployment config, created once and reused', async (t) => {
  const e = await estate();
  const driver = deploymentGroupDriver(e.deps);
  const lab: DevicesTarget = { ...(e.targets['lab-pis'] as DevicesTarget), deploymentConfig: { minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 75 } } };
  const cd = e.world.codedeploy(PIPELINE, 'us-east-1');
  const first = await driver.deploy(lab, e.ctx('lab-pis'));
  if (first.kind !== 'deployment') throw new Error('ref');
  cd.progress(first.deploymentId, 'Succeeded');
  await driver.deploy(lab, e.ctx('lab-pis', 2));
  t.equal(customConfigName({ type: 'FLEET_PERCENT', value: 75 }), 'fleetctl-percent-75');
  t.same(cd.configs.get('fleetctl-percent-75'), { type: 'FLEET_PERCENT', value: 75 });
  t.same([...cd.deployments.values()].map((d) => d.input.deploymentConfigName), ['fleetctl-percent-75', 'fleetctl-percent-75']);
  const named: DevicesTarget = { ...lab, deploymentConfig: { name: 'NoSuchConfig' } };
  await t.rejects(driver.deploy(named, e.ctx('lab-pis', 3)), { code: 'AWS_NOT_FOUND' }, 'an unknown config name fails the target');
});

t.test('a failed deployment fails the target with the failed devices named', async (t) => {
  const e = await estate();
  const driver = deploymentGroupDriver(e.deps);
  const lab = e.targets['lab-pis'] as DevicesTarget;
  const ref = await driver.deploy(lab, e.ctx('lab-pis'));
  if (ref.kind !== 'deployment') throw new Error('ref');
  e.world.codedeploy(PIPELINE, 'us-east-1').progress(ref.deploymentId, 'Failed', { 'pi-1': 'Succeeded', 'pi-2': 'Failed' });
  const r = await driver.follow(lab, ref);
  t.equal(r.state, 'failed');
  t.match(r.state === 'failed' ? r.reason : '', /failed \(1\/2 devices\).*pi-2: failed/);
});
