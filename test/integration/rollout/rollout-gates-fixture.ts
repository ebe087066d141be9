// The estate the end-to-end tests of rollout safety run the real fleetctl against: one sandbox
// whose device account holds a CodeDeploy application with three groups of virtual hosts: `pis`
// (20 hosts, split into rings by the rollout; a host reports unhealthy in its shadow once it runs
// a v2 revision), `lab-a` and `lab-b` (one host each). fleet.yml routes each test's releases to an
// environment of its own by the version's prefix: `v*` rings and a device health gate, `base-*`
// everything at once, `bake-*` a bake watched by an alarm, `approve-*` a manual approval,
// `pause-*` a first wave held by a command gate until the test lets it go.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import {
  BatchGetDeploymentsCommand, BatchGetDeploymentTargetsCommand, CodeDeployClient, ListDeploymentsCommand, ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';
import { parseSandboxConfigDocument } from '../../../sandbox/sandbox-config.js';
import { sdkConfig } from '../../../sandbox/simulated-device.js';
import { generateTenantsConfig } from '../../../sandbox/tenants-config.js';
import { runCli, spawnCli, type CliResult } from '../../helpers/cli.js';
import { killGroupOf } from '../../helpers/process-groups.js';
import { pushRelease } from '../../helpers/release-push.js';
import { tempDir, type Teardowns } from '../../helpers/temp-dir.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

export const DEVICES = '200000000000';
export const APP = 'air-quality';
export const BUCKET = 'pipeline-artifacts-111111111111';
export const RING_HOSTS = 20;
export const ALARM = 'lab-errors';

function sandboxConfig(): Record<string, unknown> {
  const doc = generateTenantsConfig({ tenants: 0, deviceAccounts: 1 }) as { accounts: Record<string, unknown>[] };
  for (const account of doc.accounts) {
    // `release push` registers the device revision with the application in the pipeline account
    if (account['kind'] === 'pipeline') account['codedeploy'] = { applications: [{ name: APP }] };
    if (account['accountId'] !== DEVICES) continue;
    const serviceRoleArn = `arn:aws:iam::${DEVICES}:role/CodeDeployServiceRole`;
    const serviceRole = { name: 'CodeDeployServiceRole', trust: { services: ['codedeploy.amazonaws.com'] } };
    account['roles'] = [...(account['roles'] as unknown[]), serviceRole];
    const group = (name: string, fleet: string) => ({
      name,
      serviceRoleArn,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: fleet, Type: 'KEY_AND_VALUE' }],
    });
    const groups = [group('pis', 'lab'), group('lab-a', 'a'), group('lab-b', 'b')];
    account['codedeploy'] = { applications: [{ name: APP, deploymentGroups: groups }] };
    account['virtualHosts'] = [
      { namePrefix: 'pi', count: RING_HOSTS, tags: { fleet: 'lab' }, eventMs: 5, unhealthyOnRevision: `releases/${APP}/v2*` },
      { namePrefix: 'lab-a', count: 1, tags: { fleet: 'a' }, eventMs: 5 },
      { namePrefix: 'lab-b', count: 1, tags: { fleet: 'b' }, eventMs: 5 },
    ];
  }
  return doc;
}

const HOLD = 'touch "held-$FLEETCTL_RELEASE"; while [ ! -e "go-$FLEETCTL_RELEASE" ]; do sleep 0.05; done';

function fleetYml(): string {
  const device = (group: string, fleet: string, extra = '') =>
    `{ kind: devices, role_arn: 'arn:aws:iam::${DEVICES}:role/FleetDeployRole', application: ${APP}, ` +
    `deployment_group: ${group}, select: { fleet: ${fleet} }${extra} }`;
  return `application: ${APP}
region: us-east-1
release: { bucket: ${BUCKET}, prefix: releases/, parts: { device: device } }
targets:
  pis: ${device('pis', 'lab', ', rings: [10, 100]')}
  lab-a: ${device('lab-a', 'a')}
  lab-b: ${device('lab-b', 'b')}
environments:
  - name: production
    match: 'v*'
    waves:
      - { name: canary, targets: ['pis@ring1'], gates: { device_health: { max_unhealthy: 0, wait: 1m } } }
      - { name: rest, targets: ['pis@ring2'] }
  - name: base
    match: 'base-*'
    waves: [ { name: all, targets: [lab-a, lab-b] } ]
  - name: baking
    match: 'bake-*'
    waves:
      - { name: watched, targets: [lab-a], bake: 20s, gates: { alarms: [${ALARM}] } }
      - { name: after, targets: [lab-b] }
  - name: approval
    match: 'approve-*'
    waves:
      - { name: first, targets: [lab-a] }
      - { name: second, targets: [lab-b], approval: manual }
  - name: pausing
    match: 'pause-*'
    waves:
      - name: first
        targets: [lab-a]
        gates:
          command:
            run: '${HOLD}'
            timeout: 2m
      - { name: second, targets: [lab-b] }
`;
}

interface Ref {
  readonly kind: string;
  readonly deploymentId?: string;
}

export interface GateValue {
  readonly gate: string;
  readonly passed: boolean;
  readonly value: string;
  readonly threshold: string;
  readonly target?: string;
  readonly detail?: string;
}

export interface StatusDoc {
  readonly schema: string;
  readonly state: string;
  readonly reason?: string;
  readonly paused?: { readonly by: string; readonly at: string; readonly reason?: string };
  readonly waiting?: { readonly for: string; readonly wave: string; readonly message: string; readonly command: string };
  readonly halt?: { readonly wave: string; readonly reason: string; readonly gates: readonly GateValue[] };
  readonly rollback?: {
    readonly policy: string;
    readonly targets: readonly { readonly name: string; readonly action: string; readonly status: string; readonly ref?: Ref }[];
  };
  readonly waves: readonly {
    readonly name: string;
    readonly status: string;
    readonly reason?: string;
    readonly bakeUntil?: string;
    readonly checks: readonly { readonly phase: string; readonly passed: boolean; readonly results: readonly GateValue[] }[];
    readonly approval?: { readonly requested: boolean; readonly approved?: { readonly by: string; readonly at: string } };
    readonly targets: readonly { readonly name: string; readonly status: string; readonly ref?: Ref }[];
  }[];
}

