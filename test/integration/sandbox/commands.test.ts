// The Commands API mounted on the real sandbox HTTP core (SigV4, error rendering), with the real
// signer, driven by the minimal test client: the host side of one lifecycle event end to end.
import t, { type Test } from 'tap';
import { createCommandBroker } from '../../../sandbox/commands/broker.js';
import { createCommandsService } from '../../../sandbox/commands/commands-service.js';
import { derToPem, pemToDer } from '../../../sandbox/commands/der.js';
import { verifyPkcs7Json } from '../../../sandbox/commands/pkcs7-verify.js';
import { createSigningCa, type SigningCa } from '../../../sandbox/commands/signing-ca.js';
import type { HostCommandRequest, InstanceDirectory } from '../../../sandbox/types.js';
import { CommandsClient, CommandsClientError } from '../../helpers/commands-client.js';
import { issueSession, startTestSandbox } from '../../helpers/sandbox-server.js';

const TENANT = '444455556666';
const PI_USER = `arn:aws:iam::${TENANT}:user/pi-fleet-01`;
const PI_SESSION = `arn:aws:sts::${TENANT}:assumed-role/EdgeDevice/pi-fleet-02`;
const UNREGISTERED = `arn:aws:iam::${TENANT}:user/laptop`;
const POLL_WAIT_MS = 200;

/** A test InstanceDirectory: the registered IAM ARNs per (account, region). */
function directory(region: string, arns: string[]): InstanceDirectory {
  return {
    findByArn(accountId, r, arn) {
      if (accountId !== TENANT || r !== region || !arns.includes(arn)) return undefined;
      const name = arn.split('/').pop()!;
      return { instanceName: name, instanceArn: `arn:aws:codedeploy:${r}:${accountId}:instance/${name}` };
    },
  };
}

let ca: SigningCa;
t.before(async () => {
  ca = await createSigningCa();
});

async function setup(t: Test, maxPollWaitMs = POLL_WAIT_MS) {
  const broker = createCommandBroker();
  const region = 'eu-west-1';
  const service = createCommandsService({ broker, instances: directory(region, [PI_USER, PI_SESSION]), ca, maxPollWaitMs });
  const sb = await startTestSandbox({ 'codedeploy-commands': service }, { region });
  t.teardown(async () => {
    broker.close();
    await sb.close();
  });
  const clientFor = (arn: string): CommandsClient => new CommandsClient({ endpoint: sb.url, region, credentials: issueSession(sb, arn) });
  const dispatch = (hostIdentifier: string, commandName: string, extra: Partial<HostCommandRequest> = {}) =>
    broker.dispatch({
      accountId: TENANT,
      region,
      hostIdentifier,
      instanceName: hostIdentifier.split('/').pop()!,
      commandName,
      deploymentId: 'd-INTEG0001',
      deploymentSpec: {
        DeploymentId: 'd-INTEG0001',
        DeploymentGroupId: '5e1c0000-0000-4000-8000-000000000001',
        DeploymentGroupName: 'pi-fleet',
        ApplicationName: 'sensor-app',
        Revision: { RevisionType: 'S3', S3Revision: { Bucket: 'releases', Key: 'app-1.2.3.tgz', BundleType: 'tgz' } },
      },
      pickupTimeoutMs: 10_000,
      completionTimeoutMs: 10_000,
      ...extra,
    });
  return { broker, sb, region, clientFor, dispatch };
}

async function rejects(t: Test, p: Promise<unknown>, code: string | RegExp, status?: number): Promise<void> {
  try {
    await p;
    t.fail(`expected ${String(code)}`);
  } catch (e) {
    t.type(e, CommandsClientError);
    const err = e as CommandsClientError;
    if (typeof code === 'string') t.equal(err.code, code, err.message);
    else t.match(err.code, code, err.message);
    if (status !== undefined) t.equal(err.status, status);
  }
}

t.test('an empty poll answers with no command after maxPollWaitMs', async (t) => {
  const { clientFor } = await setup(t);
  const started = Date.now();
  t.equal(await clientFor(PI_USER).poll(PI_USER), undefined);
  t.ok(Date.now() - started >= POLL_WAIT_MS - 20, 'it long-polled');
});

t.test('dispatch → poll → ack → verified spec → complete → dispatch resolves with mapped diagnostics', async (t) => {
  const { clientFor, dispatch, region } = await setup(t);
  const client = clientFor(PI_USER);
  const outcome = dispatch(PI_USER, 'ApplicationStart');

  const cmd = await client.poll(PI_USER);
  t.match(cmd, { HostIdentifier: PI_USER, CommandName: 'ApplicationStart', HostCommandIdentifier: String, DeploymentExecutionId: /^[^/]+\/[^/]+\/[^/]+\/.+$/ });
  t.equal(await client.ack(cmd!.HostCommandIdentifier, { Format: 'JSON', Payload: '{"IsCommandNoop":false}' }), 'InProgress');

  const spec = await client.getSpec(cmd!.DeploymentExecutionId, PI_USER);
  t.equal(spec.DeploymentSystem, 'CodeDeploy');
  const envelope = spec.DeploymentSpecification?.GenericEnvelope;
  t.equal(envelope?.Format, 'PKCS7/JSON');
  const verified = verifyPkcs7Json(envelope!.Payload!, ca.caPem, { at: new Date() });
  t.match(verified, { valid: true, signerCommonName: `codedeploy-signer-${region}.amazonaws.com` });
  t.match(verified.valid && JSON.parse(verified.json), { DeploymentId: 'd-INTEG0001', Revision: { S3Revision: { Key: 'app-1.2.3.tgz' } } });

  const der = pemToDer(envelope!.Payload!, 'PKCS7');
  const at = der.indexOf(Buffer.from('app-1.2.3.tgz'));
  Buffer.from('app-6.6.6.tgz').copy(der, at);
  t.match(verifyPkcs7Json(derToPem(der, 'PKCS7'), ca.caPem), { valid: false, reason: /digest mismatch/ }, 'a tampered copy does not verify');

  t.equal(await client.update(cmd!.HostCommandIdentifier, { estimatedCompletionTime: new Date(Date.now() + 5000) }), 'InProgress');
  const payload = JSON.stringify({ error_code: 4, script_name: 'scripts/start.sh', message: 'Script at specified location: scripts/start.sh run as user root failed with exit code 3', log: '[stdout]starting\n[stderr]no sensor\n' });
  await client.complete(cmd!.HostCommandIdentifier, 'Failed', { Format: 'JSON', Payload: payload });
  const result = await outcome;
  t.match(result, {
    status: 'Failed',
    diagnostics: { errorCode: 'ScriptFailed', scriptName: 'scripts/start.sh', message: /exit code 3/, logTail: '[stdout]starting\n[stderr]no sensor\n' },
  });
  await client.complete(cmd!.HostCommandIdentifier, 'Succeeded', { Format: 'JSON', Payload: '{"error_code":0,"script_name":"","message":"Succeeded: ","log":""}' });
  t.equal(await client.ack(cmd!.HostCommandIdentifier), 'Failed', 'a second completion is ignored');
});

