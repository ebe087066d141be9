// The estate the gate integration tests read: one sandbox with a device account (a CodeDeploy
// application with two deployment groups of virtual hosts: `lab`, whose hosts never write their
// shadows (the tests write them through the IoT data plane) and two of which fail revisions of
// versions ending `-bad`; `reporting`, whose hosts report their shadow as edge-agent does after each
// deployment, unhealthy after a version ending `-sick`), two tenant accounts (alarms), the real
// client pool reaching each account through its role, and the gate inputs built from a deployment.
import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { silentLogger } from '../../../shared/log.js';
import { createAwsPool, type AwsPool } from '../../../controller/aws/pool.js';
import { SERVICES, type Service } from '../../../controller/aws/ports.js';
import { createSdkPortFactory } from '../../../controller/aws/sdk-adapter.js';
import type { DevicesTarget, StackTarget, WaveGates } from '../../../controller/rollout/config-types.js';
import { sessionFor } from '../../../controller/rollout/drivers/session.js';
import type { GateInput } from '../../../controller/rollout/gates/index.js';
import type { RolloutState, TargetState } from '../../../controller/rollout/journal-model.js';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';
import { parseSandboxConfigDocument } from '../../../sandbox/sandbox-config.js';
import { generateTenantsConfig, tenantExternalId } from '../../../sandbox/tenants-config.js';
import { waitFor } from '../../helpers/agent-fleet.js';
import type { Teardowns } from '../../helpers/temp-dir.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

export const DEVICES = '200000000000';
export const TENANTS = ['300000000000', '300000000001'] as const;
export const APP = 'air-quality';
export const ROLLOUT_ID = `${APP}@v1@production`;
/** Per lifecycle event: a deployment (7 events) lasts over a second, so a shadow written before it is from an earlier second. */
const EVENT_MS = 200;

function sandboxConfig(): Record<string, unknown> {
  const doc = generateTenantsConfig({ tenants: TENANTS.length, deviceAccounts: 1 }) as { accounts: Record<string, unknown>[] };
  const account = doc.accounts.find((a) => a['accountId'] === DEVICES) as Record<string, unknown>;
  const serviceRoleArn = `arn:aws:iam::${DEVICES}:role/CodeDeployServiceRole`;
  account['roles'] = [
    ...(account['roles'] as unknown[]),
    { name: 'CodeDeployServiceRole', trust: { services: ['codedeploy.amazonaws.com'] } },
  ];
  const group = (name: string, fleet: string) => ({
    name,
    serviceRoleArn,
    deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
    onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: fleet, Type: 'KEY_AND_VALUE' }],
  });
  account['codedeploy'] = { applications: [{ name: APP, deploymentGroups: [group('lab', 'lab'), group('reporting', 'reporting')] }] };
  account['virtualHosts'] = [
    { namePrefix: 'pi-a', count: 3, tags: { fleet: 'lab' }, eventMs: EVENT_MS, health: 'none' },
    { namePrefix: 'pi-b', count: 2, tags: { fleet: 'lab' }, eventMs: EVENT_MS, health: 'none', failOnRevision: `releases/${APP}/*-bad/*` },
    {
      namePrefix: 'pi-c',
      count: 3,
      tags: { fleet: 'reporting' },
      eventMs: 5,
      health: 'healthy',
      unhealthyOnRevision: `releases/${APP}/*-sick/*`,
    },
  ];
  return doc;
}

export interface GateEstate {
  readonly sb: Sandbox;
  readonly pool: AwsPool;
  readonly lab: DevicesTarget;
  readonly reporting: DevicesTarget;
  /** Deploys `version` to a device target; resolves with the deployment id once it ended. */
  deploy(target: DevicesTarget, version: string): Promise<string>;
  /** Writes a device's shadow as edge-agent reports it (through the device account's IoT data plane). */
  report(device: string, verdict: string, failing?: string[]): Promise<void>;
}

