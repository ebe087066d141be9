// A larger estate for the end-to-end rollout tests: one sandbox with two device accounts (a
// deployment group of virtual hosts each) and TENANT_COUNT tenant accounts, each with a stack and
// web files, a few also with their own servers (a CodeDeploy group of virtual hosts in the tenant
// account, reached through the tenant role). Tenants carry labels (tier gold/silver, region eu/us);
// production deploys the devices, then gold, then silver by label selector with a concurrency and a
// percentage failure budget; staging (`v*-rc*`) takes the gold tenants in eu only.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';
import { parseSandboxConfigDocument } from '../../../sandbox/sandbox-config.js';
import { generateTenantsConfig, tenantExternalId } from '../../../sandbox/tenants-config.js';
import { runCli } from '../../helpers/cli.js';
import { pushRelease } from '../../helpers/release-push.js';
import { tempDir, type Teardowns } from '../../helpers/temp-dir.js';
import { clients } from '../sandbox/accounts-harness.js';
import { APP, BUCKET, DEVICE_ACCOUNTS, GROUP } from './rollout-fixture.js';

export const TENANT_COUNT = 24;
export const CONCURRENCY = 8;
/** Tenants (by index) that also run their own servers: gold/eu, gold/us, silver/eu, silver/us. */
export const SERVER_TENANTS = [0, 5, 10, 15] as const;
export const SERVERS_APP = 'tenant-app';
export const SERVERS_GROUP = 'servers';

export interface Tenant {
  readonly index: number;
  readonly account: string;
  readonly name: string;
  readonly tier: 'gold' | 'silver';
  readonly region: 'eu' | 'us';
  readonly servers: boolean;
  /** Its target names: stack, web and (with servers) the CodeDeploy group. */
  readonly targets: readonly string[];
}

export const TENANTS: readonly Tenant[] = Array.from({ length: TENANT_COUNT }, (_, i) => {
  const name = `t${String(i + 1).padStart(2, '0')}`;
  const servers = (SERVER_TENANTS as readonly number[]).includes(i);
  return {
    index: i,
    account: String(300000000000 + i),
    name,
    tier: i < 8 ? 'gold' : 'silver',
    region: i % 2 === 0 ? 'eu' : 'us',
    servers,
    targets: [`${name}-stack`, `${name}-web`, ...(servers ? [`${name}-servers`] : [])],
  };
});

/** Staging's subset: the gold tenants in eu. */
export const STAGING = TENANTS.filter((x) => x.tier === 'gold' && x.region === 'eu');
export const DEVICE_TARGETS = ['d1', 'd2'] as const;
export const WEB_FILES: Readonly<Record<string, string>> = {
  'index.html': '<h1>air quality</h1>\n',
  'app.js': 'console.log("air quality");\n',
  'css/site.css': 'h1 { color: teal; }\n',
};

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Version: { Type: String }
  Tenant: { Type: String }
Resources:
  Topic: { Type: AWS::SNS::Topic }
Outputs:
  Version: { Value: !Ref Version }
  Url: { Value: !Sub 'https://\${Tenant}.example.com/\${Version}/' }
  TopicArn: { Value: !Ref Topic }
