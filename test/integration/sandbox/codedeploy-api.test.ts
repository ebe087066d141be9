// The sandbox's CodeDeploy API (applications, deployment groups and configs, on-premises instances
// and tags, revisions) through the real @aws-sdk/client-codedeploy over HTTP, error cases included.
import t from 'tap';
import {
  AddTagsToOnPremisesInstancesCommand,
  BatchGetApplicationsCommand,
  BatchGetDeploymentGroupsCommand,
  BatchGetOnPremisesInstancesCommand,
  CreateApplicationCommand,
  CreateDeploymentConfigCommand,
  CreateDeploymentGroupCommand,
  DeleteApplicationCommand,
  DeleteDeploymentConfigCommand,
  DeleteDeploymentGroupCommand,
  DeregisterOnPremisesInstanceCommand,
  GetApplicationCommand,
  GetApplicationRevisionCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  GetOnPremisesInstanceCommand,
  ListApplicationRevisionsCommand,
  ListApplicationsCommand,
  ListDeploymentConfigsCommand,
  ListDeploymentGroupsCommand,
  ListOnPremisesInstancesCommand,
  RegisterApplicationRevisionCommand,
  RegisterOnPremisesInstanceCommand,
  RemoveTagsFromOnPremisesInstancesCommand,
  UpdateDeploymentGroupCommand,
} from '@aws-sdk/client-codedeploy';
import { PIPELINE_ACCOUNT_ID } from '../../../sandbox/constants.js';
import { REGION, ROLE_ARN, rejectsWith, s3Revision, startCodeDeploy } from './codedeploy-harness.js';

const USER = (name: string) => `arn:aws:iam::${PIPELINE_ACCOUNT_ID}:user/${name}`;
const SESSION = (name: string) => `arn:aws:sts::${PIPELINE_ACCOUNT_ID}:assumed-role/EdgeDevice/${name}`;

t.test('applications', async (t) => {
  const { cd } = await startCodeDeploy(t);
  const created = await cd.send(new CreateApplicationCommand({ applicationName: 'air-quality' }));
  t.match(created.applicationId, /^[0-9a-f-]{36}$/);
  await rejectsWith(t, cd.send(new CreateApplicationCommand({ applicationName: 'air-quality' })), 'ApplicationAlreadyExistsException');
  await rejectsWith(t, cd.send(new CreateApplicationCommand({ applicationName: 'fn', computePlatform: 'Lambda' })), 'InvalidComputePlatformException');
  await rejectsWith(t, cd.send(new CreateApplicationCommand({ applicationName: 'x'.repeat(101) })), 'InvalidApplicationNameException');
  const got = await cd.send(new GetApplicationCommand({ applicationName: 'air-quality' }));
  t.match(got.application, { applicationId: created.applicationId, applicationName: 'air-quality', computePlatform: 'Server', linkedToGitHub: false });
  t.type(got.application?.createTime, Date);
  await rejectsWith(t, cd.send(new GetApplicationCommand({ applicationName: 'nope' })), 'ApplicationDoesNotExistException');
  await cd.send(new CreateApplicationCommand({ applicationName: 'water' }));
  t.same((await cd.send(new ListApplicationsCommand({}))).applications, ['air-quality', 'water']);
  const batch = await cd.send(new BatchGetApplicationsCommand({ applicationNames: ['water', 'air-quality'] }));
  t.same(batch.applicationsInfo?.map((a) => a.applicationName), ['water', 'air-quality']);

  await cd.send(new CreateDeploymentGroupCommand({ applicationName: 'water', deploymentGroupName: 'g', serviceRoleArn: ROLE_ARN }));
  await cd.send(new DeleteApplicationCommand({ applicationName: 'water' }));
  await cd.send(new DeleteApplicationCommand({ applicationName: 'water' }));
  t.same((await cd.send(new ListApplicationsCommand({}))).applications, ['air-quality']);
  await cd.send(new CreateApplicationCommand({ applicationName: 'water' }));
  t.same((await cd.send(new ListDeploymentGroupsCommand({ applicationName: 'water' }))).deploymentGroups, [], 'groups went with the application');
});