function poolFor(sb: Sandbox): AwsPool {
  const endpoints = Object.fromEntries(SERVICES.map((s) => [s, sb.url])) as Record<Service, string>;
  const root = { accessKeyId: sb.root.accessKeyId, secretAccessKey: sb.root.secretAccessKey };
  const timers = { now: () => performance.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
  return createAwsPool(
    { region: sb.region, credentials: async () => root, endpoints, retry: { maxAttempts: 3, baseMs: 10, capMs: 50 } },
    { factory: createSdkPortFactory({ forcePathStyle: true }), timers, clock: () => Date.now(), random: Math.random, log: silentLogger() },
  );
}

export function devicesTarget(name: string, group: string): DevicesTarget {
  return {
    name,
    kind: 'devices',
    account: DEVICES,
    region: 'us-east-1',
    roleArn: `arn:aws:iam::${DEVICES}:role/FleetDeployRole`,
    labels: {},
    line: 1,
    application: APP,
    deploymentGroup: group,
    select: { fleet: group },
    autoRollback: false,
  };
}

export function tenantTarget(name: string, account: string): StackTarget {
  return {
    name,
    kind: 'stack',
    account,
    region: 'us-east-1',
    roleArn: `arn:aws:iam::${account}:role/PipelineAccessRole`,
    externalId: tenantExternalId(account),
    labels: {},
    line: 1,
    stack: APP,
    parameters: {},
    releaseParameters: {},
    capabilities: [],
    tags: {},
  };
}

export async function startGateEstate(t: Teardowns): Promise<GateEstate> {
  const sb = await startSandbox({ config: parseSandboxConfigDocument(sandboxConfig(), 'generated') });
  const pool = poolFor(sb);
  const deviceRoot = sb.rootOf(DEVICES);
  const data = new IoTDataPlaneClient({
    endpoint: sb.url,
    region: sb.region,
    maxAttempts: 1,
    credentials: { accessKeyId: deviceRoot.accessKeyId, secretAccessKey: deviceRoot.secretAccessKey },
  });
  t.teardown(async () => {
    data.destroy();
    pool.destroy();
    await sb.close();
  });
  return {
    sb,
    pool,
    lab: devicesTarget('lab', 'lab'),
    reporting: devicesTarget('reporting', 'reporting'),
    async deploy(target, version) {
      const cd = sessionFor(pool, target, ROLLOUT_ID).codedeploy;
      const revision = {
        bucket: `pipeline-artifacts-${sb.root.accountId}`,
        key: `releases/${APP}/${version}/device.tgz`,
        bundleType: 'tgz' as const,
      };
      const { deploymentId } = await cd.createDeployment({ applicationName: APP, deploymentGroupName: target.deploymentGroup, revision });
      await waitFor(
        async () => ['Succeeded', 'Failed', 'Stopped'].includes((await cd.getDeployment(deploymentId)).status),
        60_000,
        `deployment ${deploymentId}`,
      );
      // shadow times are whole seconds and the gate counts only reports from a later second than the
      // devices' end: the condition is the clock's next second (under a second away)
      const ended = Math.floor(Date.now() / 1000);
      await waitFor(async () => Math.floor(Date.now() / 1000) > ended, 2000, 'the next second');
      return deploymentId;
    },
    async report(device, verdict, failing = []) {
      const checks = Object.fromEntries([['cpu_temperature', { status: 'ok' }], ...failing.map((n) => [n, { status: 'fail' }])]);
      const payload = JSON.stringify({ state: { reported: { agent: { version: '1.0.0' }, health: { verdict, checks } } } });
      await data.send(new UpdateThingShadowCommand({ thingName: device, payload: new TextEncoder().encode(payload) }));
    },
  };
}

/** The gate input of a one-wave rollout whose targets have these journal states. */
export function gateInput(
  targets: readonly (DevicesTarget | StackTarget)[],
  states: Record<string, Partial<TargetState>>,
  gates: WaveGates,
  phase: GateInput['phase'],
): GateInput {
  const map = new Map<string, TargetState>();
  for (const target of targets) map.set(target.name, { name: target.name, status: 'succeeded', attempt: 1, ...states[target.name] });
  const state: RolloutState = {
    started: true,
    waves: [{ name: 'canary', status: 'in-progress', targets: targets.map((x) => x.name), failed: 0, checks: [] }],
    targets: map,
    nextSeq: 4,
  };
  return {
    rolloutId: ROLLOUT_ID,
    version: 'v1',
    environment: 'production',
    phase,
    state,
    wave: { index: 0, name: 'canary', targets, concurrency: targets.length, maxFailed: { count: 0 }, maxFailedTargets: 0, gates },
  };
}
