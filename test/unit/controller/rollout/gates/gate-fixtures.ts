// Targets, waves and journal states for the gate tests, and small stand-ins for the ports the gates
// read (CodeDeploy deployment targets, shadows, alarms) behind a pool that hands out one session
// per (account, region, credentials), as the real pool does.
import type { AwsPool, AwsSession, Target as PoolTarget } from '../../../../../controller/aws/pool.js';
import { sourceKey } from '../../../../../controller/aws/pool.js';
import type { AlarmInfo, DeploymentTarget } from '../../../../../controller/aws/ports.js';
import type { DeviceHealthGate, DevicesTarget, StackTarget, Target, WaveGates } from '../../../../../controller/rollout/config-types.js';
import type { RolloutState, TargetState } from '../../../../../controller/rollout/journal-model.js';
import type { PlannedWave } from '../../../../../controller/rollout/plan.js';
import { EdgeError } from '../../../../../shared/errors.js';

export const devicesTarget = (name: string, account?: string): DevicesTarget => ({
  name,
  kind: 'devices',
  region: 'eu-west-1',
  labels: {},
  line: 1,
  application: 'app',
  deploymentGroup: 'pis',
  select: {},
  autoRollback: true,
  ...(account ? { account } : {}),
});

export const stackTarget = (name: string, account: string): StackTarget => ({
  name,
  kind: 'stack',
  account,
  region: 'eu-west-1',
  labels: {},
  line: 1,
  stack: 'app',
  parameters: {},
  releaseParameters: {},
  capabilities: [],
  tags: {},
  roleArn: `arn:aws:iam::${account}:role/deployer`,
});

export const healthGate = (over: Partial<DeviceHealthGate> = {}): DeviceHealthGate => ({
  maxUnhealthy: { count: 0 },
  degradedIsUnhealthy: false,
  unknown: 'fail',
  waitMs: 60_000,
  ...over,
});

export function waveOf(targets: readonly Target[], gates: WaveGates): PlannedWave {
  return { index: 0, name: 'canary', targets, concurrency: targets.length, maxFailed: { count: 0 }, maxFailedTargets: 0, gates };
}

export function stateOf(targets: Record<string, Partial<TargetState>>): RolloutState {
  const map = new Map<string, TargetState>();
  for (const [name, t] of Object.entries(targets)) map.set(name, { name, status: 'succeeded', attempt: 1, ...t });
  return {
    started: true,
    waves: [{ name: 'canary', status: 'in-progress', targets: Object.keys(targets), failed: 0, checks: [] }],
    targets: map,
    nextSeq: 5,
  };
}

/** What one stand-in account holds, and the calls it was asked. */
export class StubAccount {
  readonly deployments = new Map<string, DeploymentTarget[]>();
  readonly shadows = new Map<string, Record<string, unknown>>();
  readonly alarms: AlarmInfo[] = [];
  readonly calls: string[] = [];
  /** Thrown by every call while set. */
  failure: EdgeError | undefined;

  session(key: string, account: string, region: string): AwsSession {
    const call = (op: string): void => {
      this.calls.push(op);
      if (this.failure) throw this.failure;
    };
    const ports = {
      codedeploy: {
        listDeploymentTargets: async ({ deploymentId }: { deploymentId: string }) => {
          call('ListDeploymentTargets');
          const ts = this.deployments.get(deploymentId);
          if (!ts) throw new EdgeError('AWS_NOT_FOUND', `deployment ${deploymentId} does not exist`);
          return { items: ts.map((t) => t.targetId) };
        },
        batchGetDeploymentTargets: async (deploymentId: string, ids: readonly string[]) => {
          call('BatchGetDeploymentTargets');
          return (this.deployments.get(deploymentId) ?? []).filter((t) => ids.includes(t.targetId));
        },
      },
      iotdata: {
        getThingShadow: async (name: string) => {
          call(`GetThingShadow ${name}`);
          const doc = this.shadows.get(name);
          if (!doc) throw new EdgeError('AWS_NOT_FOUND', `No shadow exists with name: '${name}'`);
          return doc;
        },
      },
      cloudwatch: {
        describeAlarms: async ({ alarmNames }: { alarmNames?: readonly string[] }) => {
          call('DescribeAlarms');
          return { items: this.alarms.filter((a) => alarmNames?.includes(a.alarmName)) };
        },
      },
    };
    return { key, account, region, ...ports } as unknown as AwsSession;
  }
}

/** A pool over stand-in accounts (created on first use), one session per key as the real pool. */
export function stubPool(): { pool: Pick<AwsPool, 'session'>; account: (id: string) => StubAccount } {
  const accounts = new Map<string, StubAccount>();
  const sessions = new Map<string, AwsSession>();
  const account = (id: string): StubAccount => {
    const a = accounts.get(id) ?? new StubAccount();
    accounts.set(id, a);
    return a;
  };
  return {
    account,
    pool: {
      session(t: PoolTarget = {}): AwsSession {
        const id = t.account ?? 'default';
        const key = `${id}|${t.region}|${sourceKey(t.credentials ?? { kind: 'default' })}`;
        const s = sessions.get(key) ?? account(id).session(key, id, t.region ?? 'eu-west-1');
        sessions.set(key, s);
        return s;
      },
    },
  };
}

/** A finished device of a deployment as BatchGetDeploymentTargets shows it. */
export function deploymentTarget(deploymentId: string, name: string, status: string, at: Date, failedEvent?: string): DeploymentTarget {
  const events = ['DownloadBundle', 'Install', 'ValidateService'];
  const upTo = failedEvent ? events.indexOf(failedEvent) : events.length - 1;
  return {
    deploymentId,
    targetId: name,
    status,
    lastUpdatedAt: at,
    lifecycleEvents: events.map((e, i) => ({
      name: e,
      status: status === 'Skipped' ? 'Skipped' : i < upTo ? 'Succeeded' : i === upTo ? (failedEvent ? 'Failed' : 'Succeeded') : 'Skipped',
      ...(failedEvent === e ? { message: 'script failed' } : {}),
    })),
  };
}

/** A shadow document as edge-agent (and the sandbox's virtual hosts) write it, updated at `at`. */
export function shadowDoc(
  verdict: string,
  at: Date,
  opts: { failing?: string[]; last?: { deploymentId: string; command: string } } = {},
): Record<string, unknown> {
  const checks = Object.fromEntries([['cpu_temperature', { status: 'ok' }], ...(opts.failing ?? []).map((n) => [n, { status: 'fail' }])]);
  const ts = Math.floor(at.getTime() / 1000);
  return {
    state: {
      reported: { agent: { version: '1.0.0' }, health: { verdict, checks }, ...(opts.last ? { deployment: { last: opts.last } } : {}) },
    },
    metadata: { reported: { health: { verdict: { timestamp: ts } } } },
    version: 3,
    timestamp: ts,
  };
}
