// The agent's CodeDeployCommandClient and openDeploymentSpec against the real sandbox: an IAM-user
// host registered with the CodeDeploy SDK runs a whole deployment (poll → ack → signed spec
// verified against the sandbox CA → complete), and the service's refusals map to coded errors.
import t, { type Test } from 'tap';
import { AddTagsToOnPremisesInstancesCommand, BatchGetDeploymentTargetsCommand, CodeDeployClient, CreateApplicationCommand, CreateDeploymentCommand, CreateDeploymentGroupCommand, GetDeploymentCommand, RegisterOnPremisesInstanceCommand } from '@aws-sdk/client-codedeploy';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import { CodeDeployCommandClient, type CodeDeployCommandClientOptions } from '../../../agent/command/codedeploy-command-client.js';
import { officialSignerSubject } from '../../../agent/deployment/pkcs7-trust.js';
import { openDeploymentSpec } from '../../../agent/deployment/spec-envelope.js';
import { AGENT_VERSION } from '../../../agent/version.js';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';
import type { Principal } from '../../../sandbox/types.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const SUCCESS = '{"error_code":0,"script_name":"","message":"Succeeded: ","log":""}';

const sdkConfig = (sb: Sandbox) => ({
  endpoint: sb.url,
  region: sb.region,
  credentials: { accessKeyId: sb.root.accessKeyId, secretAccessKey: sb.root.secretAccessKey },
  maxAttempts: 1,
  forcePathStyle: true,
});

function hostPrincipal(sb: Sandbox, name: string): Principal {
  return sb.credentials.issue({ arn: `arn:aws:iam::${sb.root.accountId}:user/${name}`, accountId: sb.root.accountId, userId: `AIDA${name.toUpperCase().replace(/[^A-Z0-9]/g, '')}` });
}

function commandClient(t: Test, sb: Sandbox, p: Pick<Principal, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>, opts: Partial<CodeDeployCommandClientOptions> = {}): CodeDeployCommandClient {
  const client = new CodeDeployCommandClient({
    endpoint: sb.url,
    region: sb.region,
    credentials: async () => ({ accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey, ...(p.sessionToken ? { sessionToken: p.sessionToken } : {}) }),
    agentVersion: AGENT_VERSION,
    ...opts,
  });
  t.teardown(() => client.close());
  return client;
}

t.test('a deployment run over the Commands API with verified specs', async (t) => {
  const sb = await startSandbox({ maxPollWaitMs: 200 });
  t.teardown(() => sb.close());
  const host = hostPrincipal(sb, 'pi-01');
  const cd = new CodeDeployClient(sdkConfig(sb));
  await cd.send(new RegisterOnPremisesInstanceCommand({ instanceName: 'pi-01', iamUserArn: host.arn }));
  await cd.send(new AddTagsToOnPremisesInstancesCommand({ instanceNames: ['pi-01'], tags: [{ Key: 'fleet', Value: 'lab' }] }));
  const client = commandClient(t, sb, host);

  t.equal(await client.poll(host.arn), undefined, 'nothing to do yet');

  const s3 = new S3Client(sdkConfig(sb));
  await s3.send(new CreateBucketCommand({ Bucket: 'releases' }));
  const put = await s3.send(new PutObjectCommand({ Bucket: 'releases', Key: 'app-1.0.0.tgz', Body: Buffer.from('bundle bytes') }));
  await cd.send(new CreateApplicationCommand({ applicationName: 'sensor-app', computePlatform: 'Server' }));
  await cd.send(new CreateDeploymentGroupCommand({
    applicationName: 'sensor-app',
    deploymentGroupName: 'lab',
    serviceRoleArn: `arn:aws:iam::${sb.root.accountId}:role/CodeDeployService`,
    onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: 'lab', Type: 'KEY_AND_VALUE' }],
  }));
  const { deploymentId } = await cd.send(new CreateDeploymentCommand({
    applicationName: 'sensor-app',
    deploymentGroupName: 'lab',
    revision: { revisionType: 'S3', s3Location: { bucket: 'releases', key: 'app-1.0.0.tgz', bundleType: 'tgz', eTag: put.ETag?.replaceAll('"', '') } },
  }));

  const ran: string[] = [];
  let status: string | undefined;
  for (let i = 0; i < 200 && status !== 'Succeeded' && status !== 'Failed'; i++) {
    const cmd = await client.poll(host.arn);
    if (cmd) {
      t.equal(cmd.hostIdentifier, host.arn);
      const result = await client.getDeploymentSpecification(cmd.deploymentExecutionId, host.arn);
      t.equal(result.envelope?.format, 'PKCS7/JSON');
      const spec = openDeploymentSpec(result, { developerMode: false, caPem: sb.caPem, signerSubject: officialSignerSubject(sb.region), region: sb.region });
      t.equal(spec.deploymentId, deploymentId);
      t.match(spec.revision, { type: 'S3', bucket: 'releases', key: 'app-1.0.0.tgz', bundleType: 'tgz' });
      if (ran.length === 0) {
        const payload = result.envelope?.payload ?? '';
        const der = Buffer.from(payload.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s+/g, ''), 'base64');
        der.write('X', der.indexOf('app-1.0.0.tgz'));
        const tampered = `-----BEGIN PKCS7-----\n${der.toString('base64')}\n-----END PKCS7-----\n`;
        t.not(tampered, payload);
        t.throws(() => openDeploymentSpec({ ...result, envelope: { format: 'PKCS7/JSON', payload: tampered } }, { developerMode: false }), { code: 'SPEC_SIGNATURE_INVALID' }, 'a tampered spec is refused');
        t.throws(() => openDeploymentSpec(result, { developerMode: false, signerSubject: officialSignerSubject('ap-south-1') }), { code: 'SPEC_SIGNATURE_INVALID' }, 'another region\'s signer');
      }
      t.equal(await client.acknowledge(cmd.hostCommandIdentifier, false), 'InProgress', `${cmd.commandName} acknowledged`);
      t.equal(await client.update(cmd.hostCommandIdentifier), 'InProgress', 'heartbeat');
      await client.complete(cmd.hostCommandIdentifier, 'Succeeded', SUCCESS);
      ran.push(cmd.commandName);
    }
    status = (await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo?.status;
    if (!cmd) await sleep(20);
  }
  t.equal(status, 'Succeeded');
  t.same(ran, ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService']);
  const targets = (await cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: ['pi-01'] }))).deploymentTargets ?? [];
  const events = targets[0]?.instanceTarget?.lifecycleEvents ?? [];
  t.ok(events.length > 0 && events.every((e) => e.status === 'Succeeded'), JSON.stringify(events.map((e) => [e.lifecycleEventName, e.status])));
});

