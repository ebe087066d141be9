// CodeDeploy deployments in the sandbox: target resolution, minimum-healthy-hosts batching, per-host
// lifecycle events and diagnostics, observed through the real SDK; the hosts are a scripted
// HostCommandBroker.
import t from 'tap';
import {
  BatchGetDeploymentInstancesCommand,
  BatchGetDeploymentTargetsCommand,
  CreateDeploymentCommand,
  DeregisterOnPremisesInstanceCommand,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  GetDeploymentInstanceCommand,
  GetDeploymentTargetCommand,
  ListDeploymentInstancesCommand,
  ListDeploymentTargetsCommand,
  ListDeploymentsCommand,
  UpdateDeploymentGroupCommand,
} from '@aws-sdk/client-codedeploy';
import {
  LIFECYCLE,
  ScriptedBroker,
  createAppAndGroup,
  deploy,
  getDeployment,
  registerFleet,
  rejectsWith,
  s3Revision,
  startCodeDeploy,
  statuses,
  targets,
} from './codedeploy-harness.js';

t.test('two hosts, OneAtATime, the first host fails: Failed, the second is skipped', async (t) => {
  const { cd, broker, service } = await startCodeDeploy(t);
  await registerFleet(cd, { 'pi-a': { fleet: 'air' }, 'pi-b': { fleet: 'air' }, 'pi-x': { fleet: 'water' } });
  await createAppAndGroup(cd, 'app', 'air');
  broker.script('pi-a', { fail: { AfterInstall: { scriptName: 'scripts/migrate.sh', logTail: '[stderr]migration failed\n' } } });
  const id = await deploy(cd, 'app-1.0.tgz', { fileExistsBehavior: 'OVERWRITE', description: 'first' });
  t.match(id, /^d-[A-Z0-9]{9}$/);
  await service.idle();

  const info = await getDeployment(cd, id);
  t.match(info, {
    applicationName: 'app',
    deploymentGroupName: 'air',
    deploymentConfigName: 'CodeDeployDefault.OneAtATime',
    status: 'Failed',
    creator: 'user',
    description: 'first',
    fileExistsBehavior: 'OVERWRITE',
    deploymentOverview: { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 1, Skipped: 1, Ready: 0 },
    errorInformation: { code: 'HEALTH_CONSTRAINTS', message: /too many individual instances failed/ },
    revision: s3Revision('app-1.0.tgz'),
  });
  for (const field of ['createTime', 'startTime', 'completeTime'] as const) t.type(info?.[field], Date, field);
  t.notOk(info?.rollbackInfo, 'no auto-rollback configured');

  const byId = await targets(cd, id);
  t.same(Object.keys(byId).sort(), ['pi-a', 'pi-b'], 'only the tagged registered instances');
  const a = byId['pi-a']?.instanceTarget;
  t.equal(byId['pi-a']?.deploymentTargetType, 'InstanceTarget');
  t.match(a, { deploymentId: id, targetId: 'pi-a', targetArn: /^arn:aws:codedeploy:eu-west-1:111111111111:instance\/pi-a_/, status: 'Failed' });
  t.same(statuses(a?.lifecycleEvents), [
    'ApplicationStop:Succeeded',
    'DownloadBundle:Succeeded',
    'BeforeInstall:Succeeded',
    'Install:Succeeded',
    'AfterInstall:Failed',
    'ApplicationStart:Skipped',
    'ValidateService:Skipped',
  ]);
  const failed = a?.lifecycleEvents?.[4];
  t.match(failed?.diagnostics, { errorCode: 'ScriptFailed', scriptName: 'scripts/migrate.sh', logTail: '[stderr]migration failed\n', message: /exit code 1/ });
  t.type(failed?.startTime, Date);
  t.type(failed?.endTime, Date);
  t.same(a?.lifecycleEvents?.[0]?.diagnostics, { errorCode: 'Success', scriptName: '', message: 'Succeeded', logTail: '' });
  t.notOk(a?.lifecycleEvents?.[5]?.startTime, 'a skipped event never started');
  const b = byId['pi-b']?.instanceTarget;
  t.equal(b?.status, 'Skipped');
  t.same(statuses(b?.lifecycleEvents), LIFECYCLE.map((e) => `${e}:Skipped`));
  t.same(broker.commandsFor('pi-b'), [], 'pi-b never received a command');
  t.same(broker.commandsFor('pi-a'), LIFECYCLE.slice(0, 5), 'one command at a time, in lifecycle order, until the failure');

  const req = broker.requests[0];
  t.match(req, { accountId: '111111111111', region: 'eu-west-1', hostIdentifier: 'arn:aws:iam::111111111111:user/pi-a', instanceName: 'pi-a', deploymentId: id, pickupTimeoutMs: 1500, completionTimeoutMs: 4000 });
  const group = (await cd.send(new GetDeploymentGroupCommand({ applicationName: 'app', deploymentGroupName: 'air' }))).deploymentGroupInfo;
  t.same(req?.deploymentSpec, {
    DeploymentId: id,
    DeploymentGroupId: group?.deploymentGroupId,
    DeploymentGroupName: 'air',
    ApplicationName: 'app',
    DeploymentCreator: 'user',
    DeploymentType: 'IN_PLACE',
    AppSpecFilename: 'appspec.yml',
    Revision: { RevisionType: 'S3', S3Revision: { Bucket: 'releases', Key: 'app-1.0.tgz', BundleType: 'tgz' } },
    AgentActionOverrides: { AgentOverrides: { FileExistsBehavior: 'OVERWRITE' } },
    AllPossibleLifecycleEvents: [
      'BeforeBlockTraffic', 'AfterBlockTraffic', 'ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install',
      'AfterInstall', 'ApplicationStart', 'ValidateService', 'BeforeAllowTraffic', 'AfterAllowTraffic',
    ],
  });
  t.match(group, { lastAttemptedDeployment: { deploymentId: id, status: 'Failed' }, targetRevision: s3Revision('app-1.0.tgz') });
  t.notOk(group?.lastSuccessfulDeployment);

  // The legacy instance view and single-target calls.
  t.same((await cd.send(new ListDeploymentInstancesCommand({ deploymentId: id }))).instancesList, ['pi-a', 'pi-b']);
  t.same((await cd.send(new ListDeploymentInstancesCommand({ deploymentId: id, instanceStatusFilter: ['Skipped'] }))).instancesList, ['pi-b']);
  t.same((await cd.send(new ListDeploymentTargetsCommand({ deploymentId: id, targetFilters: { TargetStatus: ['Failed'] } }))).targetIds, ['pi-a']);
  const summaries = await cd.send(new BatchGetDeploymentInstancesCommand({ deploymentId: id, instanceIds: ['pi-a', 'pi-b'] }));
  t.match(summaries.instancesSummary, [{ deploymentId: id, instanceId: a?.targetArn, status: 'Failed' }, { status: 'Skipped' }]);
  t.match((await cd.send(new GetDeploymentInstanceCommand({ deploymentId: id, instanceId: 'pi-a' }))).instanceSummary, { status: 'Failed', lifecycleEvents: a?.lifecycleEvents });
  t.match((await cd.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: 'pi-b' }))).deploymentTarget?.instanceTarget, { status: 'Skipped' });
  await rejectsWith(t, cd.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: 'pi-x' })), 'DeploymentTargetDoesNotExistException');
  await rejectsWith(t, cd.send(new GetDeploymentInstanceCommand({ deploymentId: id, instanceId: 'pi-x' })), 'InstanceDoesNotExistException');
  const tooMany = Array.from({ length: 26 }, (_, i) => `pi-${i}`);
  await rejectsWith(t, cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId: id, targetIds: tooMany })), 'DeploymentTargetListSizeExceededException');
  await rejectsWith(t, cd.send(new GetDeploymentCommand({ deploymentId: 'd-AAAAAAAAA' })), 'DeploymentDoesNotExistException');
  await rejectsWith(t, cd.send(new GetDeploymentCommand({ deploymentId: 'nope' })), 'InvalidDeploymentIdException');

  const rev = await cd.send(new GetApplicationRevisionCommand({ applicationName: 'app', revision: s3Revision('app-1.0.tgz') }));
  t.match(rev.revisionInfo, { description: `Application revision registered by Deployment ID: ${id}`, deploymentGroups: ['air'] });
  t.type(rev.revisionInfo?.firstUsedTime, Date);
});

