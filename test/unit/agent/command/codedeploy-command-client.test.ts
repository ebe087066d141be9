// CodeDeployCommandClient against scripted local endpoints: the wire format of every operation,
// the response mapping, and how error responses are classified.
import t, { type Test } from 'tap';
import { CodeDeployCommandClient, commandsErrorCode, type CodeDeployCommandClientOptions } from '../../../../agent/command/codedeploy-command-client.js';
import { startFakeEndpoint, type FakeServer, type Reply, type SeenRequest } from './fake-servers.js';

const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const HOST = 'arn:aws:iam::111122223333:user/pi-fleet-01';

async function fixture(t: Test, handler: (req: SeenRequest, i: number) => Reply, opts: Partial<CodeDeployCommandClientOptions> = {}): Promise<{ server: FakeServer; client: CodeDeployCommandClient }> {
  const server = await startFakeEndpoint(handler);
  const client = new CodeDeployCommandClient({ endpoint: server.url, region: 'eu-west-1', credentials: async () => CREDS, agentVersion: 'edge-agent-0.1.0', ...opts });
  t.teardown(async () => {
    client.close();
    await server.close();
  });
  return { server, client };
}

t.test('requests: AWS JSON 1.1, SigV4 for codedeploy-commands, model casing', async (t) => {
  const { server, client } = await fixture(t, (req) => {
    switch (req.op) {
      case 'PollHostCommand':
        return { body: { HostCommand: { HostCommandIdentifier: 'hc-1', HostIdentifier: HOST, DeploymentExecutionId: 'a/b/c/d', CommandName: 'BeforeInstall', Nonce: 3 } } };
      case 'PutHostCommandAcknowledgement':
        return { body: { CommandStatus: 'InProgress' } };
      case 'GetDeploymentSpecification':
        return { body: { DeploymentSystem: 'CodeDeploy', DeploymentSpecification: { GenericEnvelope: { Format: 'PKCS7/JSON', Payload: 'pem' }, VariantId: 'v', VariantEnvelope: { Format: 'x', Payload: 'y' } } } };
      case 'PostHostCommandUpdate':
        return { body: { CommandStatus: 'Failed' } };
      default:
        return { body: '' };
    }
  });
  t.same(await client.poll(HOST), { hostCommandIdentifier: 'hc-1', hostIdentifier: HOST, deploymentExecutionId: 'a/b/c/d', commandName: 'BeforeInstall' });
  t.equal(await client.acknowledge('hc-1', true), 'InProgress');
  t.same(await client.getDeploymentSpecification('a/b/c/d', HOST), { deploymentSystem: 'CodeDeploy', envelope: { format: 'PKCS7/JSON', payload: 'pem' } });
  t.equal(await client.complete('hc-1', 'Failed', '{"error_code":4}'), undefined);
  t.equal(await client.update('hc-1'), 'Failed');

  const [poll, ack, spec, complete, update] = server.requests;
  t.same(poll?.json, { HostIdentifier: HOST });
  t.same(ack?.json, { HostCommandIdentifier: 'hc-1', Diagnostics: { Format: 'JSON', Payload: '{"IsCommandNoop":true}' } });
  t.same(spec?.json, { DeploymentExecutionId: 'a/b/c/d', HostIdentifier: HOST });
  t.same(complete?.json, { HostCommandIdentifier: 'hc-1', CommandStatus: 'Failed', Diagnostics: { Format: 'JSON', Payload: '{"error_code":4}' } });
  t.same(update?.json, { HostCommandIdentifier: 'hc-1' });
  for (const req of server.requests) {
    t.equal(req.method, 'POST');
    t.equal(req.url, '/');
    t.equal(req.headers['content-type'], 'application/x-amz-json-1.1');
    t.equal(req.headers['x-amz-target'], `CodeDeployCommandService_v20141006.${req.op}`);
    t.equal(req.headers['x-amz-codedeploy-agent-version'], 'edge-agent-0.1.0');
    t.match(req.headers['x-amz-content-sha256'], /^[0-9a-f]{64}$/);
    t.match(req.headers['authorization'], /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/codedeploy-commands\/aws4_request, SignedHeaders=content-type;host;x-amz-codedeploy-agent-version;x-amz-content-sha256;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/);
    t.equal(req.headers['x-amz-security-token'], undefined);
  }
});

