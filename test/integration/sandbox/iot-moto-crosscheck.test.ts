// An independent cross-check of the sandbox's IoT response shapes: the same @aws-sdk/client-iot
// calls against moto_server (a third-party AWS stand-in, started here on a free port) and against
// the sandbox must parse into the same members with the same types, and fail with the same errors.
import t from 'tap';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateRoleAliasCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DescribeCertificateCommand,
  DescribeRoleAliasCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  GetPolicyCommand,
  IoTClient,
  ListCertificatesCommand,
  ListThingsCommand,
  type IoTClient as Client,
} from '@aws-sdk/client-iot';
import { failure, startIotSandbox } from './iot-harness.js';

async function freePort(): Promise<number> {
  const server = createServer();
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Member name → JS type of a parsed output (nested objects flattened as a.b; $metadata left out). */
function shape(value: unknown, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === null || typeof value !== 'object' || value instanceof Date) return out;
  for (const [k, v] of Object.entries(value)) {
    if (k === '$metadata' || v === undefined) continue;
    const name = prefix + k;
    out[name] = v instanceof Date ? 'Date' : Array.isArray(v) ? 'array' : typeof v;
    if (typeof v === 'object' && v !== null && !(v instanceof Date) && !Array.isArray(v) && name !== 'attributes') Object.assign(out, shape(v, `${name}.`));
  }
  return out;
}

/** The calls whose outputs are compared, run against one endpoint. */
async function scenario(iot: Client): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  out['CreateThing'] = await iot.send(new CreateThingCommand({ thingName: 'rpi-01', attributePayload: { attributes: { site: 'lab' } } }));
  out['DescribeThing'] = await iot.send(new DescribeThingCommand({ thingName: 'rpi-01' }));
  out['ListThings'] = ((await iot.send(new ListThingsCommand({}))).things ?? [])[0];
  out['CreateThingGroup'] = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet' }));
  const group = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'fleet' }));
  out['DescribeThingGroup'] = { thingGroupName: group.thingGroupName, thingGroupArn: group.thingGroupArn, thingGroupId: group.thingGroupId, version: group.version };
  const keys = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  out['CreateKeysAndCertificate'] = keys;
  const d = (await iot.send(new DescribeCertificateCommand({ certificateId: keys.certificateId! }))).certificateDescription!;
  out['DescribeCertificate'] = { certificateArn: d.certificateArn, certificateId: d.certificateId, status: d.status, certificatePem: d.certificatePem, ownedBy: d.ownedBy, creationDate: d.creationDate, lastModifiedDate: d.lastModifiedDate };
  out['ListCertificates'] = (await iot.send(new ListCertificatesCommand({}))).certificates?.[0];
  const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] });
  out['CreatePolicy'] = await iot.send(new CreatePolicyCommand({ policyName: 'device', policyDocument: doc }));
  const policy = await iot.send(new GetPolicyCommand({ policyName: 'device' }));
  out['GetPolicy'] = { policyName: policy.policyName, policyArn: policy.policyArn, policyDocument: policy.policyDocument, defaultVersionId: policy.defaultVersionId };
  out['CreateRoleAlias'] = await iot.send(new CreateRoleAliasCommand({ roleAlias: 'edge', roleArn: 'arn:aws:iam::123456789012:role/edge', credentialDurationSeconds: 3600 }));
  const alias = (await iot.send(new DescribeRoleAliasCommand({ roleAlias: 'edge' }))).roleAliasDescription!;
  out['DescribeRoleAlias'] = { roleAlias: alias.roleAlias, roleAliasArn: alias.roleAliasArn, roleArn: alias.roleArn, credentialDurationSeconds: alias.credentialDurationSeconds };
  const missing = await failure(iot.send(new DescribeThingCommand({ thingName: 'ghost' })));
  out['error:DescribeThing(missing)'] = { name: missing.name, status: missing.status };
  // (moto accepts CreateThing with different attributes for an existing name; AWS does not, so that
  // refusal is covered in iot-control-plane.test.ts only.)
  const dup = await failure(iot.send(new CreatePolicyCommand({ policyName: 'device', policyDocument: doc })));
  out['error:CreatePolicy(exists)'] = { name: dup.name, status: dup.status };
  return out;
}

t.test('client-iot parses the sandbox and moto_server alike', async (t) => {
  const port = await freePort();
  const moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let motoLog = '';
  moto.stderr.on('data', (d: Buffer) => (motoLog = (motoLog + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => moto.once('exit', () => resolve()));
  t.teardown(async () => {
    moto.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
  });
  const motoUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`${motoUrl}/moto-api/`).then((r) => r.ok, () => false);
    if (up) break;
    if (i > 300 || moto.exitCode !== null) throw new Error(`moto_server did not start: ${motoLog}`);
    await sleep(100);
  }
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const fromMoto = await scenario(new IoTClient({ endpoint: motoUrl, region: 'us-east-1', credentials, maxAttempts: 1 }));
  const { iot } = await startIotSandbox(t);
  const fromSandbox = await scenario(iot);

  for (const op of Object.keys(fromMoto)) {
    if (op.startsWith('error:')) {
      t.same(fromSandbox[op], fromMoto[op], op);
      continue;
    }
    const m = shape(fromMoto[op]);
    const s = shape(fromSandbox[op]);
    const common = Object.keys(m).filter((k) => k in s);
    t.same(
      Object.fromEntries(common.map((k) => [k, s[k]])),
      Object.fromEntries(common.map((k) => [k, m[k]])),
      `${op}: the members both return parse to the same types`,
    );
    t.same(Object.keys(m).filter((k) => !(k in s)), [], `${op}: the sandbox returns every member moto does`);
  }
});
