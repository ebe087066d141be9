// A CodeDeploy deployment end to end through the whole sandbox (startSandbox): the real HTTP core,
// the real HostCommandBroker and Commands API, hosts played by the minimal Commands test client
// (poll → spec (PKCS7 verified against the sandbox CA) → ack → complete), observed with the SDK.
import t from 'tap';
import {
  AddTagsToOnPremisesInstancesCommand,
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentCommand,
  RegisterOnPremisesInstanceCommand,
} from '@aws-sdk/client-codedeploy';
import { verifyPkcs7Json } from '../../../sandbox/commands/pkcs7-verify.js';
import { PIPELINE_ACCOUNT_ID } from '../../../sandbox/constants.js';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';
import { CommandsClient } from '../../helpers/commands-client.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const TERMINAL = ['Succeeded', 'Failed', 'Stopped'];

interface HostBehaviour {
  /** Commands this host reports Failed, with the agent's diagnostics payload. */
  readonly fail?: Record<string, { error_code: number; script_name: string; message: string; log: string }>;
}

/** Plays one host until `done()`: every command is verified, acknowledged and completed. */
async function playHost(sb: Sandbox, arn: string, behaviour: HostBehaviour, done: () => boolean, seen: string[]): Promise<void> {
  const principal = sb.credentials.issue({ arn, accountId: PIPELINE_ACCOUNT_ID, userId: `AIDA${arn.length}` });
  const client = new CommandsClient({ endpoint: sb.url, region: sb.region, credentials: principal });
  while (!done()) {
    const cmd = await client.poll(arn);
    if (!cmd) continue;
    const spec = await client.getSpec(cmd.DeploymentExecutionId, arn);
    const envelope = spec.DeploymentSpecification?.GenericEnvelope;
    const verified = verifyPkcs7Json(envelope?.Payload ?? '', sb.caPem);
    if (!verified.valid) throw new Error(`spec did not verify: ${verified.reason}`);
    const parsed = JSON.parse(verified.json) as { DeploymentId: string; Revision: { S3Revision: { Key: string } } };
    seen.push(`${cmd.CommandName}@${parsed.DeploymentId}:${parsed.Revision.S3Revision.Key}`);
    await client.ack(cmd.HostCommandIdentifier, { Format: 'JSON', Payload: '{"IsCommandNoop":false}' });
    const failure = behaviour.fail?.[cmd.CommandName];
    const payload = failure ?? { error_code: 0, script_name: '', message: 'Succeeded', log: '' };
    await client.complete(cmd.HostCommandIdentifier, failure ? 'Failed' : 'Succeeded', { Format: 'JSON', Payload: JSON.stringify(payload) });
  }
}

