import t from 'tap';
import { partitionOf, prepareFleet } from '../../../../controller/registration/setup.js';
import { fakePool } from '../../../fakes/aws/pool.js';
import { CA_PEM, ROLE_ARN, iotDevice, sessionDevice, userDevice } from './fixtures.js';

const settings = { roleAlias: 'edge', policyName: 'edge-agent-device', roleArn: ROLE_ARN };

t.test('IoT setup: role alias, policy and groups created once; a second run creates nothing', async (t) => {
  const { pool, world } = fakePool();
  const aws = pool.session();
  const first = await prepareFleet(aws, [iotDevice('a', 'lab'), iotDevice('b', 'lab')], settings, CA_PEM);
  t.same(first.actions, [`role alias edge created for ${ROLE_ARN}`, 'IoT policy edge-agent-device created', 'thing group lab created']);
  t.match(first, { accountId: '111111111111', iot: { roleArn: ROLE_ARN, dataEndpoint: /-ats\.iot\.eu-west-1\.amazonaws\.com$/, credentialsEndpoint: /credentials\.iot/ } });
  t.match(world.iot().policies.get('edge-agent-device')?.document, /rolealias\/edge/);
  const second = await prepareFleet(aws, [iotDevice('a', 'lab')], settings, CA_PEM);
  t.same(second.actions, []);
});

t.test('no IoT devices: only the account, and only when an IAM user is created', async (t) => {
  const { pool } = fakePool();
  const aws = pool.session();
  t.same(await prepareFleet(aws, [sessionDevice('a')], settings, undefined), { actions: [] });
  t.same(await prepareFleet(aws, [userDevice('u')], settings, undefined), { accountId: '111111111111', actions: [] });
});

t.test('what the user must fix is said: no CA, no role for a new alias, an alias pointing elsewhere', async (t) => {
  const { pool, world } = fakePool();
  const aws = pool.session();
  await t.rejects(prepareFleet(aws, [iotDevice('a')], settings, undefined), { code: 'CLI_USAGE', message: /--iot-ca/ });
  await t.rejects(prepareFleet(aws, [iotDevice('a')], { roleAlias: 'edge', policyName: 'p' }, CA_PEM), { code: 'FLEET_IOT_SETUP', message: /pass --iot-role-arn/ });
  await world.iot().createRoleAlias({ roleAlias: 'edge', roleArn: 'arn:aws:iam::111111111111:role/other' });
  await t.rejects(prepareFleet(aws, [iotDevice('a')], settings, CA_PEM), { code: 'FLEET_IOT_SETUP', message: /points to .*role\/other/ });
});

t.test('a policy created concurrently counts as done', async (t) => {
  const { pool, world } = fakePool();
  world.faults.inject({ operation: 'iot.CreatePolicy', fault: { name: 'ResourceAlreadyExistsException', status: 409 } });
  const r = await prepareFleet(pool.session(), [iotDevice('a')], settings, CA_PEM);
  t.notOk(r.actions.some((a) => a.includes('policy')));
});

t.test('partitions', async (t) => {
  t.equal(partitionOf('cn-north-1'), 'aws-cn');
  t.equal(partitionOf('us-gov-west-1'), 'aws-us-gov');
  t.equal(partitionOf('eu-west-1'), 'aws');
});