t.test('session credentials and the secure stack', async (t) => {
  const { server, client } = await fixture(t, () => ({ body: {} }), {
    secure: true,
    region: 'cn-north-1',
    credentials: async () => ({ ...CREDS, sessionToken: 'session-token' }),
  });
  t.equal(await client.poll(HOST), undefined);
  const req = server.requests[0];
  t.equal(req?.headers['x-amz-target'], 'CodeDeployCommandService.PollHostCommand');
  t.equal(req?.headers['x-amz-security-token'], 'session-token');
  t.match(req?.headers['authorization'], /\/cn-north-1\/codedeploy-commands-secure\/aws4_request, SignedHeaders=[^ ]*x-amz-security-token/);
});

t.test('empty and partial responses', async (t) => {
  const bodies: Reply[] = [
    { body: {} },
    { body: { HostCommand: null } },
    { body: '' },
    { body: { CommandStatus: 'Cancelled' } },
    { body: {} },
    { body: { DeploymentSystem: 'CodeDeploy' } },
    { body: { DeploymentSpecification: { GenericEnvelope: {} } } },
    { body: { HostCommand: { HostIdentifier: HOST } } },
  ];
  const { client } = await fixture(t, (_req, i) => bodies[i] ?? {});
  t.equal(await client.poll(HOST), undefined, '{}');
  t.equal(await client.poll(HOST), undefined, 'HostCommand: null');
  t.equal(await client.poll(HOST), undefined, 'empty body');
  t.equal(await client.acknowledge('hc', false), undefined, 'an unknown status is no status');
  t.equal(await client.acknowledge('hc', false), undefined, 'no status');
  t.same(await client.getDeploymentSpecification('a/b/c/d', HOST), { deploymentSystem: 'CodeDeploy', envelope: undefined });
  t.same(await client.getDeploymentSpecification('a/b/c/d', HOST), { deploymentSystem: '', envelope: { format: '', payload: '' } });
  await t.rejects(client.poll(HOST), { code: 'COMMANDS_UNAVAILABLE', message: /without a HostCommandIdentifier/ });
});

t.test('error responses', async (t) => {
  const replies: Reply[] = [
    { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } },
    { status: 429, body: '' },
    { status: 400, body: { __type: 'ClientException', message: 'Rate exceeded for host' } },
    { status: 400, headers: { 'x-amzn-errortype': 'HostNotFoundException:http://internal.amazon.com/coral/', 'x-amzn-requestid': 'req-1' }, body: { message: 'No such host' } },
    { status: 400, body: { __type: 'com.amazon.codedeploy.commands#DeploymentNotFoundException', Message: 'gone' } },
    { status: 503, body: { __type: 'ServiceUnavailable', message: 'try later' } },
    { status: 500, body: '<html>oops</html>' },
    { status: 403, body: '<html>Forbidden</html>' },
    { status: 200, body: '{"HostCommand":' },
  ];
  const { client } = await fixture(t, (_req, i) => replies[i] ?? {});
  await t.rejects(client.poll(HOST), { code: 'COMMANDS_THROTTLED', retryable: true, details: { awsCode: 'ThrottlingException', status: 400, operation: 'PollHostCommand' }, message: 'CodeDeploy Commands PollHostCommand failed: ThrottlingException: Rate exceeded' });
  await t.rejects(client.poll(HOST), { code: 'COMMANDS_THROTTLED', details: { status: 429 } });
  await t.rejects(client.poll(HOST), { code: 'COMMANDS_THROTTLED', details: { awsCode: 'ClientException' } });
  await t.rejects(client.poll(HOST), { code: 'COMMANDS_REJECTED', retryable: false, details: { awsCode: 'HostNotFoundException', requestId: 'req-1' }, message: /HostNotFoundException: No such host$/ });
  await t.rejects(client.getDeploymentSpecification('a/b/c/d', HOST), { code: 'COMMANDS_REJECTED', details: { awsCode: 'DeploymentNotFoundException' }, message: /: gone$/ });
  await t.rejects(client.complete('hc', 'Succeeded', '{}'), { code: 'COMMANDS_UNAVAILABLE', retryable: true, details: { status: 503, awsCode: 'ServiceUnavailable' } });
  await t.rejects(client.poll(HOST), { code: 'COMMANDS_UNAVAILABLE', details: { status: 500 }, message: /HTTP 500: <html>oops<\/html>/ });
  await t.rejects(client.poll(HOST), { code: 'COMMANDS_REJECTED', details: { status: 403 } });
  await t.rejects(client.poll(HOST), { code: 'COMMANDS_UNAVAILABLE', message: /not JSON/ });
});