t.test('two hosts, OneAtATime, one failing: state, lifecycle events and diagnostics as CodeDeploy shows them', async (t) => {
  const sb = await startSandbox({ pickupTimeoutMs: 3000, completionTimeoutMs: 5000, maxPollWaitMs: 100 });
  const cd = new CodeDeployClient({ endpoint: sb.url, region: sb.region, credentials: sb.root, maxAttempts: 1 });
  t.teardown(async () => {
    cd.destroy();
    await sb.close();
  });
  const arn = (name: string) => `arn:aws:iam::${PIPELINE_ACCOUNT_ID}:user/${name}`;
  for (const name of ['pi-a', 'pi-b']) {
    await cd.send(new RegisterOnPremisesInstanceCommand({ instanceName: name, iamUserArn: arn(name) }));
    await cd.send(new AddTagsToOnPremisesInstancesCommand({ instanceNames: [name], tags: [{ Key: 'fleet', Value: 'air' }] }));
  }
  await cd.send(new CreateApplicationCommand({ applicationName: 'app' }));
  await cd.send(
    new CreateDeploymentGroupCommand({
      applicationName: 'app',
      deploymentGroupName: 'air',
      serviceRoleArn: `arn:aws:iam::${PIPELINE_ACCOUNT_ID}:role/CodeDeploy`,
      onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: 'air', Type: 'KEY_AND_VALUE' }],
    }),
  );
  const { deploymentId } = await cd.send(
    new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'air', revision: { revisionType: 'S3', s3Location: { bucket: 'b', key: 'app.tgz', bundleType: 'tgz' } } }),
  );
  let status = 'Created';
  const done = () => TERMINAL.includes(status);
  const seenA: string[] = [];
  const seenB: string[] = [];
  const failure = { error_code: 4, script_name: 'scripts/start.sh', message: 'Script at specified location: scripts/start.sh run as user root failed with exit code 1', log: '[stdout]starting\n[stderr]port in use\n' };
  const hosts = Promise.all([
    playHost(sb, arn('pi-a'), { fail: { ApplicationStart: failure } }, done, seenA),
    playHost(sb, arn('pi-b'), {}, done, seenB),
  ]);
  const deadline = Date.now() + 20_000;
  while (!done() && Date.now() < deadline) {
    status = (await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo?.status ?? '';
    if (!done()) await new Promise((r) => setTimeout(r, 50));
  }
  await hosts;

  const info = (await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
  t.match(info, { status: 'Failed', errorInformation: { code: 'HEALTH_CONSTRAINTS' }, deploymentOverview: { Failed: 1, Skipped: 1 } });
  t.same(seenA, ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart'].map((c) => `${c}@${deploymentId}:app.tgz`));
  t.same(seenB, [], 'the second host is never sent a command');
  const out = await cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: ['pi-a', 'pi-b'] }));
  const [a, b] = (out.deploymentTargets ?? []).map((d) => d.instanceTarget);
  t.same(
    a?.lifecycleEvents?.map((e) => [e.lifecycleEventName, e.status, e.diagnostics?.errorCode]),
    [
      ['ApplicationStop', 'Succeeded', 'Success'],
      ['DownloadBundle', 'Succeeded', 'Success'],
      ['BeforeInstall', 'Succeeded', 'Success'],
      ['Install', 'Succeeded', 'Success'],
      ['AfterInstall', 'Succeeded', 'Success'],
      ['ApplicationStart', 'Failed', 'ScriptFailed'],
      ['ValidateService', 'Skipped', undefined],
    ],
  );
  t.same(a?.lifecycleEvents?.[5]?.diagnostics, { errorCode: 'ScriptFailed', scriptName: 'scripts/start.sh', message: failure.message, logTail: failure.log });
  t.equal(a?.status, 'Failed');
  t.equal(b?.status, 'Skipped');
});

t.test('a host that never polls fails its first event after the pickup timeout', async (t) => {
  const sb = await startSandbox({ pickupTimeoutMs: 300, maxPollWaitMs: 100 });
  const cd = new CodeDeployClient({ endpoint: sb.url, region: sb.region, credentials: sb.root, maxAttempts: 1 });
  t.teardown(async () => {
    cd.destroy();
    await sb.close();
  });
  await cd.send(new RegisterOnPremisesInstanceCommand({ instanceName: 'pi-off', iamUserArn: `arn:aws:iam::${PIPELINE_ACCOUNT_ID}:user/pi-off` }));
  await cd.send(new AddTagsToOnPremisesInstancesCommand({ instanceNames: ['pi-off'], tags: [{ Key: 'fleet', Value: 'air' }] }));
  await cd.send(new CreateApplicationCommand({ applicationName: 'app' }));
  await cd.send(
    new CreateDeploymentGroupCommand({
      applicationName: 'app',
      deploymentGroupName: 'air',
      serviceRoleArn: `arn:aws:iam::${PIPELINE_ACCOUNT_ID}:role/CodeDeploy`,
      onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: 'air', Type: 'KEY_AND_VALUE' }],
    }),
  );
  const { deploymentId } = await cd.send(
    new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'air', revision: { revisionType: 'S3', s3Location: { bucket: 'b', key: 'app.tgz', bundleType: 'tgz' } } }),
  );
  let info = (await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
  const deadline = Date.now() + 10_000;
  while (!TERMINAL.includes(info?.status ?? '') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    info = (await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
  }
  t.match(info, { status: 'Failed', errorInformation: { code: 'HEALTH_CONSTRAINTS' } });
  const target = (await cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: ['pi-off'] }))).deploymentTargets?.[0]?.instanceTarget;
  t.match(target?.lifecycleEvents?.[0], { lifecycleEventName: 'ApplicationStop', status: 'Failed', diagnostics: { errorCode: 'UnknownError', message: /not able to receive the lifecycle event/ } });
});