t.test('two hosts, OneAtATime, the last host fails: still Succeeded (AWS OneAtATime rule)', async (t) => {
  const { cd, broker, service } = await startCodeDeploy(t);
  await registerFleet(cd, { 'pi-a': { fleet: 'air' }, 'pi-b': { fleet: 'air' } });
  await createAppAndGroup(cd, 'app', 'air');
  broker.script('pi-b', { fail: { ValidateService: { errorCode: 'ScriptTimedOut', message: 'Script at specified location: scripts/check.sh failed to complete in 30 seconds' } } });
  const id = await deploy(cd, 'app-1.0.tgz');
  await service.idle();
  const info = await getDeployment(cd, id);
  t.match(info, { status: 'Succeeded', deploymentOverview: { Succeeded: 1, Failed: 1, Skipped: 0 } });
  t.notOk(info?.errorInformation);
  const byId = await targets(cd, id);
  t.equal(byId['pi-a']?.instanceTarget?.status, 'Succeeded');
  t.same(statuses(byId['pi-b']?.instanceTarget?.lifecycleEvents), [...LIFECYCLE.slice(0, 6).map((e) => `${e}:Succeeded`), 'ValidateService:Failed']);
  t.match(byId['pi-b']?.instanceTarget?.lifecycleEvents?.[6]?.diagnostics, { errorCode: 'ScriptTimedOut' });
  t.ok(broker.events.indexOf('pi-a ValidateService end') < broker.events.indexOf('pi-b ApplicationStop start'), 'strictly one host at a time');
  const group = (await cd.send(new GetDeploymentGroupCommand({ applicationName: 'app', deploymentGroupName: 'air' }))).deploymentGroupInfo;
  t.match(group, { lastSuccessfulDeployment: { deploymentId: id, status: 'Succeeded' }, lastAttemptedDeployment: { deploymentId: id, status: 'Succeeded' } });
  t.type(group?.lastSuccessfulDeployment?.endTime, Date);
});

