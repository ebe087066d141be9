// The whole sandbox (startSandbox) driven as users and agents drive AWS: real SDK clients for
// STS, S3 and CodeDeploy; two "hosts" speaking the Commands protocol with a minimal test client.
// A two-host OneAtATime deployment where the first host fails BeforeInstall.
import t from 'tap';
import { CodeDeployClient, CreateApplicationCommand, CreateDeploymentCommand, CreateDeploymentGroupCommand, GetDeploymentCommand, ListDeploymentTargetsCommand, BatchGetDeploymentTargetsCommand, RegisterOnPremisesInstanceCommand, AddTagsToOnPremisesInstancesCommand } from '@aws-sdk/client-codedeploy';
import { PutObjectCommand, S3Client, CreateBucketCommand } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSandbox } from '../../../sandbox/sandbox.js';
import { verifyPkcs7Json } from '../../../sandbox/commands/pkcs7-verify.js';
import type { Principal } from '../../../sandbox/types.js';
import { CommandsClient } from '../../helpers/commands-client.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const cfg = (url: string, region: string, p: Principal) => ({
  endpoint: url,
  region,
  credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey, ...(p.sessionToken ? { sessionToken: p.sessionToken } : {}) },
  maxAttempts: 1,
  forcePathStyle: true,
});

/** A fake agent: polls, acks, verifies the spec, completes each command (failing `failOn`). */
async function runHost(client: CommandsClient, hostArn: string, caPem: string, failOn: string | undefined, seen: string[], stop: AbortSignal): Promise<void> {
  while (!stop.aborted) {
    const cmd = await client.poll(hostArn, stop).catch((e: unknown) => {
      if (stop.aborted) return undefined;
      throw e;
    });
    if (!cmd) {
      await sleep(20);
      continue;
    }
    const spec = await client.getSpec(cmd.DeploymentExecutionId, hostArn);
    const payload = spec.DeploymentSpecification?.GenericEnvelope?.Payload ?? '';
    const verified = verifyPkcs7Json(payload, caPem);
    if (!verified.valid) throw new Error(`spec did not verify: ${verified.reason}`);
    const lines = payload.split('\n');
    const mid = Math.floor(lines.length / 2);
    lines[mid] = `${lines[mid]?.[0] === 'A' ? 'B' : 'A'}${lines[mid]?.slice(1) ?? ''}`;
    const tampered = verifyPkcs7Json(lines.join('\n'), caPem);
    if (tampered.valid) throw new Error('a tampered spec verified');
    seen.push(`${cmd.CommandName}:${JSON.parse(verified.json).DeploymentId as string}`);
    await client.ack(cmd.HostCommandIdentifier, { Format: 'JSON', Payload: '{"IsCommandNoop":false}' });
    if (cmd.CommandName === failOn) {
      const diag = { error_code: 4, script_name: 'scripts/testGPIO.sh', message: 'Script at specified location: scripts/testGPIO.sh failed with exit code 1', log: '[stderr]no GPIO\n' };
      await client.complete(cmd.HostCommandIdentifier, 'Failed', { Format: 'JSON', Payload: JSON.stringify(diag) });
    } else {
      await client.complete(cmd.HostCommandIdentifier, 'Succeeded', { Format: 'JSON', Payload: '{"error_code":0,"script_name":"","message":"Succeeded: ","log":""}' });
    }
  }
}

