// The estate the end-to-end rollout tests run against: one sandbox with two device accounts, each
// with a deployment group of virtual hosts (the second account's hosts fail revisions of versions
// ending `-bad`), two tenant accounts with a stack (a resource fails on versions ending `-broken`)
// and web files; a fleet.yml with a device wave then a tenant wave; releases pushed in-process.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';
import { parseSandboxConfigDocument } from '../../../sandbox/sandbox-config.js';
import { generateTenantsConfig, tenantExternalId } from '../../../sandbox/tenants-config.js';
import { runCli, spawnCli } from '../../helpers/cli.js';
import { pushRelease } from '../../helpers/release-push.js';
import { tempDir, type Teardowns } from '../../helpers/temp-dir.js';

export const DEVICE_ACCOUNTS = ['200000000000', '200000000001'] as const;
export const TENANTS = ['300000000000', '300000000001'] as const;
export const BUCKET = 'pipeline-artifacts-111111111111';
export const APP = 'air-quality';
export const GROUP = 'pis';
export const DEVICE_TARGETS = ['d1', 'd2'] as const;
export const STACK_TARGETS = ['t1-stack', 't2-stack'] as const;
export const WEB_TARGETS = ['t1-web', 't2-web'] as const;

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Version: { Type: String }
Conditions:
  Broken: !Equals [!Select [1, !Split ['-', !Sub '\${Version}-x']], broken]
Resources:
  Topic: { Type: AWS::SNS::Topic, Properties: { DisplayName: !Sub 'air quality \${Version}' } }
  Disk:
    Type: AWS::SNS::Topic
    Condition: Broken
    Metadata: { SandboxFail: 'disk full on the broken release' }
Outputs:
  Version: { Value: !Ref Version }
`;

const APPSPEC = 'version: 0.0\nos: linux\nfiles:\n  - source: app.txt\n    destination: /opt/air-quality\n';

function sandboxConfig(eventMs: number): Record<string, unknown> {
  const options = { tenants: TENANTS.length, deviceAccounts: DEVICE_ACCOUNTS.length };
  const doc = generateTenantsConfig(options) as { accounts: Record<string, unknown>[] };
  for (const account of doc.accounts) {
    // `release push` registers the device revision with the application in the pipeline account
    if (account['kind'] === 'pipeline') account['codedeploy'] = { applications: [{ name: APP }] };
    const i = DEVICE_ACCOUNTS.indexOf(account['accountId'] as (typeof DEVICE_ACCOUNTS)[number]);
    if (i < 0) continue;
    const id = DEVICE_ACCOUNTS[i];
    const serviceRole = { name: 'CodeDeployServiceRole', trust: { services: ['codedeploy.amazonaws.com'] } };
    account['roles'] = [...(account['roles'] as unknown[]), serviceRole];
    account['codedeploy'] = {
      applications: [{
        name: APP,
        deploymentGroups: [{
          name: GROUP,
          serviceRoleArn: `arn:aws:iam::${id}:role/CodeDeployServiceRole`,
          deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
          onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: 'lab', Type: 'KEY_AND_VALUE' }],
        }],
      }],
    };
    account['virtualHosts'] = [{
      namePrefix: `pi-${i + 1}`,
      count: 3,
      tags: { fleet: 'lab' },
      eventMs,
      ...(i === 1 ? { failOnRevision: `releases/${APP}/*-bad/*` } : {}),
    }];
  }
  return doc;
}

function fleetYml(): string {
  const tenant = (id: string) => `role_arn: 'arn:aws:iam::${id}:role/PipelineAccessRole', external_id: ${tenantExternalId(id)}`;
  const device = (id: string) =>
    `{ kind: devices, role_arn: 'arn:aws:iam::${id}:role/FleetDeployRole', application: ${APP}, ` +
    `deployment_group: ${GROUP}, select: { fleet: lab } }`;
  const stack = (id: string) =>
    `{ kind: stack, ${tenant(id)}, stack: ${APP}, cfn_role_arn: 'arn:aws:iam::${id}:role/CloudFormationDeployRole', ` +
    'release_parameters: { version: Version } }';
  const web = (id: string) => `{ kind: web, ${tenant(id)}, bucket: tenant-${id}-web }`;
  return `application: ${APP}
region: us-east-1
release: { bucket: ${BUCKET}, prefix: releases/, parts: { device: device, stack: { template: cloud/template.yaml }, web: web } }
targets:
  d1: ${device(DEVICE_ACCOUNTS[0])}
  d2: ${device(DEVICE_ACCOUNTS[1])}
  t1-stack: ${stack(TENANTS[0])}
  t2-stack: ${stack(TENANTS[1])}
  t1-web: ${web(TENANTS[0])}
  t2-web: ${web(TENANTS[1])}
environments:
  - name: production
    match: 'v*'
    waves:
      - { name: devices, targets: [d1, d2], max_failed: 0 }
      - { name: tenants, targets: [t1-stack, t2-stack, t1-web, t2-web], max_failed: 0 }
`;
}

export interface Estate {
  readonly sb: Sandbox;
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly fleetctl: (args: string[], timeoutMs?: number) => ReturnType<typeof runCli>;
  readonly spawn: (args: string[]) => ReturnType<typeof spawnCli>;
  /** `fleetctl release push --version V` as it stores a release (in-process, against the sandbox). */
  readonly push: (version: string) => Promise<void>;
}

