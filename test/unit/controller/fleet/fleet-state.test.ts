import t from 'tap';
import { describeDevices, fleetStatus, healthFromShadow, listInstanceNames, shadowHealth } from '../../../../controller/fleet/fleet-state.js';
import { fakePool } from '../../../fakes/aws/pool.js';

const arn = (n: string): string => `arn:aws:sts::111111111111:assumed-role/edge/${n}`;

async function fleet(count: number) {
  const f = fakePool();
  const cd = f.world.codedeploy();
  for (let i = 0; i < count; i++) {
    const name = `pi-${String(i).padStart(3, '0')}`;
    await cd.registerOnPremisesInstance({ instanceName: name, iamSessionArn: arn(name) });
    await cd.addTagsToOnPremisesInstances([name], [{ Key: 'site', Value: i % 2 ? 'b' : 'a' }]);
  }
  return { ...f, aws: f.pool.session() };
}

t.test('ls: every page of names, filtered by tag and registration status', async (t) => {
  const { aws, world } = await fleet(230);
  t.equal((await listInstanceNames(aws, undefined, [])).length, 230, 'three pages');
  t.equal((await listInstanceNames(aws, 'Registered', [{ Key: 'site', Value: 'a' }])).length, 115);
  await world.codedeploy().deregisterOnPremisesInstance('pi-000');
  t.same((await listInstanceNames(aws, 'Deregistered', [])), ['pi-000']);
});

t.test('describeDevices: rows of the names that exist, sorted, tags sorted, unknown names left out', async (t) => {
  const { aws } = await fleet(3);
  const rows = await describeDevices(aws, ['pi-002', 'nosuch', 'pi-000']);
  t.match(rows, [
    { name: 'pi-000', status: 'Registered', arn: arn('pi-000'), tags: [{ Key: 'site', Value: 'a' }], registeredAt: /^2030-/ },
    { name: 'pi-002', status: 'Registered' },
  ]);
  t.equal(rows.length, 2);
});

t.test('status: the newest deployment per device and health from its shadow', async (t) => {
  const { aws, world } = await fleet(3);
  const cd = world.codedeploy().seedGroup({ applicationName: 'app', deploymentGroupName: 'g', onPremisesTagSets: [[{ Key: 'site', Value: 'a' }]] });
  const { deploymentId } = await cd.createDeployment({ applicationName: 'app', deploymentGroupName: 'g', revision: { bucket: 'b', key: 'k', bundleType: 'zip' } });
  cd.progress(deploymentId, 'Succeeded', { 'pi-000': 'Succeeded', 'pi-002': 'Failed' });
  world.iot().shadows.set('pi-000', {
    state: { reported: { health: { verdict: 'degraded', checks: { disk: { status: 'warn' }, cpu: { status: 'ok' } } }, agent: { version: '1.2.3' } } },
    metadata: { reported: { health: { verdict: { timestamp: 1_900_000_000 } } } },
  });
  const rows = await fleetStatus(aws, await describeDevices(aws, ['pi-000', 'pi-001', 'pi-002']), { deployments: 25, concurrency: 2 });
  t.match(rows[0], { name: 'pi-000', lastDeployment: { deploymentId, deploymentStatus: 'Succeeded', instanceStatus: 'Succeeded' }, health: { verdict: 'degraded', failing: ['disk'], agentVersion: '1.2.3' } });
  t.match(rows[1], { name: 'pi-001', health: null });
  t.notOk(rows[1]?.lastDeployment, 'not a target of the deployment');
  t.match(rows[2], { lastDeployment: { instanceStatus: 'Failed' }, health: null });
});

t.test('status without IoT in the account: no health column, no failure', async (t) => {
  const { aws, world } = await fleet(1);
  world.faults.inject({ operation: 'iot.DescribeEndpoint', fault: 'access-denied', times: Infinity });
  const rows = await fleetStatus(aws, await describeDevices(aws, ['pi-000']), { deployments: 5, concurrency: 1 });
  t.equal(rows[0]?.health, null);
});

t.test('a shadow read that fails for another reason is an error, not "no health"', async (t) => {
  const { aws, world } = await fleet(1);
  world.faults.inject({ operation: 'iotdata.GetThingShadow', fault: 'access-denied' });
  await t.rejects(shadowHealth(aws, 'pi-000'), { code: 'AWS_ACCESS_DENIED' });
  t.equal(await shadowHealth(aws, 'pi-000'), null, 'no shadow: null');
});

t.test('healthFromShadow: an empty document is unknown', async (t) => {
  t.same(healthFromShadow({}), { verdict: 'unknown', failing: [] });
});
