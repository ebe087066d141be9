// The rehearsal's throw-away sandbox (I/O): started in this process, in memory only (nothing on
// disk), with the mirrored estate set up in it — accounts and buckets from its config, then the
// CodeDeploy applications and groups, the virtual hosts (their unhealthy and failing ones as the
// faults say) and the alarms, made through the sandbox's own AWS APIs as each account's root. The
// controller reaches it through an AwsPool with the sandbox's credentials and endpoint only, so no
// call of the rehearsed rollout can go to AWS. Setup and fault injection talk to the sandbox with
// the SDK clients directly: they play AWS's part, not the controller's.
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentGroupCommand,
  ListDeploymentsCommand,
} from '@aws-sdk/client-codedeploy';
import { silentLogger } from '../../../shared/log.js';
import { parseSandboxConfigDocument } from '../../../sandbox/sandbox-config.js';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';
import { createAwsPool, type AwsPool } from '../../aws/pool.js';
import { ROLLOUT_TPS } from '../../aws/limits.js';
import { SERVICES, type Service } from '../../aws/ports.js';
import { createSdkPortFactory } from '../../aws/sdk-adapter.js';
import { realTimers } from '../../aws/timers.js';
import { sandboxConfigDocument, type Estate, type GroupMirror } from './mirror.js';
import type { ResolvedFaults } from './resolve.js';

/** Milliseconds a virtual host takes per lifecycle event. */
export const EVENT_MS = 5;
const SERVICE_ROLE = 'CodeDeployServiceRole';

export interface RunningEstate {
  readonly sandbox: Sandbox;
  /** A controller's pool over the sandbox (the pipeline account's root credentials). */
  pool(region: string): Promise<AwsPool>;
  /** Sets the alarms to ALARM in an account and region. */
  fireAlarms(account: string, region: string, names: readonly string[], reason: string): Promise<void>;
  /** The descriptions of a group's deployments (they carry the rollout's attempt and rollback tokens). */
  descriptionsOf(g: Pick<GroupMirror, 'account' | 'region' | 'application' | 'group'>): Promise<string[]>;
  close(): Promise<void>;
}

function clientConfig(sb: Sandbox, account: string, region: string) {
  const p = sb.rootOf(account);
  const credentials = {
    accessKeyId: p.accessKeyId,
    secretAccessKey: p.secretAccessKey,
    ...(p.sessionToken ? { sessionToken: p.sessionToken } : {}),
  };
  return { endpoint: sb.url, region, credentials, maxAttempts: 3 };
}

/** Host groups by behaviour: failing hosts fail the release at ValidateService, unhealthy ones report unhealthy after it. */
function hostGroups(e: Estate, faults: ResolvedFaults, revisionPattern: string) {
  const failing = new Set(faults.fail.flatMap((f) => f.hosts));
  const unhealthy = new Set(faults.unhealthy.flatMap((f) => f.hosts));
  return e.fleets.flatMap((f) => {
    const base = { accountId: f.account, region: f.region, tags: { ...f.tags }, eventMs: EVENT_MS };
    const fail = f.names.filter((n) => failing.has(n));
    const sick = f.names.filter((n) => unhealthy.has(n) && !failing.has(n));
    const well = f.names.filter((n) => !failing.has(n) && !unhealthy.has(n));
    return [
      ...(well.length > 0 ? [{ ...base, names: well }] : []),
      ...(sick.length > 0 ? [{ ...base, names: sick, unhealthyOnRevision: revisionPattern }] : []),
      ...(fail.length > 0 ? [{ ...base, names: fail, failOnRevision: revisionPattern, failHosts: fail }] : []),
    ];
  });
}

