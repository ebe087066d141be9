// The sandbox's IoT credentials provider over real mutual TLS (node:https): devices set up through
// @aws-sdk/client-iot exchange their certificate for role credentials that STS, IoT and CodeDeploy
// on the sandbox accept; and the refusals, with the status and body AWS answers.
import t from 'tap';
import { CodeDeployClient, ListApplicationsCommand } from '@aws-sdk/client-codedeploy';
import {
  CreateKeysAndCertificateCommand,
  CreateRoleAliasCommand,
  CreateThingCommand,
  DeleteCertificateCommand,
  DescribeThingCommand,
  DetachThingPrincipalCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createIotCa } from '../../../sandbox/iot/iot-ca.js';
import { iotClient, mtlsGet, provisionDevice, startIotSandbox, type Device } from './iot-harness.js';

const ACCOUNT = '111111111111';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/edge-device`;

interface Issued {
  readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string };
}

t.test('a device exchanges its certificate for role credentials that the sandbox accepts', async (t) => {
  const { sb, iot } = await startIotSandbox(t);
  const device = await provisionDevice(iot, 'rpi-01');
  await iot.send(new CreateRoleAliasCommand({ roleAlias: 'edge-device-alias', roleArn: ROLE_ARN, credentialDurationSeconds: 900 }));
  const tls = { caPem: sb.iot.caPem, certPem: device.certificatePem, keyPem: device.privateKeyPem };

  const before = Date.now();
  const res = await mtlsGet(sb.iot.credentialsEndpoint, '/role-aliases/edge-device-alias/credentials', tls, { 'x-amzn-iot-thingname': 'rpi-01' });
  t.equal(res.status, 200, res.body);
  t.match(res.headers['content-type'], /^application\/json/);
  const body = JSON.parse(res.body) as Issued;
  t.same(Object.keys(body), ['credentials']);
  t.same(Object.keys(body.credentials).sort(), ['accessKeyId', 'expiration', 'secretAccessKey', 'sessionToken']);
  t.match(body.credentials.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
  t.match(body.credentials.expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'ISO-8601 to the second');
  const ttl = Date.parse(body.credentials.expiration) - before;
  t.ok(ttl > 880_000 && ttl <= 905_000, `valid for the alias's credentialDurationSeconds (${ttl} ms)`);

  const credentials = { accessKeyId: body.credentials.accessKeyId, secretAccessKey: body.credentials.secretAccessKey, sessionToken: body.credentials.sessionToken };
  const who = await new STSClient({ endpoint: sb.url, region: sb.region, credentials, maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
  t.equal(who.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/edge-device/${device.certificateId}`, 'an assumed-role session named after the certificate id');
  t.equal(who.Account, ACCOUNT);
  t.match(who.UserId, new RegExp(`^AROA[A-Z2-7]{17}:${device.certificateId}$`));
  const codedeploy = new CodeDeployClient({ endpoint: sb.url, region: sb.region, credentials, maxAttempts: 1 });
  t.same((await codedeploy.send(new ListApplicationsCommand({}))).applications, [], 'CodeDeploy accepts the session');
  const asDevice = iotClient(sb, { ...credentials, arn: who.Arn!, accountId: ACCOUNT, userId: who.UserId! });
  t.equal((await asDevice.send(new DescribeThingCommand({ thingName: 'rpi-01' }))).thingName, 'rpi-01', 'and so does IoT');

  const noThing = await mtlsGet(sb.iot.credentialsEndpoint, '/role-aliases/edge-device-alias/credentials', tls);
  t.equal(noThing.status, 200, 'the thing-name header is optional, as in AWS');
  t.not((JSON.parse(noThing.body) as Issued).credentials.accessKeyId, body.credentials.accessKeyId, 'every request gets a new session');
});

t.test('refusals: at the TLS handshake, then with the answers the real service gives', async (t) => {
  const { sb, iot } = await startIotSandbox(t);
  await iot.send(new CreateRoleAliasCommand({ roleAlias: 'edge', roleArn: ROLE_ARN }));
  const device = await provisionDevice(iot, 'rpi-01');
  const path = '/role-aliases/edge/credentials';
  const ask = (d: Pick<Device, 'certificatePem' | 'privateKeyPem'>, headers: Record<string, string> = { 'x-amzn-iot-thingname': 'rpi-01' }, p = path) =>
    mtlsGet(sb.iot.credentialsEndpoint, p, { caPem: sb.iot.caPem, certPem: d.certificatePem, keyPem: d.privateKeyPem }, headers);
  const answer = (r: { status: number; body: string; headers: Record<string, unknown> }) => ({ status: r.status, body: JSON.parse(r.body) as unknown, type: r.headers['x-amzn-errortype'] });

  await t.rejects(mtlsGet(sb.iot.credentialsEndpoint, path, { caPem: sb.iot.caPem }, { 'x-amzn-iot-thingname': 'rpi-01' }), 'no client certificate: the handshake is refused');
  const foreign = await (await createIotCa()).issueDeviceCertificate();
  await t.rejects(ask(foreign), 'a certificate from another CA: the handshake is refused');

  t.same(answer(await ask(device, { 'x-amzn-iot-thingname': 'rpi-02' })), { status: 403, body: { message: 'Invalid thing name passed' }, type: 'AccessDeniedException' }, 'a thing that does not exist');
  await iot.send(new CreateThingCommand({ thingName: 'rpi-02' }));
  t.same(answer(await ask(device, { 'x-amzn-iot-thingname': 'rpi-02' })).body, { message: 'Invalid thing name passed' }, 'a thing the certificate is not attached to');
  t.same(answer(await ask(device, undefined, '/role-aliases/missing/credentials')), { status: 404, body: { message: 'Role alias does not exist' }, type: 'ResourceNotFoundException' });
  t.equal((await ask(device, undefined, '/role-aliases/edge/other')).status, 404, 'other paths: not found');

  await iot.send(new UpdateCertificateCommand({ certificateId: device.certificateId, newStatus: 'INACTIVE' }));
  t.same(answer(await ask(device)), { status: 403, body: { message: 'Access Denied' }, type: 'AccessDeniedException' }, 'an INACTIVE certificate');
  await iot.send(new UpdateCertificateCommand({ certificateId: device.certificateId, newStatus: 'ACTIVE' }));
  t.equal((await ask(device)).status, 200, 'active again: credentials again');

  await iot.send(new UpdateCertificateCommand({ certificateId: device.certificateId, newStatus: 'INACTIVE' }));
  await iot.send(new DetachThingPrincipalCommand({ thingName: 'rpi-01', principal: device.certificateArn }));
  await iot.send(new DeleteCertificateCommand({ certificateId: device.certificateId }));
  t.same(answer(await ask(device, {})), { status: 403, body: { message: 'Certificate is invalid on this endpoint' }, type: 'AccessDeniedException' }, 'a certificate the registry does not know');
});

t.test('a role the sandbox config does not allow cannot be assumed through an alias', async (t) => {
  const { sb, iot } = await startIotSandbox(t, {
    config: { region: 'us-east-1', pipelineAccountId: ACCOUNT, tenants: [{ accountId: '222222222222', name: 'tenant', roles: ['allowed'] }] },
  });
  const device = await provisionDevice(iot, 'rpi-01');
  await iot.send(new CreateRoleAliasCommand({ roleAlias: 'cross-account', roleArn: 'arn:aws:iam::222222222222:role/allowed' }));
  const res = await mtlsGet(sb.iot.credentialsEndpoint, '/role-aliases/cross-account/credentials', { caPem: sb.iot.caPem, certPem: device.certificatePem, keyPem: device.privateKeyPem });
  t.same([res.status, JSON.parse(res.body)], [400, { message: 'Unable to assume the role, or the role to assume does not exist' }], 'the role must be in the certificate\'s account');
});

t.test('credentials issued before a restart keep working; the device keeps its certificate', async (t) => {
  const dir = t.testdir();
  const first = await startIotSandbox(t, { dir });
  const device = await provisionDevice(first.iot, 'rpi-01');
  await first.iot.send(new CreateRoleAliasCommand({ roleAlias: 'edge', roleArn: ROLE_ARN }));
  const tls = { certPem: device.certificatePem, keyPem: device.privateKeyPem };
  const before = JSON.parse((await mtlsGet(first.sb.iot.credentialsEndpoint, '/role-aliases/edge/credentials', { caPem: first.sb.iot.caPem, ...tls })).body) as Issued;
  await first.sb.close();

  const second = await startIotSandbox(t, { dir });
  const again = await mtlsGet(second.sb.iot.credentialsEndpoint, '/role-aliases/edge/credentials', { caPem: second.sb.iot.caPem, ...tls }, { 'x-amzn-iot-thingname': 'rpi-01' });
  t.equal(again.status, 200, 'the restarted provider knows the certificate');
  const sts = new STSClient({ endpoint: second.sb.url, region: second.sb.region, credentials: { accessKeyId: before.credentials.accessKeyId, secretAccessKey: before.credentials.secretAccessKey, sessionToken: before.credentials.sessionToken }, maxAttempts: 1 });
  t.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/edge-device/${device.certificateId}`, 'the earlier session is still valid');
  const keys = await second.iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  t.ok(keys.certificateId);
  // closed before the test ends: tap removes t.testdir() before running teardowns, and a running
  // sandbox could write its state into the folder while it is removed
  await second.sb.close();
});