`;

const APPSPEC = 'version: 0.0\nos: linux\nfiles:\n  - source: app.txt\n    destination: /opt/air-quality\n';

const serviceRole = { name: 'CodeDeployServiceRole', trust: { services: ['codedeploy.amazonaws.com'] } };

function group(account: string, name: string, tags: Record<string, string>): Record<string, unknown> {
  return {
    name,
    serviceRoleArn: `arn:aws:iam::${account}:role/CodeDeployServiceRole`,
    deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
    onPremisesInstanceTagFilters: Object.entries(tags).map(([Key, Value]) => ({ Key, Value, Type: 'KEY_AND_VALUE' })),
  };
}

function sandboxConfig(eventMs: number): Record<string, unknown> {
  const options = { tenants: TENANT_COUNT, deviceAccounts: DEVICE_ACCOUNTS.length };
  const doc = generateTenantsConfig(options) as { accounts: Record<string, unknown>[] };
  for (const account of doc.accounts) {
    const id = account['accountId'] as string;
    // `release push` registers the device revision with the application in the pipeline account
    if (account['kind'] === 'pipeline') account['codedeploy'] = { applications: [{ name: APP }] };
    const d = (DEVICE_ACCOUNTS as readonly string[]).indexOf(id);
    const tenant = TENANTS.find((x) => x.account === id && x.servers);
    if (d < 0 && !tenant) continue;
    account['roles'] = [...(account['roles'] as unknown[]), serviceRole];
    const tags: Record<string, string> = tenant ? { tenant: tenant.name } : { fleet: 'lab' };
    const app = tenant ? SERVERS_APP : APP;
    account['codedeploy'] = { applications: [{ name: app, deploymentGroups: [group(id, tenant ? SERVERS_GROUP : GROUP, tags)] }] };
    account['virtualHosts'] = [{ namePrefix: tenant ? `${tenant.name}-srv` : `pi-${d + 1}`, count: tenant ? 2 : 3, tags, eventMs }];
  }
  return doc;
}

function fleetYml(): string {
  const role = (id: string) => `role_arn: 'arn:aws:iam::${id}:role/PipelineAccessRole', external_id: ${tenantExternalId(id)}`;
  const device = (id: string) =>
    `{ kind: devices, role_arn: 'arn:aws:iam::${id}:role/FleetDeployRole', deployment_group: ${GROUP}, select: { fleet: lab } }`;
  const lines = [`  d1: ${device(DEVICE_ACCOUNTS[0])}`, `  d2: ${device(DEVICE_ACCOUNTS[1])}`];
  for (const x of TENANTS) {
    const common = `${role(x.account)}, labels: { tier: ${x.tier}, region: ${x.region} }`;
    lines.push(
      `  ${x.name}-stack: { kind: stack, ${common}, stack: ${APP}, ` +
        `cfn_role_arn: 'arn:aws:iam::${x.account}:role/CloudFormationDeployRole', ` +
        `parameters: { Tenant: ${x.name} }, release_parameters: { version: Version } }`,
      `  ${x.name}-web: { kind: web, ${common}, bucket: tenant-${x.account}-web }`,
    );
    const group = `application: ${SERVERS_APP}, deployment_group: ${SERVERS_GROUP}`;
    if (x.servers) lines.push(`  ${x.name}-servers: { kind: codedeploy, ${common}, ${group} }`);
  }
  return `application: ${APP}
region: us-east-1
release: { bucket: ${BUCKET}, prefix: releases/, parts: { device: device, stack: { template: cloud/template.yaml }, web: web } }
targets:
${lines.join('\n')}
environments:
  - name: staging
    match: 'v*-rc*'
    waves:
      - { name: canary, targets: { labels: { tier: gold, region: eu } }, concurrency: ${CONCURRENCY}, max_failed: 0 }
  - name: production
    match: 'v*'
    waves:
      - { name: devices, targets: [d1, d2], max_failed: 0 }
      - { name: gold, targets: { labels: { tier: gold } }, concurrency: ${CONCURRENCY}, max_failed: 10% }
      - { name: silver, targets: { labels: { tier: silver } }, concurrency: ${CONCURRENCY}, max_failed: 25% }
`;
}

export interface ManyTenants {
  readonly sb: Sandbox;
  readonly dir: string;
  readonly fleetctl: (args: string[], timeoutMs?: number) => ReturnType<typeof runCli>;
  /** `fleetctl release push --version V` as it stores a release (in-process, against the sandbox). */
  readonly push: (version: string) => Promise<void>;
  /** The files under a tenant's web bucket, with their contents (read as the pipeline account). */
  readonly webFiles: (account: string) => Promise<Record<string, string>>;
}

/** `eventMs`: how long a virtual host takes per lifecycle event. */
export async function startManyTenants(t: Teardowns, eventMs = 2): Promise<ManyTenants> {
  const sb = await startSandbox({ config: parseSandboxConfigDocument(sandboxConfig(eventMs), 'generated') });
  t.teardown(() => sb.close());
  const env = { ...process.env, ...sb.env() };
  const dir = tempDir(t, 'rollout-many');
  for (const d of ['cloud', 'web/css', 'device']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'cloud', 'template.yaml'), TEMPLATE);
  for (const [path, body] of Object.entries(WEB_FILES)) writeFileSync(join(dir, 'web', path), body);
  writeFileSync(join(dir, 'device', 'appspec.yml'), APPSPEC);
  writeFileSync(join(dir, 'device', 'app.txt'), 'the app\n');
  writeFileSync(join(dir, 'fleet.yml'), fleetYml());
  const push = (version: string): Promise<void> => pushRelease(sb, join(dir, 'fleet.yml'), version);
  const s3 = clients(sb, sb.root).s3;
  t.teardown(() => s3.destroy());
  const webFiles = async (account: string): Promise<Record<string, string>> => {
    const Bucket = `tenant-${account}-web`;
    const keys = ((await s3.send(new ListObjectsV2Command({ Bucket }))).Contents ?? []).map((o) => o.Key ?? '');
    const read = async (Key: string): Promise<string> =>
      (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body?.transformToString() ?? '';
    const bodies = await Promise.all(keys.map(read));
    return Object.fromEntries(keys.map((k, i) => [k, bodies[i] ?? '']));
  };
  return { sb, dir, push, webFiles, fleetctl: (args, timeoutMs = 100_000) => runCli('fleetctl', args, env, timeoutMs, dir) };
}