t.test('a waiting long poll receives a command dispatched meanwhile; session principals are hosts too', async (t) => {
  const { clientFor, dispatch } = await setup(t, 5_000);
  const client = clientFor(PI_SESSION);
  const polling = client.poll(PI_SESSION);
  await new Promise((r) => setTimeout(r, 50));
  const outcome = dispatch(PI_SESSION, 'DownloadBundle');
  const cmd = await polling;
  t.equal(cmd?.CommandName, 'DownloadBundle');
  await client.complete(cmd!.HostCommandIdentifier, 'Succeeded', { Format: 'JSON', Payload: '{"error_code":0,"script_name":"","message":"Succeeded: ","log":""}' });
  t.match(await outcome, { status: 'Succeeded', diagnostics: { errorCode: 'Success' } });
});

t.test('host identity is the signing principal', async (t) => {
  const { clientFor, dispatch } = await setup(t);
  const pi = clientFor(PI_USER);
  await rejects(t, pi.poll(PI_SESSION), 'AccessDeniedException', 400);
  await rejects(t, clientFor(UNREGISTERED).poll(UNREGISTERED), 'HostNotFoundException', 400);

  void dispatch(PI_USER, 'Install');
  const cmd = (await pi.poll(PI_USER))!;
  const other = clientFor(PI_SESSION);
  await rejects(t, other.ack(cmd.HostCommandIdentifier), 'ClientException', 400);
  await rejects(t, other.complete(cmd.HostCommandIdentifier, 'Succeeded'), 'ClientException', 400);
  await rejects(t, other.getSpec(cmd.DeploymentExecutionId, PI_SESSION), 'DeploymentNotFoundException', 400);
  await rejects(t, pi.getSpec(cmd.DeploymentExecutionId, PI_SESSION), 'AccessDeniedException', 400);
  t.equal(await pi.ack(cmd.HostCommandIdentifier), 'InProgress', 'the owner still can');
});

t.test('bad SigV4 is rejected by the core before the service sees it', async (t) => {
  const { clientFor, sb, region } = await setup(t);
  const pi = clientFor(PI_USER);
  const body = JSON.stringify({ HostIdentifier: PI_USER });
  const tampered = await pi.raw('PollHostCommand', body, { mutate: (h) => (h['x-amz-target'] = 'CodeDeployCommandService_v20141006.PutHostCommandComplete') });
  t.equal(tampered.status, 400);
  t.match(JSON.parse(tampered.text), { __type: /Signature/ });
  const unsigned = await pi.raw('PollHostCommand', body, { sign: false });
  t.ok(unsigned.status >= 400 && unsigned.status < 500, `unsigned → ${unsigned.status}`);
  const stranger = new CommandsClient({ endpoint: sb.url, region, credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } });
  await rejects(t, stranger.poll(PI_USER), /UnrecognizedClient|InvalidClientTokenId/);
});

t.test('protocol errors are rendered as JSON 1.1', async (t) => {
  const { clientFor } = await setup(t);
  const pi = clientFor(PI_USER);
  await rejects(t, pi.call('DeletePi', {}), 'UnknownOperationException', 400);
  await rejects(t, pi.call('GetDeploymentSpecification', { DeploymentExecutionId: 'flat', HostIdentifier: PI_USER }), 'ValidationException', 400);
  const res = await pi.raw('PollHostCommand', '{oops');
  t.equal(res.status, 400);
  t.match(JSON.parse(res.text), { __type: 'SerializationException' });
});

t.test('closing the sandbox ends a pending long poll promptly', async (t) => {
  const broker = createCommandBroker();
  const service = createCommandsService({ broker, instances: directory('eu-west-1', [PI_USER]), ca, maxPollWaitMs: 60_000 });
  const sb = await startTestSandbox({ 'codedeploy-commands': service }, { region: 'eu-west-1' });
  const client = new CommandsClient({ endpoint: sb.url, region: 'eu-west-1', credentials: issueSession(sb, PI_USER) });
  const polling = client.poll(PI_USER).then(
    (cmd) => ({ cmd }),
    (err: unknown) => ({ err }),
  );
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  await sb.close();
  broker.close();
  const result = await polling;
  t.ok(Date.now() - started < 2_000, 'closed within 2 s');
  t.ok(!('cmd' in result) || result.cmd === undefined, 'no command was handed out');
});