t.test('two-host OneAtATime deployment over the Commands API, first host fails', async (t) => {
  const sb = await startSandbox({ dir: t.testdir(), pickupTimeoutMs: 10_000, maxPollWaitMs: 200 });
  t.teardown(() => sb.close());
  const root = cfg(sb.url, sb.region, sb.root);
  // the hosts are assumed-role sessions, as on-premises instances registered by session ARN are
  const sts = new STSClient(root);
  const hosts: { name: string; arn: string; principal: Principal }[] = [];
  for (const name of ['pi-01', 'pi-02']) {
    const r = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${sb.root.accountId}:role/EdgeDevice`, RoleSessionName: name }));
    const arn = r.AssumedRoleUser?.Arn as string;
    const c = r.Credentials;
    hosts.push({ name, arn, principal: { accessKeyId: c?.AccessKeyId as string, secretAccessKey: c?.SecretAccessKey as string, sessionToken: c?.SessionToken as string, arn, accountId: sb.root.accountId, userId: '' } });
  }
  const s3 = new S3Client(root);
  await s3.send(new CreateBucketCommand({ Bucket: 'releases' }));
  const put = await s3.send(new PutObjectCommand({ Bucket: 'releases', Key: 'air-quality-1.0.0.tgz', Body: Buffer.from('bundle bytes') }));

  const cd = new CodeDeployClient(root);
  for (const h of hosts) {
    await cd.send(new RegisterOnPremisesInstanceCommand({ instanceName: h.name, iamSessionArn: h.arn }));
  }
  await cd.send(new AddTagsToOnPremisesInstancesCommand({ instanceNames: hosts.map((h) => h.name), tags: [{ Key: 'fleet', Value: 'lab' }] }));
  await cd.send(new CreateApplicationCommand({ applicationName: 'air-quality', computePlatform: 'Server' }));
  await cd.send(new CreateDeploymentGroupCommand({
    applicationName: 'air-quality',
    deploymentGroupName: 'lab',
    serviceRoleArn: `arn:aws:iam::${sb.root.accountId}:role/CodeDeployService`,
    deploymentConfigName: 'CodeDeployDefault.OneAtATime',
    onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: 'lab', Type: 'KEY_AND_VALUE' }],
  }));
  const { deploymentId } = await cd.send(new CreateDeploymentCommand({
    applicationName: 'air-quality',
    deploymentGroupName: 'lab',
    revision: { revisionType: 'S3', s3Location: { bucket: 'releases', key: 'air-quality-1.0.0.tgz', bundleType: 'tgz', eTag: put.ETag?.replaceAll('"', '') } },
  }));

  const stop = new AbortController();
  const seen: Record<string, string[]> = { 'pi-01': [], 'pi-02': [] };
  const agents = hosts.map((h, i) =>
    runHost(new CommandsClient({ endpoint: sb.url, region: sb.region, credentials: h.principal }), h.arn, sb.caPem, i === 0 ? 'BeforeInstall' : undefined, seen[h.name] as string[], stop.signal),
  );
  let info;
  for (let i = 0; i < 400; i++) {
    info = (await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
    if (info?.status === 'Succeeded' || info?.status === 'Failed' || info?.status === 'Stopped') break;
    await sleep(50);
  }
  stop.abort();
  await Promise.allSettled(agents);
  t.equal(info?.status, 'Failed', JSON.stringify(info));
  // one host at a time: the first one failed, so the second was never started
  const ran = Object.values(seen).filter((s) => s.length > 0);
  t.equal(ran.length, 1, `only one host received commands: ${JSON.stringify(seen)}`);
  t.same(ran[0], ['ApplicationStop', 'DownloadBundle', 'BeforeInstall'].map((c) => `${c}:${deploymentId}`));

  const targetIds = (await cd.send(new ListDeploymentTargetsCommand({ deploymentId }))).targetIds ?? [];
  t.same([...targetIds].sort(), ['pi-01', 'pi-02']);
  const targets = (await cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds }))).deploymentTargets ?? [];
  const failed = targets.find((x) => x.instanceTarget?.status === 'Failed')?.instanceTarget;
  const other = targets.find((x) => x.instanceTarget?.status !== 'Failed')?.instanceTarget;
  t.ok(failed, 'one target failed');
  const events = Object.fromEntries((failed?.lifecycleEvents ?? []).map((e) => [e.lifecycleEventName, e]));
  t.equal(events['ApplicationStop']?.status, 'Succeeded');
  t.equal(events['DownloadBundle']?.status, 'Succeeded');
  t.equal(events['BeforeInstall']?.status, 'Failed');
  t.same(events['BeforeInstall']?.diagnostics, {
    errorCode: 'ScriptFailed',
    scriptName: 'scripts/testGPIO.sh',
    message: 'Script at specified location: scripts/testGPIO.sh failed with exit code 1',
    logTail: '[stderr]no GPIO\n',
  });
  t.equal(events['Install']?.status, 'Skipped');
  t.equal(other?.status, 'Skipped', 'the second host was skipped');
  t.equal(info?.deploymentOverview?.Failed, 1);
  t.equal(info?.deploymentOverview?.Skipped, 1);
});