t.test('refusals: unregistered host, bad secret, another host identifier', async (t) => {
  const sb = await startSandbox({ maxPollWaitMs: 200 });
  t.teardown(() => sb.close());
  const registered = hostPrincipal(sb, 'pi-02');
  await new CodeDeployClient(sdkConfig(sb)).send(new RegisterOnPremisesInstanceCommand({ instanceName: 'pi-02', iamUserArn: registered.arn }));
  const stranger = hostPrincipal(sb, 'stranger');

  await t.rejects(commandClient(t, sb, stranger).poll(stranger.arn), { code: 'COMMANDS_REJECTED', retryable: false, details: { awsCode: 'HostNotFoundException', status: 400 } });
  await t.rejects(commandClient(t, sb, { ...registered, secretAccessKey: 'not-the-secret' }).poll(registered.arn), {
    code: 'COMMANDS_REJECTED',
    details: { awsCode: 'InvalidSignatureException' },
    message: /signature we calculated does not match/,
  });
  await t.rejects(commandClient(t, sb, { ...registered, accessKeyId: 'AKIAUNKNOWNKEY000000' }).poll(registered.arn), { code: 'COMMANDS_REJECTED', details: { awsCode: 'UnrecognizedClientException' } });
  await t.rejects(commandClient(t, sb, registered).poll(stranger.arn), { code: 'COMMANDS_REJECTED', details: { awsCode: 'AccessDeniedException' } });
  await t.rejects(commandClient(t, sb, registered).complete('not-a-command', 'Succeeded', SUCCESS), { code: 'COMMANDS_REJECTED', details: { awsCode: 'ClientException' } });
  t.equal(await commandClient(t, sb, registered).poll(registered.arn), undefined, 'the registered host is fine');
  t.equal(await commandClient(t, sb, registered, { now: () => Date.now() - 3600_000 }).poll(registered.arn), undefined, 'a clock an hour behind is corrected');
});

t.test('an abort signal ends a long poll at once', async (t) => {
  const sb = await startSandbox({ maxPollWaitMs: 30_000 });
  t.teardown(() => sb.close());
  const host = hostPrincipal(sb, 'pi-03');
  await new CodeDeployClient(sdkConfig(sb)).send(new RegisterOnPremisesInstanceCommand({ instanceName: 'pi-03', iamUserArn: host.arn }));
  const client = commandClient(t, sb, host);
  const ac = new AbortController();
  const start = Date.now();
  setTimeout(() => ac.abort(), 200);
  await t.rejects(client.poll(host.arn, ac.signal), { code: 'COMMANDS_UNAVAILABLE', details: { aborted: true } });
  t.ok(Date.now() - start < 3000, `aborted after ${Date.now() - start} ms`);
  const short = commandClient(t, sb, host, { readTimeoutMs: 300 });
  await t.rejects(short.poll(host.arn), { code: 'COMMANDS_UNAVAILABLE', details: { errno: 'ETIMEDOUT' } }, 'a read timeout shorter than the long poll');
});
