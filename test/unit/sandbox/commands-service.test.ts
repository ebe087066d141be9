// The Commands service handler called directly with SandboxRequests (no HTTP): operation routing,
// request validation, host identity and the wire shapes of the answers.
import t, { type Test } from 'tap';
import { createCommandBroker } from '../../../sandbox/commands/broker.js';
import { createCommandsService } from '../../../sandbox/commands/commands-service.js';
import { verifyPkcs7Json } from '../../../sandbox/commands/pkcs7-verify.js';
import { createSigningCa } from '../../../sandbox/commands/signing-ca.js';
import { AwsError, type HostCommandRequest, type InstanceDirectory, type Principal, type SandboxRequest } from '../../../sandbox/types.js';

const ACCOUNT = '222222222222';
const REGION = 'eu-west-1';
const PI = `arn:aws:iam::${ACCOUNT}:user/pi-01`;
const STRANGER = `arn:aws:iam::${ACCOUNT}:user/laptop`;

function principal(arn: string): Principal {
  return { accessKeyId: 'AKIA', secretAccessKey: 'x', arn, accountId: ACCOUNT, userId: 'AIDA' };
}

const instances: InstanceDirectory = {
  findByArn: (accountId, region, arn) => (accountId === ACCOUNT && region === REGION && arn === PI ? { instanceName: 'pi-01', instanceArn: `arn:aws:codedeploy:${REGION}:${ACCOUNT}:instance/pi-01` } : undefined),
};

function req(op: string, body: unknown, opts: { arn?: string; target?: string; method?: string; signal?: AbortSignal } = {}): SandboxRequest {
  return {
    method: opts.method ?? 'POST',
    rawPath: '/',
    path: '/',
    query: new URLSearchParams(),
    headers: { 'x-amz-target': opts.target ?? `CodeDeployCommandService_v20141006.${op}`, 'content-type': 'application/x-amz-json-1.1' },
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    service: 'codedeploy-commands',
    region: REGION,
    principal: principal(opts.arn ?? PI),
    signal: opts.signal ?? new AbortController().signal,
  };
}

function dispatchRequest(): HostCommandRequest {
  return {
    accountId: ACCOUNT,
    region: REGION,
    hostIdentifier: PI,
    instanceName: 'pi-01',
    commandName: 'BeforeInstall',
    deploymentId: 'd-SVC000001',
    deploymentSpec: { DeploymentId: 'd-SVC000001', ApplicationName: 'app' },
    pickupTimeoutMs: 60_000,
    completionTimeoutMs: 60_000,
  };
}

async function setup(t: Test) {
  const broker = createCommandBroker();
  t.teardown(() => broker.close());
  const ca = await createSigningCa();
  const service = createCommandsService({ broker, instances, ca, maxPollWaitMs: 50 });
  const call = async (op: string, body: unknown, opts?: Parameters<typeof req>[2]): Promise<Record<string, unknown>> => {
    const res = await service(req(op, body, opts));
    t.equal(res.status, 200);
    t.equal(res.headers?.['content-type'], 'application/x-amz-json-1.1');
    return JSON.parse(String(res.body)) as Record<string, unknown>;
  };
  const error = async (op: string, body: unknown, opts?: Parameters<typeof req>[2]): Promise<AwsError> => {
    try {
      await service(req(op, body, opts));
    } catch (e) {
      if (e instanceof AwsError) return e;
      throw e;
    }
    throw new Error(`${op} did not fail`);
  };
  return { broker, ca, service, call, error };
}