t.test('HalfAtATime with 4 hosts: two at a time', async (t) => {
  const { cd, broker, service } = await startCodeDeploy(t, { broker: new ScriptedBroker(5) });
  await registerFleet(cd, { 'pi-1': { fleet: 'air' }, 'pi-2': { fleet: 'air' }, 'pi-3': { fleet: 'air' }, 'pi-4': { fleet: 'air' } });
  await createAppAndGroup(cd, 'app', 'air', { deploymentConfigName: 'CodeDeployDefault.HalfAtATime' });
  const id = await deploy(cd, 'app-1.0.tgz');
  await broker.dispatched('pi-1', 'ApplicationStop', id);
  await broker.dispatched('pi-2', 'ApplicationStop', id);
  const during = await getDeployment(cd, id);
  t.match(during, { status: 'InProgress', deploymentOverview: { InProgress: 2, Pending: 2 } });
  await service.idle();
  t.match(await getDeployment(cd, id), { status: 'Succeeded', deploymentOverview: { Succeeded: 4 } });
  t.equal(broker.maxActiveHosts, 2, 'never more than half the fleet at once');
  const firstEnd = Math.min(broker.events.indexOf('pi-1 ValidateService end'), broker.events.indexOf('pi-2 ValidateService end'));
  t.ok(firstEnd < broker.events.indexOf('pi-3 ApplicationStop start'), 'pi-3 starts after a host of the first batch is done');
  t.ok(broker.events.indexOf('pi-2 ApplicationStop start') < broker.events.indexOf('pi-1 ValidateService end'), 'pi-1 and pi-2 overlap');
});

