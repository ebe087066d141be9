// CodeDeploy in the sandbox: StopDeployment, automatic rollback, and deployments a restarted
// sandbox finds still running; through the real SDK, hosts played by a scripted HostCommandBroker.
import t from 'tap';
import { BatchGetDeploymentsCommand, GetDeploymentGroupCommand, ListDeploymentsCommand, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { createStore } from '../../../sandbox/store.js';
import { LIFECYCLE, createAppAndGroup, deploy, getDeployment, registerFleet, rejectsWith, s3Revision, startCodeDeploy, statuses, targets } from './codedeploy-harness.js';

t.test('StopDeployment withdraws the running command and skips the rest', async (t) => {
  const { cd, broker, service } = await startCodeDeploy(t);
  await registerFleet(cd, { 'pi-a': { fleet: 'air' }, 'pi-b': { fleet: 'air' } });
  await createAppAndGroup(cd, 'app', 'air');
  broker.script('pi-a', { hangOn: 'BeforeInstall' });
  const id = await deploy(cd, 'app-1.0.tgz');
  const req = await broker.dispatched('pi-a', 'BeforeInstall', id);
  t.match(await getDeployment(cd, id), { status: 'InProgress', deploymentOverview: { InProgress: 1, Pending: 1 } });
  await rejectsWith(t, deploy(cd, 'app-2.0.tgz'), 'DeploymentLimitExceededException', new RegExp(`active Deployment '${id}'`));
  const stopped = await cd.send(new StopDeploymentCommand({ deploymentId: id }));
  t.same({ status: stopped.status, statusMessage: stopped.statusMessage }, { status: 'Succeeded', statusMessage: 'No more commands will be scheduled for execution in the deployment instances' });
  t.ok(req.signal?.aborted, 'the command was withdrawn through its AbortSignal');
  await service.idle();
  const info = await getDeployment(cd, id);
  t.match(info, { status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' }, deploymentOverview: { Failed: 1, Skipped: 1 } });
  t.type(info?.completeTime, Date);
  const byId = await targets(cd, id);
  t.same(statuses(byId['pi-a']?.instanceTarget?.lifecycleEvents), [
    'ApplicationStop:Succeeded',
    'DownloadBundle:Succeeded',
    'BeforeInstall:Failed',
    'Install:Skipped',
    'AfterInstall:Skipped',
    'ApplicationStart:Skipped',
    'ValidateService:Skipped',
  ]);
  t.equal(byId['pi-b']?.instanceTarget?.status, 'Skipped');
  t.same(broker.commandsFor('pi-b'), []);
  await rejectsWith(t, cd.send(new StopDeploymentCommand({ deploymentId: id })), 'DeploymentAlreadyCompletedException');
  t.same((await cd.send(new ListDeploymentsCommand({ applicationName: 'app', deploymentGroupName: 'air', includeOnlyStatuses: ['Stopped'] }))).deployments, [id]);
  broker.script('pi-a', {});
  const next = await deploy(cd, 'app-2.0.tgz');
  t.not(next, id, 'the group is free again');
  await service.idle();
});

t.test('a command still queued when stopped was never run: its host is skipped', async (t) => {
  const { cd, broker, service } = await startCodeDeploy(t);
  await registerFleet(cd, { 'pi-a': { fleet: 'air' } });
  await createAppAndGroup(cd, 'app', 'air');
  broker.script('pi-a', { hangOn: 'ApplicationStop', hangQueued: true });
  const id = await deploy(cd, 'app-1.0.tgz');
  await broker.dispatched('pi-a', 'ApplicationStop', id);
  await cd.send(new StopDeploymentCommand({ deploymentId: id }));
  await service.idle();
  const a = (await targets(cd, id))['pi-a']?.instanceTarget;
  t.equal(a?.status, 'Skipped');
  t.same(statuses(a?.lifecycleEvents), LIFECYCLE.map((e) => `${e}:Skipped`));
});

t.test('automatic rollback on failure redeploys the last successful revision', async (t) => {
  const { cd, broker, service } = await startCodeDeploy(t);
  await registerFleet(cd, { 'pi-a': { fleet: 'air' }, 'pi-b': { fleet: 'air' } });
  await createAppAndGroup(cd, 'app', 'air', { autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] } });
  const good = await deploy(cd, 'app-1.0.tgz');
  await service.idle();
  t.equal((await getDeployment(cd, good))?.status, 'Succeeded');

  broker.script('pi-a', { fail: { ApplicationStart: {} }, onlyForKey: 'app-2.0.tgz' });
  const bad = await deploy(cd, 'app-2.0.tgz');
  await service.idle();
  const failed = await getDeployment(cd, bad);
  t.match(failed, { status: 'Failed', previousRevision: s3Revision('app-1.0.tgz'), rollbackInfo: { rollbackDeploymentId: /^d-/ } });
  const rollbackId = failed?.rollbackInfo?.rollbackDeploymentId as string;
  t.match(failed?.rollbackInfo?.rollbackMessage, new RegExp(`${rollbackId} ended with status Succeeded`));
  const rollback = await getDeployment(cd, rollbackId);
  t.match(rollback, {
    status: 'Succeeded',
    creator: 'codeDeployRollback',
    revision: s3Revision('app-1.0.tgz'),
    rollbackInfo: { rollbackTriggeringDeploymentId: bad },
    deploymentOverview: { Succeeded: 2 },
  });
  const rollbackSpecs = broker.requests.filter((r) => r.deploymentId === rollbackId);
  t.equal(rollbackSpecs.length, 14, 'both hosts went through all seven events');
  t.match(rollbackSpecs[0]?.deploymentSpec, { DeploymentCreator: 'codeDeployRollback', Revision: { S3Revision: { Key: 'app-1.0.tgz' } } });
  t.same((await cd.send(new ListDeploymentsCommand({ applicationName: 'app', deploymentGroupName: 'air' }))).deployments, [rollbackId, bad, good], 'newest first');
  const group = (await cd.send(new GetDeploymentGroupCommand({ applicationName: 'app', deploymentGroupName: 'air' }))).deploymentGroupInfo;
  t.match(group, { lastSuccessfulDeployment: { deploymentId: rollbackId }, lastAttemptedDeployment: { deploymentId: rollbackId } });
  const batch = await cd.send(new BatchGetDeploymentsCommand({ deploymentIds: [good, bad] }));
  t.same(batch.deploymentsInfo?.map((d) => d.status), ['Succeeded', 'Failed']);
});

t.test('automatic rollback: none without a previous success; on StopDeployment when asked', async (t) => {
  const { cd, broker, service } = await startCodeDeploy(t);
  await registerFleet(cd, { 'pi-a': { fleet: 'air' } });
  await createAppAndGroup(cd, 'app', 'air', { autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] } });
  broker.script('pi-a', { fail: { Install: {} }, onlyForKey: 'broken.tgz' });
  const first = await deploy(cd, 'broken.tgz');
  await service.idle();
  t.match(await getDeployment(cd, first), { status: 'Failed', rollbackInfo: { rollbackMessage: /no previous successful deployment/ } });
  t.notOk((await getDeployment(cd, first))?.rollbackInfo?.rollbackDeploymentId);

  await deploy(cd, 'good.tgz');
  await service.idle();
  broker.script('pi-a', { hangOn: 'AfterInstall', onlyForKey: 'slow.tgz' });
  const slow = await deploy(cd, 'slow.tgz');
  await broker.dispatched('pi-a', 'AfterInstall', slow);
  await cd.send(new StopDeploymentCommand({ deploymentId: slow, autoRollbackEnabled: true }));
  await service.idle();
  const stopped = await getDeployment(cd, slow);
  t.equal(stopped?.status, 'Stopped');
  const rollback = await getDeployment(cd, stopped?.rollbackInfo?.rollbackDeploymentId as string);
  t.match(rollback, { status: 'Succeeded', creator: 'codeDeployRollback', revision: s3Revision('good.tgz') });
});