t.test('deployment configurations', async (t) => {
  const { cd } = await startCodeDeploy(t);
  const get = async (name: string) => (await cd.send(new GetDeploymentConfigCommand({ deploymentConfigName: name }))).deploymentConfigInfo;
  t.match(await get('CodeDeployDefault.OneAtATime'), { minimumHealthyHosts: { type: 'MOST_CONCURRENCY', value: 1 }, computePlatform: 'Server' });
  t.match(await get('CodeDeployDefault.HalfAtATime'), { minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 } });
  t.match(await get('CodeDeployDefault.AllAtOnce'), { minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 } });
  await rejectsWith(t, get('Nope'), 'DeploymentConfigDoesNotExistException');

  const created = await cd.send(new CreateDeploymentConfigCommand({ deploymentConfigName: 'ThreeQuarters', minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 75 } }));
  t.match(await get('ThreeQuarters'), { deploymentConfigId: created.deploymentConfigId, minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 75 } });
  const create = (name: string, type: 'HOST_COUNT' | 'FLEET_PERCENT', value: number) =>
    cd.send(new CreateDeploymentConfigCommand({ deploymentConfigName: name, minimumHealthyHosts: { type, value } }));
  await rejectsWith(t, create('ThreeQuarters', 'HOST_COUNT', 1), 'DeploymentConfigAlreadyExistsException');
  await rejectsWith(t, create('CodeDeployDefault.Mine', 'HOST_COUNT', 1), 'InvalidDeploymentConfigNameException');
  await rejectsWith(t, create('All', 'FLEET_PERCENT', 100), 'InvalidMinimumHealthyHostValueException');
  await rejectsWith(t, create('Negative', 'HOST_COUNT', -1), 'InvalidMinimumHealthyHostValueException');
  await rejectsWith(t, cd.send(new CreateDeploymentConfigCommand({ deploymentConfigName: 'None' })), 'InvalidMinimumHealthyHostValueException');
  t.same((await cd.send(new ListDeploymentConfigsCommand({}))).deploymentConfigsList, [
    'CodeDeployDefault.OneAtATime',
    'CodeDeployDefault.HalfAtATime',
    'CodeDeployDefault.AllAtOnce',
    'ThreeQuarters',
  ]);

  await cd.send(new CreateApplicationCommand({ applicationName: 'app' }));
  await cd.send(new CreateDeploymentGroupCommand({ applicationName: 'app', deploymentGroupName: 'g', serviceRoleArn: ROLE_ARN, deploymentConfigName: 'ThreeQuarters' }));
  await rejectsWith(t, cd.send(new DeleteDeploymentConfigCommand({ deploymentConfigName: 'ThreeQuarters' })), 'DeploymentConfigInUseException');
  await rejectsWith(t, cd.send(new DeleteDeploymentConfigCommand({ deploymentConfigName: 'CodeDeployDefault.AllAtOnce' })), 'InvalidOperationException');
  await cd.send(new DeleteDeploymentGroupCommand({ applicationName: 'app', deploymentGroupName: 'g' }));
  await cd.send(new DeleteDeploymentConfigCommand({ deploymentConfigName: 'ThreeQuarters' }));
  await rejectsWith(t, get('ThreeQuarters'), 'DeploymentConfigDoesNotExistException');
});