export const rolloutId = (version: string): string => `${APP}@${version}@production`;

export interface EstateOptions {
  /** The sandbox's CloudFormation provisioning timer (a test may hold stack operations with it). */
  readonly cloudformationSleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** `eventMs`: how long a virtual host takes per lifecycle event (default 5). */
export async function startEstate(t: Teardowns, eventMs = 5, options: EstateOptions = {}): Promise<Estate> {
  const config = parseSandboxConfigDocument(sandboxConfig(eventMs), 'generated');
  const sb = await startSandbox({ config, ...(options.cloudformationSleep ? { cloudformationSleep: options.cloudformationSleep } : {}) });
  t.teardown(() => sb.close());
  const env = { ...process.env, ...sb.env() };
  const dir = tempDir(t, 'rollout-e2e');
  for (const d of ['cloud', 'web', 'device']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'cloud', 'template.yaml'), TEMPLATE);
  writeFileSync(join(dir, 'web', 'index.html'), '<h1>air quality</h1>\n');
  writeFileSync(join(dir, 'device', 'appspec.yml'), APPSPEC);
  writeFileSync(join(dir, 'device', 'app.txt'), 'the app\n');
  writeFileSync(join(dir, 'fleet.yml'), fleetYml());
  const push = (version: string): Promise<void> => pushRelease(sb, join(dir, 'fleet.yml'), version);
  return {
    sb,
    dir,
    env,
    push,
    fleetctl: (args, timeoutMs = 100_000) => runCli('fleetctl', args, env, timeoutMs, dir),
    spawn: (args) => spawnCli('fleetctl', args, env, dir),
  };
}

/** Successful calls of one operation per account since `mark` (the sandbox's call accounting). */
export function callsPerAccount(sb: Sandbox, mark: number, operation: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of sb.calls.since(mark).calls) {
    if (c.operation !== operation) continue;
    out[c.accountId] = (out[c.accountId] ?? 0) + c.count - c.errors;
  }
  return out;
}

export interface StatusDoc {
  readonly state: string;
  readonly counts: Record<string, number>;
  readonly waves: readonly { readonly name: string; readonly status: string; readonly targets: readonly Record<string, unknown>[] }[];
}

export async function status(e: Estate, version: string): Promise<StatusDoc> {
  const r = await e.fleetctl(['rollout', 'status', rolloutId(version), '--json']);
  if (r.code !== 0 && r.code !== 1) throw new Error(`rollout status: exit ${String(r.code)}\n${r.stderr}`);
  return JSON.parse(r.stdout) as StatusDoc;
}