t.test('poll → ack → spec → complete over the handler', async (t) => {
  const { broker, ca, call } = await setup(t);
  t.same(await call('PollHostCommand', { HostIdentifier: PI }), {}, 'empty poll after maxPollWaitMs');
  const outcome = broker.dispatch(dispatchRequest());
  const polled = await call('PollHostCommand', { HostIdentifier: PI });
  const cmd = polled['HostCommand'] as Record<string, unknown>;
  t.match(cmd, { HostCommandIdentifier: String, HostIdentifier: PI, DeploymentExecutionId: String, CommandName: 'BeforeInstall', Nonce: Number });
  t.same(await call('PutHostCommandAcknowledgement', { HostCommandIdentifier: cmd['HostCommandIdentifier'], Diagnostics: { Format: 'JSON', Payload: '{"IsCommandNoop":false}' } }), { CommandStatus: 'InProgress' });
  const spec = await call('GetDeploymentSpecification', { DeploymentExecutionId: cmd['DeploymentExecutionId'], HostIdentifier: PI });
  t.equal(spec['DeploymentSystem'], 'CodeDeploy');
  const envelope = (spec['DeploymentSpecification'] as { GenericEnvelope: { Format: string; Payload: string } }).GenericEnvelope;
  t.equal(envelope.Format, 'PKCS7/JSON');
  const verified = verifyPkcs7Json(envelope.Payload, ca.caPem);
  t.match(verified, { valid: true, signerCommonName: `codedeploy-signer-${REGION}.amazonaws.com` });
  t.same(verified.valid && JSON.parse(verified.json), { DeploymentId: 'd-SVC000001', ApplicationName: 'app' });
  const again = await call('GetDeploymentSpecification', { DeploymentExecutionId: cmd['DeploymentExecutionId'], HostIdentifier: PI });
  t.same(again, spec, 'the signed spec is cached');
  t.same(await call('PostHostCommandUpdate', { HostCommandIdentifier: cmd['HostCommandIdentifier'], EstimatedCompletionTime: Date.now() / 1000 + 30 }), { CommandStatus: 'InProgress' });
  t.same(await call('PostHostCommandUpdate', { HostCommandIdentifier: cmd['HostCommandIdentifier'], EstimatedCompletionTime: new Date().toISOString() }), { CommandStatus: 'InProgress' });
  const payload = JSON.stringify({ error_code: 3, script_name: 'scripts/slow.sh', message: 'Script at specified location: scripts/slow.sh failed to complete in 5 seconds', log: '[stdout]waiting\n' });
  t.same(await call('PutHostCommandComplete', { HostCommandIdentifier: cmd['HostCommandIdentifier'], CommandStatus: 'Failed', Diagnostics: { Format: 'JSON', Payload: payload } }), {});
  t.match(await outcome, { status: 'Failed', diagnostics: { errorCode: 'ScriptTimedOut', scriptName: 'scripts/slow.sh', logTail: '[stdout]waiting\n' } });
  t.same(await call('PutHostCommandComplete', { HostCommandIdentifier: cmd['HostCommandIdentifier'], CommandStatus: 'Succeeded' }), {}, 'a repeated completion is accepted and ignored');
});

t.test('the secure stack target prefix is served too', async (t) => {
  const { call } = await setup(t);
  t.same(await call('PollHostCommand', { HostIdentifier: PI }, { target: 'CodeDeployCommandService.PollHostCommand' }), {});
});

t.test('protocol errors', async (t) => {
  const { error } = await setup(t);
  t.match(await error('PollHostCommand', {}, { target: 'CodeDeploy_20141006.PollHostCommand' }), { code: 'UnknownOperationException' });
  t.match(await error('Nope', {}), { code: 'UnknownOperationException' });
  t.match(await error('PollHostCommand', {}, { target: '' }), { code: 'UnknownOperationException' });
  t.match(await error('PollHostCommand', { HostIdentifier: PI }, { method: 'GET' }), { code: 'UnknownOperationException' });
  t.match(await error('PollHostCommand', '{not json'), { code: 'SerializationException' });
  t.match(await error('PollHostCommand', '[1]'), { code: 'SerializationException' });
  t.match(await error('PollHostCommand', { HostIdentifier: 7 }), { code: 'SerializationException' });
  t.match(await error('PollHostCommand', ''), { code: 'ValidationException', message: /Value null at 'hostIdentifier' failed to satisfy constraint: Member must not be null/ });
});

