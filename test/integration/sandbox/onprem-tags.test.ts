// On-premises registration and tags through the whole sandbox with the real
// @aws-sdk/client-codedeploy: the validation and exceptions of CodeDeploy's API reference, that a
// failed tag call changes nothing, and what deregistration keeps and drops.
import t, { type Test } from 'tap';
import {
  AddTagsToOnPremisesInstancesCommand,
  BatchGetOnPremisesInstancesCommand,
  CodeDeployClient,
  DeregisterOnPremisesInstanceCommand,
  GetOnPremisesInstanceCommand,
  ListOnPremisesInstancesCommand,
  RegisterOnPremisesInstanceCommand,
  RemoveTagsFromOnPremisesInstancesCommand,
  type CodeDeployServiceException,
  type Tag,
} from '@aws-sdk/client-codedeploy';
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const cfg = (sb: Sandbox) => ({ endpoint: sb.url, region: sb.region, maxAttempts: 1, credentials: { accessKeyId: sb.root.accessKeyId, secretAccessKey: sb.root.secretAccessKey } });
const USER = (name: string) => `arn:aws:iam::111111111111:user/AWS/CodeDeploy/${name}`;

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as CodeDeployServiceException).name;
  }
  return 'succeeded';
}

async function fleet(t: Test, names: string[]): Promise<{ cd: CodeDeployClient; sb: Sandbox; tagsOf: (name: string) => Promise<Tag[] | undefined> }> {
  const sb = await startSandbox({});
  t.teardown(() => sb.close());
  const cd = new CodeDeployClient(cfg(sb));
  const iam = new IAMClient(cfg(sb));
  for (const name of names) {
    const user = await iam.send(new CreateUserCommand({ UserName: name, Path: '/AWS/CodeDeploy/' }));
    await cd.send(new RegisterOnPremisesInstanceCommand({ instanceName: name, iamUserArn: user.User!.Arn! }));
  }
  const tagsOf = async (name: string) => (await cd.send(new GetOnPremisesInstanceCommand({ instanceName: name }))).instanceInfo?.tags;
  return { cd, sb, tagsOf };
}

