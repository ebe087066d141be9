// fleetctl deregister, the core: observe every device (registration, running deployments, thing
// and certificates, IAM user), plan each (deregister-plan.ts, pure), then either report the plans
// (--dry-run) or run them (deregister-steps.ts). Tag removals are batched across devices. A device's
// failure is recorded on that device and never stops the others.
import type { CallStats } from '../aws/call-stats.js';
import type { OnPremisesInstance } from '../aws/ports.js';
import { busyInstances, type InstanceDeployment } from '../fleet/deployments.js';
import { THING_NAME, userNameOf, type FleetPorts } from '../fleet/model.js';
import { batchGetInstances, observeThing, unlessMissing } from '../fleet/observe.js';
import { forEachLimited } from '../fleet/pool.js';
import { describeDeregisterStep, observationsNeeded, planDeregister, type DeregisterObserved, type DeregisterOptions, type DeregisterPlan } from './deregister-plan.js';
import { deregisterExecutors, runDeregisterSteps, type DeregisterExecutors } from './deregister-steps.js';
import { failureOf, statsOf, summarize, type DeviceError, type RunStats } from './report.js';
import type { Ledger } from './ledger.js';
import { createTagBatcher } from './tag-batcher.js';

export type { DeregisterOptions };
export const DEREGISTER_SCHEMA = 'fleetctl.deregister/v1';
/** Tag removals wait this long for others with the same tags to share a call. */
const TAG_BATCH_MAX_AGE_MS = 200;

export type DeregisterOutcome = 'deregistered' | 'would-deregister' | 'not-registered' | 'refused' | 'failed';
const OUTCOMES: readonly DeregisterOutcome[] = ['deregistered', 'would-deregister', 'not-registered', 'refused', 'failed'];

export interface DeregisterDeviceReport {
  readonly name: string;
  readonly outcome: DeregisterOutcome;
  readonly actions: readonly string[];
  readonly error?: DeviceError;
}

export interface DeregisterReport {
  readonly schema: typeof DEREGISTER_SCHEMA;
  readonly dryRun: boolean;
  readonly summary: Readonly<Record<DeregisterOutcome, number>> & { readonly total: number };
  readonly devices: readonly DeregisterDeviceReport[];
  readonly stats: RunStats;
}

export interface DeregisterDeps {
  readonly aws: Pick<FleetPorts, 'codedeploy' | 'iot' | 'iam'>;
  readonly stats: CallStats;
  /** The local ledger: certificate teardowns are recorded in it before they start. */
  readonly ledger?: Ledger;
  readonly onDevice?: (r: DeregisterDeviceReport) => void;
}

async function observeDevice(
  deps: DeregisterDeps,
  name: string,
  info: OnPremisesInstance | undefined,
  busy: InstanceDeployment | undefined,
  opts: DeregisterOptions,
): Promise<DeregisterObserved> {
  const { aws } = deps;
  const registered = info !== undefined && info.deregisterTime === undefined;
  const need = observationsNeeded(opts, registered, info?.iamUserArn);
  const thing = need.thing && THING_NAME.test(name) ? await observeThing(aws, { name }) : undefined;
  let user: DeregisterObserved['user'];
  if (need.user && info?.iamUserArn) {
    const userName = userNameOf(info.iamUserArn);
    const keys = await unlessMissing(() => aws.iam.listAccessKeys(userName), undefined);
    const policies = keys && (await unlessMissing(() => aws.iam.listUserPolicies(userName), undefined));
    if (keys && policies) user = { userName, accessKeyIds: keys.map((k) => k.accessKeyId), policyNames: policies };
  }
  const pending = need.thing ? (deps.ledger?.entry(name).pendingCertificateArns ?? []) : [];
  return {
    ...(pending.length > 0 ? { pendingCertificates: pending } : {}),
    ...(info ? { instance: { registered, tags: info.tags, ...(info.iamUserArn ? { iamUserArn: info.iamUserArn } : {}) } } : {}),
    ...(busy ? { busy: { deploymentId: busy.deploymentId, instanceStatus: busy.instanceStatus } } : {}),
    ...(thing ? { thing } : {}),
    ...(user ? { user } : {}),
  };
}

async function settle(executors: DeregisterExecutors, name: string, plan: DeregisterPlan, dryRun: boolean): Promise<DeregisterDeviceReport> {
  if (plan.kind === 'refused') {
    const message = `${name} is in deployment ${plan.deploymentId} (${plan.instanceStatus}): wait for it, stop it, or pass --force`;
    return { name, outcome: 'refused', actions: [], error: { code: 'FLEET_DEPLOYMENT_IN_PROGRESS', message } };
  }
  const outcome: DeregisterOutcome = !plan.registered ? 'not-registered' : dryRun ? 'would-deregister' : 'deregistered';
  if (dryRun) return { name, outcome, actions: plan.steps.map((s) => describeDeregisterStep(s, name)) };
  const actions: string[] = [];
  try {
    await runDeregisterSteps(executors, name, plan.steps, actions);
    return { name, outcome, actions };
  } catch (e) {
    return { name, outcome: 'failed', actions, error: failureOf(e) };
  }
}

export async function deregisterDevices(names: readonly string[], opts: DeregisterOptions, deps: DeregisterDeps): Promise<DeregisterReport> {
  const { aws } = deps;
  const unique = [...new Set(names)];
  const infos = await batchGetInstances(aws, unique);
  const registered = new Set(unique.filter((n) => infos.get(n) && infos.get(n)?.deregisterTime === undefined));
  const busy = opts.force || registered.size === 0 ? new Map<string, InstanceDeployment>() : await busyInstances(aws, registered);
  const tags = createTagBatcher(aws.codedeploy, TAG_BATCH_MAX_AGE_MS);
  const executors = deregisterExecutors({ aws, tags, ...(deps.ledger ? { ledger: deps.ledger } : {}) });
  const reports: DeregisterDeviceReport[] = new Array<DeregisterDeviceReport>(unique.length);
  await forEachLimited(unique, opts.concurrency, async (name, i) => {
    let report: DeregisterDeviceReport;
    try {
      const observed = await observeDevice(deps, name, infos.get(name), busy.get(name), opts);
      report = await settle(executors, name, planDeregister(observed, opts), opts.dryRun);
    } catch (e) {
      report = { name, outcome: 'failed', actions: [], error: failureOf(e) };
    }
    reports[i] = report;
    deps.onDevice?.(report);
  });
  tags.flush();
  deps.ledger?.compact();
  const summary = summarize(reports, OUTCOMES) as DeregisterReport['summary'];
  return { schema: DEREGISTER_SCHEMA, dryRun: opts.dryRun, summary, devices: reports, stats: statsOf(deps.stats) };
}