t.test('model constraints → ValidationException; semantic errors → ClientException', async (t) => {
  const { error } = await setup(t);
  t.match(await error('GetDeploymentSpecification', { DeploymentExecutionId: 'no-slashes', HostIdentifier: PI }), { code: 'ValidationException', message: /regular expression pattern/ });
  t.match(await error('GetDeploymentSpecification', { DeploymentExecutionId: `a/b/c/${'x'.repeat(130)}`, HostIdentifier: PI }), { code: 'ValidationException', message: /length between 1 and 129/ });
  t.match(await error('GetDeploymentSpecification', { DeploymentExecutionId: 'a/b/c/d', HostIdentifier: PI }), { code: 'DeploymentNotFoundException' });
  t.match(await error('PutHostCommandComplete', { HostCommandIdentifier: 'x', CommandStatus: 'Done' }), { code: 'ValidationException', message: /enum value set/ });
  t.match(await error('PutHostCommandComplete', { HostCommandIdentifier: 'x' }), { code: 'ValidationException', message: /'commandStatus'/ });
  t.match(await error('PutHostCommandComplete', { HostCommandIdentifier: 'x', CommandStatus: 'InProgress' }), { code: 'ClientException' });
  t.match(await error('PutHostCommandComplete', { HostCommandIdentifier: 'x', CommandStatus: 'Succeeded' }), { code: 'ClientException', message: /not valid for this host/ });
  t.match(await error('PutHostCommandAcknowledgement', { HostCommandIdentifier: 'x', Diagnostics: { Format: 'JSON', Payload: 'y'.repeat(8193) } }), { code: 'ValidationException', message: /8192/ });
  t.match(await error('PutHostCommandAcknowledgement', { HostCommandIdentifier: 'x', Diagnostics: { Format: '' } }), { code: 'ValidationException', message: /between 1 and 64/ });
  t.match(await error('PutHostCommandAcknowledgement', { HostCommandIdentifier: 'x', Diagnostics: 'JSON' }), { code: 'SerializationException' });
  t.match(await error('PostHostCommandUpdate', { HostCommandIdentifier: 'x', EstimatedCompletionTime: 'soon' }), { code: 'SerializationException' });
  t.match(await error('PutHostCommandAcknowledgement', {}), { code: 'ValidationException', message: /'hostCommandIdentifier'/ });
});

t.test('host identity: the request must name the caller, and the caller must be registered', async (t) => {
  const { broker, error } = await setup(t);
  const other = `arn:aws:iam::${ACCOUNT}:user/pi-02`;
  t.match(await error('PollHostCommand', { HostIdentifier: other }), { code: 'AccessDeniedException', status: 400, message: /is not authorized to perform: codedeploy-commands:PollHostCommand/ });
  t.match(await error('PollHostCommand', { HostIdentifier: STRANGER }, { arn: STRANGER }), { code: 'HostNotFoundException' });
  t.match(await error('PutHostCommandAcknowledgement', { HostCommandIdentifier: 'x' }, { arn: STRANGER }), { code: 'HostNotFoundException' });
  void broker.dispatch(dispatchRequest());
  const cmd = (await broker.poll({ accountId: ACCOUNT, region: REGION, hostIdentifier: PI }, undefined, 0))!;
  t.match(await error('GetDeploymentSpecification', { DeploymentExecutionId: cmd.DeploymentExecutionId, HostIdentifier: other }), { code: 'AccessDeniedException' });
});

t.test('a long poll ends when the request is aborted', async (t) => {
  const broker = createCommandBroker();
  t.teardown(() => broker.close());
  const service = createCommandsService({ broker, instances, ca: await createSigningCa(), maxPollWaitMs: 60_000 });
  const ac = new AbortController();
  const started = Date.now();
  const pending = service(req('PollHostCommand', { HostIdentifier: PI }, { signal: ac.signal }));
  setTimeout(() => ac.abort(), 30);
  const res = await pending;
  t.equal(String(res.body), '{}');
  t.ok(Date.now() - started < 5_000);
});