t.test('commandsErrorCode', async (t) => {
  for (const name of ['ThrottlingException', 'Throttling', 'RequestLimitExceeded', 'TooManyRequestsException', 'SlowDown']) t.equal(commandsErrorCode(400, name, ''), 'COMMANDS_THROTTLED', name);
  t.equal(commandsErrorCode(429, undefined, ''), 'COMMANDS_THROTTLED');
  t.equal(commandsErrorCode(400, 'ClientException', 'Request was throttled'), 'COMMANDS_THROTTLED');
  t.equal(commandsErrorCode(503, 'ServerException', 'Rate Exceeded'), 'COMMANDS_THROTTLED');
  t.equal(commandsErrorCode(500, 'ServerException', 'boom'), 'COMMANDS_UNAVAILABLE');
  t.equal(commandsErrorCode(400, 'RequestTimeoutException', ''), 'COMMANDS_UNAVAILABLE');
  t.equal(commandsErrorCode(408, undefined, ''), 'COMMANDS_UNAVAILABLE');
  t.equal(commandsErrorCode(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.'), 'COMMANDS_REJECTED');
  t.equal(commandsErrorCode(400, 'AccessDeniedException', ''), 'COMMANDS_REJECTED');
  t.equal(commandsErrorCode(404, undefined, 'Not Found'), 'COMMANDS_REJECTED');
});

t.test('a clock off by an hour is corrected from the Date header once', async (t) => {
  const serverSkewMs = 3600_000;
  const { server, client } = await fixture(t, (req) => {
    const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(String(req.headers['x-amz-date']));
    const signed = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : 0;
    const serverNow = Date.now() + serverSkewMs;
    const date = new Date(serverNow).toUTCString();
    if (Math.abs(signed - serverNow) > 5 * 60_000) return { status: 400, headers: { date }, body: { __type: 'InvalidSignatureException', message: 'Signature expired: 20260101T000000Z is now earlier than 20260101T010000Z' } };
    return { headers: { date }, body: {} };
  });
  t.equal(await client.poll(HOST), undefined);
  t.equal(server.requests.length, 2, 'rejected once, then re-signed');
  t.equal(await client.poll(HOST), undefined);
  t.equal(server.requests.length, 3, 'the offset is kept');
});

t.test('a bad signature is not retried as clock skew', async (t) => {
  const { server, client } = await fixture(t, () => ({ status: 400, body: { __type: 'InvalidSignatureException', message: 'The request signature we calculated does not match' } }));
  await t.rejects(client.poll(HOST), { code: 'COMMANDS_REJECTED', details: { awsCode: 'InvalidSignatureException' } });
  t.equal(server.requests.length, 1);
});

t.test('credential provider failures', async (t) => {
  const { server, client } = await fixture(t, () => ({ body: {} }), {
    credentials: async () => {
      throw new Error('no such file: /etc/edge-agent/credentials');
    },
  });
  await t.rejects(client.poll(HOST), { code: 'CREDENTIALS_UNAVAILABLE', retryable: true, message: /no such file/ });
  t.equal(server.requests.length, 0);
});