async function createGroups(sb: Sandbox, e: Estate, application: string): Promise<void> {
  const apps = new Set<string>();
  const ensureApp = async (cd: CodeDeployClient, key: string, name: string): Promise<void> => {
    if (apps.has(key)) return;
    apps.add(key);
    await cd.send(new CreateApplicationCommand({ applicationName: name, computePlatform: 'Server' }));
  };
  // `release push` registers the device revision with the application in the pipeline account
  const pipeline = new CodeDeployClient(clientConfig(sb, e.pipelineAccount, e.releaseRegion));
  try {
    await ensureApp(pipeline, `${e.pipelineAccount}|${e.releaseRegion}|${application}`, application);
  } finally {
    pipeline.destroy();
  }
  for (const g of e.groups) {
    const cd = new CodeDeployClient(clientConfig(sb, g.account, g.region));
    try {
      await ensureApp(cd, `${g.account}|${g.region}|${g.application}`, g.application);
      const tagSet = Object.entries(g.tags).map(([Key, Value]) => [{ Key, Value, Type: 'KEY_AND_VALUE' as const }]);
      await cd.send(
        new CreateDeploymentGroupCommand({
          applicationName: g.application,
          deploymentGroupName: g.group,
          serviceRoleArn: `arn:aws:iam::${g.account}:role/${SERVICE_ROLE}`,
          // the real group's pace is not in the plan: all at once keeps the rehearsal short
          deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
          onPremisesTagSet: { onPremisesTagSetList: tagSet },
        }),
      );
    } finally {
      cd.destroy();
    }
  }
}

async function createAlarms(sb: Sandbox, e: Estate, extra: ResolvedFaults['alarms']): Promise<void> {
  const all = [...e.alarms, ...extra.flatMap((a) => a.alarms.map((name) => ({ account: a.account, region: a.region, name })))];
  const seen = new Set<string>();
  for (const a of all) {
    const key = `${a.account}|${a.region}|${a.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const cw = new CloudWatchClient(clientConfig(sb, a.account, a.region));
    try {
      const metric = {
        Namespace: 'FleetctlRehearsal',
        MetricName: 'Errors',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        Statistic: 'Sum' as const,
      };
      await cw.send(new PutMetricAlarmCommand({ AlarmName: a.name, ComparisonOperator: 'GreaterThanOrEqualToThreshold', ...metric }));
    } finally {
      cw.destroy();
    }
  }
}

export async function startEstate(
  e: Estate,
  faults: ResolvedFaults,
  opts: { application: string; revisionPattern: string },
): Promise<RunningEstate> {
  const config = parseSandboxConfigDocument(sandboxConfigDocument(e), 'the rehearsal');
  const sb = await startSandbox({ config, cloudformationDelayMs: 0 });
  try {
    await createGroups(sb, e, opts.application);
    for (const g of hostGroups(e, faults, opts.revisionPattern)) sb.virtualHosts.add(g);
    await createAlarms(sb, e, faults.alarms);
  } catch (err) {
    await sb.close();
    throw err;
  }
  return {
    sandbox: sb,
    pool: (region) => {
      const root = sb.root;
      const endpoints = Object.fromEntries(SERVICES.map((s) => [s, sb.url])) as Record<Service, string>;
      const credentials = async () => ({
        accessKeyId: root.accessKeyId,
        secretAccessKey: root.secretAccessKey,
        ...(root.sessionToken ? { sessionToken: root.sessionToken } : {}),
      });
      return Promise.resolve(
        createAwsPool(
          { region, endpoints, credentials, limits: { tps: ROLLOUT_TPS } },
          {
            factory: createSdkPortFactory({ forcePathStyle: true }),
            timers: realTimers,
            clock: () => Date.now(),
            random: Math.random,
            log: silentLogger(),
          },
        ),
      );
    },
    async fireAlarms(account, region, names, reason) {
      const cw = new CloudWatchClient(clientConfig(sb, account, region));
      try {
        for (const name of names) await cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: 'ALARM', StateReason: reason }));
      } finally {
        cw.destroy();
      }
    },
    async descriptionsOf(g) {
      const cd = new CodeDeployClient(clientConfig(sb, g.account, g.region));
      try {
        const listed = await cd.send(new ListDeploymentsCommand({ applicationName: g.application, deploymentGroupName: g.group })).catch((e: unknown) => {
          // a ring group the rollout never created (it halted before that ring): no deployments
          if (e instanceof Error && e.name === 'DeploymentGroupDoesNotExistException') return { deployments: [] };
          throw e;
        });
        const ids = listed.deployments ?? [];
        const out: string[] = [];
        for (let i = 0; i < ids.length; i += 25) {
          const infos = (await cd.send(new BatchGetDeploymentsCommand({ deploymentIds: ids.slice(i, i + 25) }))).deploymentsInfo ?? [];
          out.push(...infos.map((d) => d.description ?? ''));
        }
        return out;
      } finally {
        cd.destroy();
      }
    },
    close: () => sb.close(),
  };
}