t.test('add and remove tags: limits and validation, all or nothing', async (t) => {
  const names = Array.from({ length: 11 }, (_, i) => `pi-${String(i).padStart(2, '0')}`);
  const { cd, tagsOf } = await fleet(t, names);
  const add = (instanceNames: string[] | undefined, tags: Tag[] | undefined) => code(cd.send(new AddTagsToOnPremisesInstancesCommand({ instanceNames, tags } as never)));
  const remove = (instanceNames: string[], tags: Tag[]) => code(cd.send(new RemoveTagsFromOnPremisesInstancesCommand({ instanceNames, tags })));

  t.equal(await add(names.slice(0, 10), [{ Key: 'fleet', Value: 'air' }]), 'succeeded', 'ten instances in one call');
  t.same(await tagsOf('pi-09'), [{ Key: 'fleet', Value: 'air' }]);
  t.equal(await add(names, [{ Key: 'fleet', Value: 'air' }]), 'InstanceLimitExceededException', 'eleven instances');
  t.equal(await add(undefined, [{ Key: 'k', Value: 'v' }]), 'InstanceNameRequiredException');
  t.equal(await add(['pi-00'], undefined), 'TagRequiredException');
  t.equal(await add(['pi-00'], [{ Key: 'k'.repeat(129), Value: 'v' }]), 'InvalidTagException');
  t.equal(await add(['pi-00'], [{ Key: 'k', Value: 'v'.repeat(257) }]), 'InvalidTagException');
  t.equal(await add(['no such name!'], [{ Key: 'k', Value: 'v' }]), 'InvalidInstanceNameException');

  const nine = Array.from({ length: 9 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
  t.equal(await add(['pi-00'], nine), 'succeeded', 'ten tags on one instance');
  t.equal(await add(['pi-01', 'pi-00'], [{ Key: 'extra', Value: 'v' }]), 'TagLimitExceededException', 'an eleventh tag on pi-00');
  t.same(await tagsOf('pi-01'), [{ Key: 'fleet', Value: 'air' }], 'nothing applied to pi-01 either');
  t.equal(await add(['pi-00'], [{ Key: 'k0', Value: 'replaced' }]), 'succeeded', 'replacing a key does not count twice');
  t.equal(await add(['pi-01', 'ghost'], [{ Key: 'extra', Value: 'v' }]), 'InstanceNotRegisteredException');
  t.same(await tagsOf('pi-01'), [{ Key: 'fleet', Value: 'air' }], 'nothing applied when one name is unknown');

  t.equal(await remove(['pi-01', 'pi-02'], [{ Key: 'fleet', Value: 'air' }]), 'succeeded');
  t.same(await tagsOf('pi-01'), []);
  t.equal(await remove(['pi-00'], [{ Key: 'k0', Value: 'not-the-value' }]), 'succeeded');
  t.match(await tagsOf('pi-00'), [{ Key: 'fleet' }, { Key: 'k0', Value: 'replaced' }], 'a different value removes nothing');
  t.equal(await remove(names, [{ Key: 'fleet', Value: 'air' }]), 'InstanceLimitExceededException');
  t.equal(await remove(['ghost'], [{ Key: 'fleet', Value: 'air' }]), 'InstanceNotRegisteredException');
});

t.test('registration conflicts, deregistration, batch get and listing by status and tags', async (t) => {
  const { cd, sb, tagsOf } = await fleet(t, ['pi-a', 'pi-b', 'pi-c']);
  const register = (instanceName: string, iamUserArn: string) => code(cd.send(new RegisterOnPremisesInstanceCommand({ instanceName, iamUserArn })));
  t.equal(await register('pi-a', USER('someone-else')), 'InstanceNameAlreadyRegisteredException');
  t.equal(await register('pi-z', USER('pi-a')), 'IamUserArnAlreadyRegisteredException');
  t.equal(await register('pi-z', 'arn:aws:iam::111111111111:role/pi'), 'InvalidIamUserArnException');

  await cd.send(new AddTagsToOnPremisesInstancesCommand({ instanceNames: ['pi-a', 'pi-b', 'pi-c'], tags: [{ Key: 'fleet', Value: 'air' }] }));
  await cd.send(new DeregisterOnPremisesInstanceCommand({ instanceName: 'pi-b' }));
  t.equal(await code(cd.send(new DeregisterOnPremisesInstanceCommand({ instanceName: 'pi-b' }))), 'succeeded', 'deregistering twice is harmless');
  t.equal(await code(cd.send(new DeregisterOnPremisesInstanceCommand({ instanceName: 'never-known' }))), 'succeeded', 'as is an unknown name');
  const gone = (await cd.send(new GetOnPremisesInstanceCommand({ instanceName: 'pi-b' }))).instanceInfo!;
  t.type(gone.deregisterTime, Date, 'the record stays, with deregisterTime');
  t.same(gone.tags, [], 'deregistering removes the instance tags');
  t.equal(await code(cd.send(new AddTagsToOnPremisesInstancesCommand({ instanceNames: ['pi-b'], tags: [{ Key: 'k', Value: 'v' }] }))), 'InstanceNotRegisteredException');

  const list = async (input: { registrationStatus?: 'Registered' | 'Deregistered'; tagFilters?: { Key: string; Value: string; Type: 'KEY_AND_VALUE' }[] }) =>
    (await cd.send(new ListOnPremisesInstancesCommand(input))).instanceNames;
  const air = [{ Key: 'fleet', Value: 'air', Type: 'KEY_AND_VALUE' as const }];
  t.same(await list({ registrationStatus: 'Deregistered' }), ['pi-b']);
  t.same(await list({ registrationStatus: 'Registered', tagFilters: air }), ['pi-a', 'pi-c']);
  t.same(await list({ tagFilters: air }), ['pi-a', 'pi-c']);
  t.same(await list({}), ['pi-a', 'pi-b', 'pi-c']);
  t.equal(await code(cd.send(new ListOnPremisesInstancesCommand({ registrationStatus: 'Gone' as never }))), 'InvalidRegistrationStatusException');

  const batch = await cd.send(new BatchGetOnPremisesInstancesCommand({ instanceNames: ['pi-c', 'pi-b', 'ghost'] }));
  t.same(batch.instanceInfos?.map((i) => [i.instanceName, i.deregisterTime instanceof Date]), [['pi-c', false], ['pi-b', true]], 'unknown names are left out');
  const hundred = Array.from({ length: 100 }, (_, i) => `n-${i}`);
  t.same((await cd.send(new BatchGetOnPremisesInstancesCommand({ instanceNames: hundred }))).instanceInfos, [], 'a hundred names are allowed');
  t.equal(await code(cd.send(new BatchGetOnPremisesInstancesCommand({ instanceNames: [...hundred, 'n-100'] }))), 'BatchLimitExceededException');
  t.equal(await code(cd.send(new BatchGetOnPremisesInstancesCommand({} as never))), 'InstanceNameRequiredException');
  t.equal(await code(cd.send(new BatchGetOnPremisesInstancesCommand({ instanceNames: ['bad name!'] }))), 'InvalidInstanceNameException');

  t.equal(await register('pi-b2', USER('pi-b')), 'succeeded', "a deregistered instance's IAM user may register a new instance");
  t.same(await tagsOf('pi-b2'), []);
  t.ok(sb.limits.stats()['codedeploy:RegisterOnPremisesInstance']?.served, 'calls are counted even without limits');
});
