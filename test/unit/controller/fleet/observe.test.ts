import t from 'tap';
import { batchGetInstances, observeThing, observeUser, toObservedInstance, unlessMissing } from '../../../../controller/fleet/observe.js';
import { EdgeError } from '../../../../shared/errors.js';
import { fakePool } from '../../../fakes/aws/pool.js';

t.test('batchGetInstances: 100 names a call, every name found once', async (t) => {
  const { pool, world } = fakePool();
  const cd = world.codedeploy();
  const names = Array.from({ length: 150 }, (_, i) => `pi-${i}`);
  for (const n of names) await cd.registerOnPremisesInstance({ instanceName: n, iamSessionArn: `arn:aws:sts::111111111111:assumed-role/e/${n}` });
  const got = await batchGetInstances(pool.session(), [...names, 'pi-1', 'nosuch']);
  t.equal(got.size, 150);
  t.equal(pool.stats.calls['codedeploy.BatchGetOnPremisesInstances'], 2);
  t.same(toObservedInstance(got.get('pi-1')!), { registered: true, arn: 'arn:aws:sts::111111111111:assumed-role/e/pi-1', tags: [] });
});

t.test('observeThing: missing, then with its certificates and groups', async (t) => {
  const { pool, world } = fakePool();
  const aws = pool.session();
  t.same(await observeThing(aws, { name: 'pi-1', thingGroup: 'lab' }), { exists: false, principals: [], groups: [] });
  const iot = world.iot();
  await iot.createThing('pi-1');
  await iot.createThingGroup('lab');
  await iot.addThingToThingGroup('pi-1', 'lab');
  const c = await iot.createKeysAndCertificate(true);
  await iot.attachThingPrincipal('pi-1', c.certificateArn);
  t.same(await observeThing(aws, { name: 'pi-1', thingGroup: 'lab' }), { exists: true, principals: [c.certificateArn], groups: ['lab'] });
  t.same((await observeThing(aws, { name: 'pi-1' })).groups, [], 'groups are read only when the device names one');
});

t.test('observeUser: missing, without the policy, with keys and policy', async (t) => {
  const { pool, world } = fakePool();
  const aws = pool.session();
  t.same(await observeUser(aws, 'pi-3'), { exists: false, accessKeyIds: [], policyPresent: false });
  const iam = world.iam();
  await iam.createUser('pi-3', '/edge-fleet/');
  t.same(await observeUser(aws, 'pi-3'), { exists: true, accessKeyIds: [], policyPresent: false });
  const k = await iam.createAccessKey('pi-3');
  await iam.putUserPolicy('pi-3', 'edge-agent-codedeploy', '{}');
  t.same(await observeUser(aws, 'pi-3'), { exists: true, accessKeyIds: [k.accessKeyId], policyPresent: true });
});

t.test('unlessMissing: only AWS_NOT_FOUND is an answer', async (t) => {
  t.equal(await unlessMissing(() => Promise.reject(new EdgeError('AWS_NOT_FOUND', 'x')), 'gone'), 'gone');
  await t.rejects(unlessMissing(() => Promise.reject(new EdgeError('AWS_ACCESS_DENIED', 'no')), 'gone'), { code: 'AWS_ACCESS_DENIED' });
});