t.test('HalfAtATime with 4 hosts, two failing in the first batch: Failed, the rest skipped', async (t) => {
  const { cd, broker, service } = await startCodeDeploy(t);
  await registerFleet(cd, { 'pi-1': { fleet: 'air' }, 'pi-2': { fleet: 'air' }, 'pi-3': { fleet: 'air' }, 'pi-4': { fleet: 'air' } });
  await createAppAndGroup(cd, 'app', 'air', { deploymentConfigName: 'CodeDeployDefault.HalfAtATime' });
  broker.script('pi-1', { fail: { DownloadBundle: { errorCode: 'UnknownError', scriptName: '', message: 'Access Denied' } } });
  broker.script('pi-2', { fail: { Install: {} } });
  const id = await deploy(cd, 'app-1.0.tgz');
  await service.idle();
  t.match(await getDeployment(cd, id), { status: 'Failed', errorInformation: { code: 'HEALTH_CONSTRAINTS' }, deploymentOverview: { Failed: 2, Skipped: 2 } });
  t.same(broker.commandsFor('pi-3'), []);
});

t.test('creation: target resolution, no instances, invalid health constraints, errors', async (t) => {
  const { cd, broker, service } = await startCodeDeploy(t);
  await registerFleet(cd, {
    'pi-1': { fleet: 'air', stage: 'prod', site: 'north' },
    'pi-2': { fleet: 'water', stage: 'prod', site: 'south' },
    'pi-3': { fleet: 'air', stage: 'dev', site: 'north' },
    'pi-4': { fleet: 'air', stage: 'prod' },
  });
  await createAppAndGroup(cd, 'app', 'air', {
    onPremisesInstanceTagFilters: [],
    onPremisesTagSet: {
      onPremisesTagSetList: [
        [{ Key: 'fleet', Value: 'air', Type: 'KEY_AND_VALUE' }, { Key: 'fleet', Value: 'water', Type: 'KEY_AND_VALUE' }],
        [{ Value: 'prod', Type: 'VALUE_ONLY' }],
        [{ Key: 'site', Type: 'KEY_ONLY' }],
      ],
    },
    deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
  });
  const id = await deploy(cd, 'app.tgz');
  await service.idle();
  t.same(Object.keys(await targets(cd, id)).sort(), ['pi-1', 'pi-2'], '(air OR water) AND prod AND has site');

  const narrowed = await deploy(cd, 'app.tgz', { targetInstances: { tagFilters: [{ Key: 'site', Value: 'south', Type: 'KEY_AND_VALUE' }] } });
  await service.idle();
  t.same(Object.keys(await targets(cd, narrowed)), ['pi-2'], 'targetInstances narrows the group');

  await cd.send(new DeregisterOnPremisesInstanceCommand({ instanceName: 'pi-2' }));
  const afterDeregister = await deploy(cd, 'app.tgz');
  await service.idle();
  t.same(Object.keys(await targets(cd, afterDeregister)), ['pi-1'], 'deregistered instances are not targeted');

  await cd.send(new UpdateDeploymentGroupCommand({ applicationName: 'app', currentDeploymentGroupName: 'air', onPremisesTagSet: { onPremisesTagSetList: [[{ Key: 'fleet', Value: 'sky' }]] } }));
  const none = await deploy(cd, 'app.tgz');
  await service.idle();
  t.match(await getDeployment(cd, none), { status: 'Failed', errorInformation: { code: 'NO_INSTANCES', message: /no instances were found/ }, deploymentOverview: { Pending: 0, Succeeded: 0 } });
  t.same((await cd.send(new ListDeploymentTargetsCommand({ deploymentId: none }))).targetIds, []);

  await cd.send(new UpdateDeploymentGroupCommand({ applicationName: 'app', currentDeploymentGroupName: 'air', onPremisesTagSet: { onPremisesTagSetList: [[{ Key: 'site', Value: 'north' }], [{ Value: 'dev' }]] } }));
  const invalid = await deploy(cd, 'app.tgz', { deploymentConfigName: 'CodeDeployDefault.HalfAtATime' });
  await service.idle();
  t.match(await getDeployment(cd, invalid), { status: 'Failed', errorInformation: { code: 'HEALTH_CONSTRAINTS_INVALID' }, deploymentConfigName: 'CodeDeployDefault.HalfAtATime', deploymentOverview: { Skipped: 1 } });
  t.same(broker.requests.filter((r) => r.deploymentId === invalid), [], 'nothing was dispatched');

  const create = (input: Record<string, unknown>) =>
    cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'air', revision: s3Revision('x.tgz'), ...input } as never));
  await rejectsWith(t, create({ applicationName: 'nope' }), 'ApplicationDoesNotExistException');
  await rejectsWith(t, create({ deploymentGroupName: 'nope' }), 'DeploymentGroupDoesNotExistException');
  await rejectsWith(t, create({ deploymentGroupName: undefined }), 'DeploymentGroupNameRequiredException');
  await rejectsWith(t, create({ revision: undefined }), 'RevisionRequiredException');
  await rejectsWith(t, create({ revision: { revisionType: 'S3', s3Location: { bucket: 'b' } } }), 'InvalidRevisionException');
  await rejectsWith(t, create({ deploymentConfigName: 'Nope' }), 'DeploymentConfigDoesNotExistException');
  await rejectsWith(t, create({ fileExistsBehavior: 'CLOBBER' }), 'InvalidFileExistsBehaviorException');
  await rejectsWith(t, create({ autoRollbackConfiguration: { enabled: true, events: ['SOMETIMES'] } }), 'InvalidAutoRollbackConfigException');
  await rejectsWith(t, create({ targetInstances: { autoScalingGroups: ['asg'] } }), 'InvalidTargetInstancesException');
  await rejectsWith(t, cd.send(new ListDeploymentsCommand({ deploymentGroupName: 'air' })), 'ApplicationNameRequiredException');
  await rejectsWith(t, cd.send(new ListDeploymentsCommand({ applicationName: 'app', includeOnlyStatuses: ['Bogus' as never] })), 'InvalidDeploymentStatusException');
  t.equal((await cd.send(new ListDeploymentsCommand({ applicationName: 'app', includeOnlyStatuses: ['Failed'] }))).deployments?.length, 2);
});

t.test('ignoreApplicationStopFailures lets a host continue past a failed ApplicationStop', async (t) => {
  const { cd, broker, service } = await startCodeDeploy(t);
  await registerFleet(cd, { 'pi-a': { fleet: 'air' } });
  await createAppAndGroup(cd, 'app', 'air');
  broker.script('pi-a', { fail: { ApplicationStop: {} } });
  const id = await deploy(cd, 'app.tgz', { ignoreApplicationStopFailures: true });
  await service.idle();
  t.match(await getDeployment(cd, id), { status: 'Succeeded', ignoreApplicationStopFailures: true });
  const a = (await targets(cd, id))['pi-a']?.instanceTarget;
  t.same(statuses(a?.lifecycleEvents), ['ApplicationStop:Failed', ...LIFECYCLE.slice(1).map((e) => `${e}:Succeeded`)]);
  const strict = await deploy(cd, 'app.tgz');
  await service.idle();
  t.equal((await getDeployment(cd, strict))?.status, 'Failed');
});

