import t from 'tap';
import { busyInstances, deploymentsByInstance } from '../../../../controller/fleet/deployments.js';
import { fakePool } from '../../../fakes/aws/pool.js';

t.test('busy: only devices whose part of a running deployment is not finished', async (t) => {
  const { pool, world } = fakePool();
  const cd = world.codedeploy().seedGroup({ applicationName: 'app', deploymentGroupName: 'g', onPremisesTagSets: [[{ Key: 'f', Value: 'x' }]] });
  for (const n of ['a', 'b', 'c']) {
    await cd.registerOnPremisesInstance({ instanceName: n, iamSessionArn: `arn:aws:sts::111111111111:assumed-role/e/${n}` });
    await cd.addTagsToOnPremisesInstances([n], [{ Key: 'f', Value: 'x' }]);
  }
  const { deploymentId } = await cd.createDeployment({ applicationName: 'app', deploymentGroupName: 'g', revision: { bucket: 'b', key: 'k', bundleType: 'zip' } });
  cd.progress(deploymentId, 'InProgress', { a: 'InProgress', b: 'Succeeded' });
  const aws = pool.session();
  const busy = await busyInstances(aws, new Set(['a', 'b', 'c']));
  t.same([...busy.keys()].sort(), ['a', 'c'], 'c is still Pending');
  t.match(busy.get('a'), { deploymentId, deploymentStatus: 'InProgress', instanceStatus: 'InProgress' });
  cd.progress(deploymentId, 'Succeeded', { a: 'Succeeded', c: 'Succeeded' });
  t.equal((await busyInstances(aws, new Set(['a', 'b', 'c']))).size, 0);
  t.equal((await deploymentsByInstance(aws, new Set(['a']), { activeOnly: false, limit: 5 })).get('a')?.instanceStatus, 'Succeeded');
});

t.test('a deployment that has not chosen its targets yet (AWS_CONFLICT) is skipped', async (t) => {
  const { pool, world } = fakePool();
  const cd = world.codedeploy().seedGroup({ applicationName: 'app', deploymentGroupName: 'g', onPremisesTagSets: [[{ Key: 'f', Value: 'x' }]] });
  await cd.createDeployment({ applicationName: 'app', deploymentGroupName: 'g', revision: { bucket: 'b', key: 'k', bundleType: 'zip' } });
  world.faults.inject({ operation: 'codedeploy.ListDeploymentTargets', fault: { name: 'DeploymentNotStartedException', status: 400 } });
  t.equal((await deploymentsByInstance(pool.session(), new Set(['a']), { activeOnly: true, limit: 5 })).size, 0);
});