/** A controller running in the background: its output so far and its exit code once it ends. */
export interface Controller {
  readonly child: ChildProcess;
  readonly out: () => string;
  readonly err: () => string;
  readonly exit: Promise<number | null>;
}

export interface GatesEstate {
  readonly sb: Sandbox;
  readonly dir: string;
  /** CodeDeploy and CloudWatch of the device account, as its owner sees them. */
  readonly cd: CodeDeployClient;
  readonly cw: CloudWatchClient;
  readonly fleetctl: (args: string[]) => Promise<CliResult>;
  readonly controller: (t: Teardowns, args: string[]) => Controller;
  readonly push: (version: string) => Promise<void>;
  readonly status: (version: string, environment: string) => Promise<StatusDoc>;
}

/** The summary document a `--json` command printed (start, resume, approve, pause, status). */
export const docOf = (r: Pick<CliResult, 'stdout'>): StatusDoc => JSON.parse(r.stdout) as StatusDoc;

export const rolloutId = (version: string, environment: string): string => `${APP}@${version}@${environment}`;

export async function startGatesEstate(t: Teardowns): Promise<GatesEstate> {
  const sb = await startSandbox({ config: parseSandboxConfigDocument(sandboxConfig(), 'generated') });
  const owner = { ...sdkConfig(sb, sb.rootOf(DEVICES)), maxAttempts: 3 };
  const cd = new CodeDeployClient(owner);
  const cw = new CloudWatchClient(owner);
  t.teardown(async () => {
    cd.destroy();
    cw.destroy();
    await sb.close();
  });
  const env = { ...process.env, ...sb.env() };
  const dir = tempDir(t, 'rollout-gates-e2e');
  mkdirSync(join(dir, 'device'));
  const appspec = 'version: 0.0\nos: linux\nfiles:\n  - source: app.txt\n    destination: /opt/air-quality\n';
  writeFileSync(join(dir, 'device', 'appspec.yml'), appspec);
  writeFileSync(join(dir, 'device', 'app.txt'), 'the app\n');
  writeFileSync(join(dir, 'fleet.yml'), fleetYml());
  // the sandbox's endpoints come from its AWS_ENDPOINT_URL_<SERVICE> variables, as a user's would
  const fleetctl = (args: string[]): Promise<CliResult> => runCli('fleetctl', args, env, 100_000, dir);
  return {
    sb,
    dir,
    cd,
    cw,
    fleetctl,
    controller(tt, args) {
      const child = spawnCli('fleetctl', args, env, dir);
      tt.teardown(() => killGroupOf(child));
      let out = '';
      let err = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      return { child, out: () => out, err: () => err, exit };
    },
    push: (version) => pushRelease(sb, join(dir, 'fleet.yml'), version),
    async status(version, environment) {
      const r = await fleetctl(['rollout', 'status', rolloutId(version, environment), '--json']);
      if (r.code !== 0 && r.code !== 1) throw new Error(`rollout status: exit ${String(r.code)}\n${r.stderr}`);
      return JSON.parse(r.stdout) as StatusDoc;
    },
  };
}

/** One device's part of one deployment, as CodeDeploy records it. */
export interface DeviceRun {
  readonly deploymentId: string;
  readonly group: string;
  readonly key: string;
  readonly status: string;
  readonly createTime: number;
}

/** Every deployment of the application, per device (oldest first), read from the device account's CodeDeploy. */
export async function deviceHistory(cd: CodeDeployClient): Promise<Map<string, DeviceRun[]>> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await cd.send(new ListDeploymentsCommand({ applicationName: APP, ...(nextToken ? { nextToken } : {}) }));
    ids.push(...(page.deployments ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const out = new Map<string, DeviceRun[]>();
  for (let i = 0; i < ids.length; i += 25) {
    const infos = (await cd.send(new BatchGetDeploymentsCommand({ deploymentIds: ids.slice(i, i + 25) }))).deploymentsInfo ?? [];
    for (const info of infos) {
      const deploymentId = info.deploymentId ?? '';
      const targetIds = (await cd.send(new ListDeploymentTargetsCommand({ deploymentId }))).targetIds ?? [];
      const batch = targetIds.length === 0 ? undefined : await cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds }));
      const targets = batch?.deploymentTargets ?? [];
      for (const x of targets) {
        const name = x.instanceTarget?.targetId ?? '';
        const run: DeviceRun = {
          deploymentId,
          group: info.deploymentGroupName ?? '',
          key: info.revision?.s3Location?.key ?? '',
          status: x.instanceTarget?.status ?? '',
          createTime: info.createTime?.getTime() ?? 0,
        };
        out.set(name, [...(out.get(name) ?? []), run]);
      }
    }
  }
  for (const runs of out.values()) runs.sort((a, b) => a.createTime - b.createTime || a.deploymentId.localeCompare(b.deploymentId));
  return out;
}

/** The NDJSON progress events a `--json` controller wrote to stderr so far. */
export const events = (stderr: string): Record<string, unknown>[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** The ARN the estate's fleetctl calls AWS as (what approvals and pauses record as `by`). */
export async function callerArn(e: GatesEstate): Promise<string> {
  const sts = new STSClient(sdkConfig(e.sb));
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
  } finally {
    sts.destroy();
  }
}
