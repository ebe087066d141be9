// The IoT control-plane calls the moto cross-check compares (iot-moto-crosscheck.test.ts), and the
// shapes their parsed outputs have: member name → JS type, and the name and status of the errors;
// where moto's recorded shapes are kept, and how the sandbox's are compared with moto's.
import type { Test } from 'tap';
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
  ListCertificatesCommand,
  ListThingsCommand,
  type IoTClient as Client,
} from '@aws-sdk/client-iot';
import { failure } from './iot-harness.js';

export const IOT_RECORDING = new URL('./fixtures/moto-iot-shapes.json', import.meta.url);

/** Member name → JS type of a parsed output (nested objects flattened as a.b; $metadata left out). */
export function shape(value: unknown, prefix = ''): Record<string, string> {
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
export async function scenario(iot: Client): Promise<Record<string, unknown>> {
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

/** What is compared: per call its output's shape, or for an `error:` entry the error's name and status. */
export type Shapes = Record<string, Record<string, unknown>>;

export function shapesOf(results: Record<string, unknown>): Shapes {
  return Object.fromEntries(Object.entries(results).map(([op, v]) => [op, op.startsWith('error:') ? (v as Record<string, unknown>) : shape(v)]));
}

/** The sandbox's shapes agree with moto's (`label`: live or recorded). */
export function compareWithMoto(t: Test, fromSandbox: Shapes, fromMoto: Shapes, label: string): void {
  t.same(Object.keys(fromSandbox), Object.keys(fromMoto), `${label}: the same calls`);
  for (const [op, m] of Object.entries(fromMoto)) {
    const s = fromSandbox[op] ?? {};
    if (op.startsWith('error:')) {
      t.same(s, m, `${label}: ${op}`);
      continue;
    }
    const common = Object.keys(m).filter((k) => k in s);
    t.same(
      Object.fromEntries(common.map((k) => [k, s[k]])),
      Object.fromEntries(common.map((k) => [k, m[k]])),
      `${label}: ${op}: the members both return parse to the same types`,
    );
    t.same(Object.keys(m).filter((k) => !(k in s)), [], `${label}: ${op}: the sandbox returns every member moto does`);
  }
}