t.test('a deployment left running by a previous sandbox process is Failed on load', async (t) => {
  const dir = t.testdir();
  const first = await startCodeDeploy(t, { store: await createStore({ dir }) });
  await registerFleet(first.cd, { 'pi-a': { fleet: 'air' }, 'pi-b': { fleet: 'air' } });
  await createAppAndGroup(first.cd, 'app', 'air');
  first.broker.script('pi-a', { hangOn: 'Install' });
  const id = await deploy(first.cd, 'app.tgz');
  await first.broker.dispatched('pi-a', 'Install', id);
  await first.service.close();
  t.equal((await getDeployment(first.cd, id))?.status, 'InProgress', 'closing does not rewrite running deployments');
  await first.store.flush();

  const second = await startCodeDeploy(t, { store: await createStore({ dir }) });
  const info = await getDeployment(second.cd, id);
  t.match(info, { status: 'Failed', errorInformation: { code: 'INTERNAL_ERROR', message: /sandbox restarted while this deployment was in progress/ }, deploymentOverview: { Failed: 1, Skipped: 1 } });
  t.type(info?.completeTime, Date);
  const byId = await targets(second.cd, id);
  t.same(statuses(byId['pi-a']?.instanceTarget?.lifecycleEvents), [
    'ApplicationStop:Succeeded',
    'DownloadBundle:Succeeded',
    'BeforeInstall:Succeeded',
    'Install:Failed',
    'AfterInstall:Skipped',
    'ApplicationStart:Skipped',
    'ValidateService:Skipped',
  ]);
  t.equal(byId['pi-b']?.instanceTarget?.status, 'Skipped');
  const group = (await second.cd.send(new GetDeploymentGroupCommand({ applicationName: 'app', deploymentGroupName: 'air' }))).deploymentGroupInfo;
  t.match(group?.lastAttemptedDeployment, { deploymentId: id, status: 'Failed' });
  const next = await deploy(second.cd, 'app.tgz');
  await second.service.idle();
  t.equal((await getDeployment(second.cd, next))?.status, 'Succeeded', 'the group is usable again');
  // closed before the test ends: tap removes t.testdir() before running teardowns, and a running
  // sandbox could write its state into the folder while it is removed
  await second.sb.close();
  await second.service.close();
  await second.store.close();
});