t.test('deployment groups', async (t) => {
  const { cd } = await startCodeDeploy(t);
  await cd.send(new CreateApplicationCommand({ applicationName: 'app' }));
  const tagSet = { onPremisesTagSetList: [[{ Key: 'fleet', Value: 'air', Type: 'KEY_AND_VALUE' as const }], [{ Key: 'stage', Type: 'KEY_ONLY' as const }]] };
  const created = await cd.send(
    new CreateDeploymentGroupCommand({
      applicationName: 'app',
      deploymentGroupName: 'pilot',
      serviceRoleArn: ROLE_ARN,
      onPremisesTagSet: tagSet,
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    }),
  );
  t.match(created.deploymentGroupId, /^[0-9a-f-]{36}$/);
  const info = (await cd.send(new GetDeploymentGroupCommand({ applicationName: 'app', deploymentGroupName: 'pilot' }))).deploymentGroupInfo;
  t.match(info, {
    applicationName: 'app',
    deploymentGroupId: created.deploymentGroupId,
    deploymentGroupName: 'pilot',
    deploymentConfigName: 'CodeDeployDefault.OneAtATime',
    serviceRoleArn: ROLE_ARN,
    onPremisesTagSet: tagSet,
    onPremisesInstanceTagFilters: [],
    autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
    computePlatform: 'Server',
  });

  const base = { applicationName: 'app', serviceRoleArn: ROLE_ARN };
  const filter = { Key: 'fleet', Value: 'air', Type: 'KEY_AND_VALUE' as const };
  const bad: [string, Record<string, unknown>, string][] = [
    ['duplicate', { deploymentGroupName: 'pilot' }, 'DeploymentGroupAlreadyExistsException'],
    ['no role', { deploymentGroupName: 'x', serviceRoleArn: undefined }, 'RoleRequiredException'],
    ['bad role', { deploymentGroupName: 'x', serviceRoleArn: 'admin' }, 'InvalidRoleException'],
    ['no app', { deploymentGroupName: 'x', applicationName: 'nope' }, 'ApplicationDoesNotExistException'],
    ['no name', { deploymentGroupName: undefined }, 'DeploymentGroupNameRequiredException'],
    ['unknown config', { deploymentGroupName: 'x', deploymentConfigName: 'Nope' }, 'DeploymentConfigDoesNotExistException'],
    ['filters and tag set', { deploymentGroupName: 'x', onPremisesInstanceTagFilters: [filter], onPremisesTagSet: { onPremisesTagSetList: [[filter]] } }, 'InvalidOnPremisesTagCombinationException'],
    ['4 tag groups', { deploymentGroupName: 'x', onPremisesTagSet: { onPremisesTagSetList: [[filter], [filter], [filter], [filter]] } }, 'TagSetListLimitExceededException'],
    ['bad filter type', { deploymentGroupName: 'x', onPremisesInstanceTagFilters: [{ Key: 'a', Type: 'KEY_OR_VALUE' }] }, 'InvalidTagException'],
    ['rollback without events', { deploymentGroupName: 'x', autoRollbackConfiguration: { enabled: true, events: [] } }, 'InvalidAutoRollbackConfigException'],
    ['blue/green', { deploymentGroupName: 'x', deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' } }, 'InvalidDeploymentStyleException'],
    ['auto scaling', { deploymentGroupName: 'x', autoScalingGroups: ['asg'] }, 'InvalidAutoScalingGroupException'],
  ];
  for (const [name, input, code] of bad) {
    t.comment(name);
    await rejectsWith(t, cd.send(new CreateDeploymentGroupCommand({ ...base, ...input } as never)), code);
  }

  await cd.send(
    new UpdateDeploymentGroupCommand({
      applicationName: 'app',
      currentDeploymentGroupName: 'pilot',
      newDeploymentGroupName: 'fleet',
      deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
      onPremisesTagSet: { onPremisesTagSetList: [] },
      onPremisesInstanceTagFilters: [filter],
    }),
  );
  await rejectsWith(t, cd.send(new GetDeploymentGroupCommand({ applicationName: 'app', deploymentGroupName: 'pilot' })), 'DeploymentGroupDoesNotExistException');
  const renamed = (await cd.send(new GetDeploymentGroupCommand({ applicationName: 'app', deploymentGroupName: 'fleet' }))).deploymentGroupInfo;
  t.match(renamed, { deploymentGroupId: created.deploymentGroupId, deploymentConfigName: 'CodeDeployDefault.HalfAtATime', onPremisesInstanceTagFilters: [filter] });
  await rejectsWith(
    t,
    cd.send(new UpdateDeploymentGroupCommand({ applicationName: 'app', currentDeploymentGroupName: 'fleet', onPremisesTagSet: { onPremisesTagSetList: [[filter]] } })),
    'InvalidOnPremisesTagCombinationException',
  );
  await cd.send(new CreateDeploymentGroupCommand({ ...base, deploymentGroupName: 'canary' }));
  t.same((await cd.send(new ListDeploymentGroupsCommand({ applicationName: 'app' }))).deploymentGroups, ['canary', 'fleet']);
  const batch = await cd.send(new BatchGetDeploymentGroupsCommand({ applicationName: 'app', deploymentGroupNames: ['fleet', 'ghost'] }));
  t.same(batch.deploymentGroupsInfo?.map((g) => g.deploymentGroupName), ['fleet']);
  t.match(batch.errorMessage, /ghost/);
  await cd.send(new DeleteDeploymentGroupCommand({ applicationName: 'app', deploymentGroupName: 'canary' }));
  t.same((await cd.send(new ListDeploymentGroupsCommand({ applicationName: 'app' }))).deploymentGroups, ['fleet']);
});

t.test('on-premises instance registration', async (t) => {
  const { cd, service, store } = await startCodeDeploy(t);
  await cd.send(new RegisterOnPremisesInstanceCommand({ instanceName: 'pi-01', iamUserArn: USER('pi-01') }));
  await cd.send(new RegisterOnPremisesInstanceCommand({ instanceName: 'pi-02', iamSessionArn: SESSION('pi-02') }));
  const info = (await cd.send(new GetOnPremisesInstanceCommand({ instanceName: 'pi-01' }))).instanceInfo;
  t.match(info, { instanceName: 'pi-01', iamUserArn: USER('pi-01'), tags: [] });
  t.match(info?.instanceArn, new RegExp(`^arn:aws:codedeploy:${REGION}:${PIPELINE_ACCOUNT_ID}:instance/pi-01_[A-Za-z0-9]{10}$`));
  t.type(info?.registerTime, Date);
  t.notOk(info?.deregisterTime);

  const reg = (input: Record<string, string>) => cd.send(new RegisterOnPremisesInstanceCommand(input as never));
  await rejectsWith(t, reg({ instanceName: 'pi-01', iamUserArn: USER('other') }), 'InstanceNameAlreadyRegisteredException');
  await rejectsWith(t, reg({ instanceName: 'pi-03', iamUserArn: USER('pi-01') }), 'IamUserArnAlreadyRegisteredException');
  await rejectsWith(t, reg({ instanceName: 'pi-03', iamSessionArn: SESSION('pi-02') }), 'IamSessionArnAlreadyRegisteredException');
  await rejectsWith(t, reg({ instanceName: 'pi-03', iamUserArn: USER('a'), iamSessionArn: SESSION('b') }), 'MultipleIamArnsProvidedException');
  await rejectsWith(t, reg({ instanceName: 'pi-03' }), 'IamArnRequiredException');
  await rejectsWith(t, reg({ instanceName: 'bad name!', iamUserArn: USER('x') }), 'InvalidInstanceNameException');
  await rejectsWith(t, reg({ instanceName: 'pi-03', iamUserArn: 'arn:aws:iam::1:role/x' }), 'InvalidIamUserArnException');
  await rejectsWith(t, reg({ instanceName: 'pi-03', iamSessionArn: USER('x') }), 'InvalidIamSessionArnException');
  await rejectsWith(t, cd.send(new GetOnPremisesInstanceCommand({ instanceName: 'ghost' })), 'InstanceNotRegisteredException');

  t.same(service.instances.findByArn(PIPELINE_ACCOUNT_ID, REGION, SESSION('pi-02')), {
    instanceName: 'pi-02',
    instanceArn: (await cd.send(new GetOnPremisesInstanceCommand({ instanceName: 'pi-02' }))).instanceInfo?.instanceArn,
  });
  t.equal(service.instances.findByArn(PIPELINE_ACCOUNT_ID, 'us-east-1', SESSION('pi-02')), undefined, 'per region');
  t.equal(service.instances.findByArn('222222222222', REGION, SESSION('pi-02')), undefined, 'per account');
  t.same(store.docs('codedeploy').map((d) => d.accountId), [PIPELINE_ACCOUNT_ID], 'a lookup creates no state');

  await cd.send(new DeregisterOnPremisesInstanceCommand({ instanceName: 'pi-01' }));
  t.type((await cd.send(new GetOnPremisesInstanceCommand({ instanceName: 'pi-01' }))).instanceInfo?.deregisterTime, Date, 'still visible, deregistered');
  t.equal(service.instances.findByArn(PIPELINE_ACCOUNT_ID, REGION, USER('pi-01')), undefined);
  const list = async (registrationStatus?: 'Registered' | 'Deregistered') => (await cd.send(new ListOnPremisesInstancesCommand({ registrationStatus }))).instanceNames;
  t.same(await list('Registered'), ['pi-02']);
  t.same(await list('Deregistered'), ['pi-01']);
  t.same(await list(), ['pi-01', 'pi-02']);

  await cd.send(new RegisterOnPremisesInstanceCommand({ instanceName: 'pi-01', iamUserArn: USER('pi-01') }));
  t.notOk((await cd.send(new GetOnPremisesInstanceCommand({ instanceName: 'pi-01' }))).instanceInfo?.deregisterTime, 'a deregistered name registers again');
  t.equal(service.instances.findByArn(PIPELINE_ACCOUNT_ID, REGION, USER('pi-01'))?.instanceName, 'pi-01');

  const batch = await cd.send(new BatchGetOnPremisesInstancesCommand({ instanceNames: ['pi-02', 'ghost', 'pi-01'] }));
  t.same(batch.instanceInfos?.map((i) => i.instanceName), ['pi-02', 'pi-01']);
  const many = Array.from({ length: 101 }, (_, i) => `pi-${i}`);
  await rejectsWith(t, cd.send(new BatchGetOnPremisesInstancesCommand({ instanceNames: many })), 'BatchLimitExceededException');
});

t.test('instance tags and listing by tag filters, paginated', async (t) => {
  const { cd } = await startCodeDeploy(t);
  for (const name of ['pi-a', 'pi-b', 'pi-c']) await cd.send(new RegisterOnPremisesInstanceCommand({ instanceName: name, iamUserArn: USER(name) }));
  const add = (instanceNames: string[], tags: { Key: string; Value?: string }[]) => cd.send(new AddTagsToOnPremisesInstancesCommand({ instanceNames, tags }));
  await add(['pi-a', 'pi-b'], [{ Key: 'fleet', Value: 'air' }]);
  await add(['pi-c'], [{ Key: 'fleet', Value: 'water' }, { Key: 'site', Value: 'air' }]);
  await add(['pi-a'], [{ Key: 'fleet', Value: 'air2' }]);
  t.same((await cd.send(new GetOnPremisesInstanceCommand({ instanceName: 'pi-a' }))).instanceInfo?.tags, [{ Key: 'fleet', Value: 'air2' }], 'same key replaces');

  const byTags = async (tagFilters: { Key?: string; Value?: string; Type: 'KEY_ONLY' | 'VALUE_ONLY' | 'KEY_AND_VALUE' }[]) =>
    (await cd.send(new ListOnPremisesInstancesCommand({ tagFilters }))).instanceNames;
  t.same(await byTags([{ Key: 'site', Type: 'KEY_ONLY' }]), ['pi-c']);
  t.same(await byTags([{ Value: 'air', Type: 'VALUE_ONLY' }]), ['pi-b', 'pi-c']);
  t.same(await byTags([{ Key: 'fleet', Value: 'air', Type: 'KEY_AND_VALUE' }]), ['pi-b']);
  t.same(await byTags([{ Key: 'fleet', Value: 'air', Type: 'KEY_AND_VALUE' }, { Key: 'fleet', Value: 'air2', Type: 'KEY_AND_VALUE' }]), ['pi-a', 'pi-b'], 'filters are ORed');

  await cd.send(new RemoveTagsFromOnPremisesInstancesCommand({ instanceNames: ['pi-c'], tags: [{ Key: 'site', Value: 'air' }] }));
  t.same((await cd.send(new GetOnPremisesInstanceCommand({ instanceName: 'pi-c' }))).instanceInfo?.tags, [{ Key: 'fleet', Value: 'water' }]);

  const eleven = Array.from({ length: 11 }, (_, i) => `pi-${i}`);
  await rejectsWith(t, add(eleven, [{ Key: 'k', Value: 'v' }]), 'InstanceLimitExceededException');
  const tenMore = Array.from({ length: 10 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
  await rejectsWith(t, add(['pi-b'], tenMore), 'TagLimitExceededException');
  await rejectsWith(t, add(['ghost'], [{ Key: 'k', Value: 'v' }]), 'InstanceNotRegisteredException');
  await rejectsWith(t, add(['pi-a'], []), 'TagRequiredException');
  await rejectsWith(t, add([], [{ Key: 'k' }]), 'InstanceNameRequiredException');
  await rejectsWith(t, add(['pi-a'], [{ Key: '' }]), 'InvalidTagException');
  await rejectsWith(t, cd.send(new RemoveTagsFromOnPremisesInstancesCommand({ instanceNames: eleven, tags: [{ Key: 'k' }] })), 'InstanceLimitExceededException');

  for (let i = 0; i < 102; i++) {
    const name = `node-${String(i).padStart(3, '0')}`;
    await cd.send(new RegisterOnPremisesInstanceCommand({ instanceName: name, iamUserArn: USER(name) }));
  }
  const first = await cd.send(new ListOnPremisesInstancesCommand({ registrationStatus: 'Registered' }));
  t.equal(first.instanceNames?.length, 100);
  t.ok(first.nextToken);
  const second = await cd.send(new ListOnPremisesInstancesCommand({ registrationStatus: 'Registered', nextToken: first.nextToken }));
  t.equal(second.instanceNames?.length, 5);
  t.notOk(second.nextToken);
  t.equal(new Set([...(first.instanceNames ?? []), ...(second.instanceNames ?? [])]).size, 105);
  await rejectsWith(t, cd.send(new ListOnPremisesInstancesCommand({ nextToken: 'garbage' })), 'InvalidNextTokenException');
  await rejectsWith(t, cd.send(new ListOnPremisesInstancesCommand({ registrationStatus: 'Deregistered', nextToken: first.nextToken })), 'InvalidNextTokenException');
});

t.test('application revisions', async (t) => {
  const { cd } = await startCodeDeploy(t);
  await cd.send(new CreateApplicationCommand({ applicationName: 'app' }));
  const revision = { revisionType: 'S3' as const, s3Location: { bucket: 'releases', key: 'app-1.0.tgz', bundleType: 'tgz' as const, eTag: '"abc"' } };
  await cd.send(new RegisterApplicationRevisionCommand({ applicationName: 'app', revision, description: 'first' }));
  const got = await cd.send(new GetApplicationRevisionCommand({ applicationName: 'app', revision: { ...revision, s3Location: { ...revision.s3Location, eTag: 'abc' } } }));
  t.match(got, { applicationName: 'app', revision, revisionInfo: { description: 'first', deploymentGroups: [] } });
  t.type(got.revisionInfo?.registerTime, Date);
  t.notOk(got.revisionInfo?.firstUsedTime);
  await rejectsWith(t, cd.send(new GetApplicationRevisionCommand({ applicationName: 'app', revision: s3Revision('other.tgz') })), 'RevisionDoesNotExistException');
  await rejectsWith(t, cd.send(new GetApplicationRevisionCommand({ applicationName: 'nope', revision })), 'ApplicationDoesNotExistException');
  await rejectsWith(t, cd.send(new RegisterApplicationRevisionCommand({ applicationName: 'app', revision: undefined as never })), 'RevisionRequiredException');
  await rejectsWith(
    t,
    cd.send(new RegisterApplicationRevisionCommand({ applicationName: 'app', revision: { revisionType: 'GitHub', gitHubLocation: { repository: 'a/b', commitId: 'c' } } })),
    'InvalidRevisionException',
  );
  await rejectsWith(
    t,
    cd.send(new RegisterApplicationRevisionCommand({ applicationName: 'app', revision: { revisionType: 'S3', s3Location: { bucket: 'b', key: 'k', bundleType: 'YAML' } } })),
    'InvalidRevisionException',
  );
  await cd.send(new RegisterApplicationRevisionCommand({ applicationName: 'app', revision: s3Revision('other/app-2.0.zip', 'zip') }));
  const listed = await cd.send(new ListApplicationRevisionsCommand({ applicationName: 'app', s3KeyPrefix: 'other/' }));
  t.same(listed.revisions?.map((r) => r.s3Location?.key), ['other/app-2.0.zip']);
});
