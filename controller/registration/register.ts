// fleetctl register, the core: devices in, a report out. Reads AWS state, plans each device
// (register-plan.ts, pure), runs the plans (register-steps.ts; resumable: a re-run does only what is
// missing), and reports per device. A device's failure is recorded on that device and never stops
// the others.
import type { Logger } from '../../shared/log.js';
import type { CallStats } from '../aws/call-stats.js';
import type { OnPremisesInstance } from '../aws/ports.js';
import { userNameOf, type DeviceSpec, type FleetPorts, type IdentityMode, type IotSettings } from '../fleet/model.js';
import { batchGetInstances, observeThing, observeUser, toObservedInstance } from '../fleet/observe.js';
import { forEachLimited } from '../fleet/pool.js';
import { renderBundle, type BundleStore } from './bundle.js';
import type { Ledger } from './ledger.js';
import { changeKind, planDevice, type Observed } from './register-plan.js';
import { registerExecutors, runSteps, type DeviceRun, type RegisterExecutors } from './register-steps.js';
import { failureOf, statsOf, summarize, type DeviceError, type RunStats } from './report.js';
import { prepareFleet, type FleetSetup } from './setup.js';
import { createTagBatcher } from './tag-batcher.js';

export const REGISTER_SCHEMA = 'fleetctl.register/v1';
/** How long a tag change waits for others with the same tags to share its call. */
export const TAG_BATCH_MAX_AGE_MS = 3000;

export type DeviceOutcome = 'registered' | 'updated' | 'unchanged' | 'conflict' | 'failed';
const OUTCOMES: readonly DeviceOutcome[] = ['registered', 'updated', 'unchanged', 'conflict', 'failed'];

export interface DeviceReport {
  readonly name: string;
  readonly outcome: DeviceOutcome;
  readonly identity: IdentityMode;
  readonly arn?: string;
  readonly actions: readonly string[];
  readonly notes: readonly string[];
  readonly bundle?: string;
  readonly error?: DeviceError;
}

export interface RegisterReport {
  readonly schema: typeof REGISTER_SCHEMA;
  readonly region: string;
  readonly setup: readonly string[];
  readonly summary: Readonly<Record<DeviceOutcome, number>> & { readonly total: number };
  readonly devices: readonly DeviceReport[];
  readonly stats: RunStats;
}

export interface RegisterDeps {
  readonly aws: FleetPorts;
  /** The pool's call statistics (for the report). */
  readonly stats: CallStats;
  readonly ledger: Ledger;
  readonly bundles: BundleStore;
  readonly log: Logger;
  readonly iot: IotSettings;
  readonly iotCaPem?: string;
  readonly revisionBucket?: string;
  readonly concurrency: number;
  /** Called as each device finishes (progress). */
  readonly onDevice?: (r: DeviceReport) => void;
  readonly tagBatchMaxAgeMs?: number;
}

function bundleCurrent(deps: RegisterDeps, device: DeviceSpec, region: string): boolean {
  const id = device.identity;
  if (id.mode === 'iam-session') return deps.bundles.matches(device.name, renderBundle(region, { mode: 'iam-session', arn: id.arn }));
  if (id.mode === 'iot') return deps.bundles.hasSecrets(device.name, 'iot');
  if (id.mode === 'create-iam-user') return deps.bundles.hasSecrets(device.name, 'iam-user');
  return true;
}

async function observe(deps: RegisterDeps, device: DeviceSpec, info: OnPremisesInstance | undefined): Promise<Observed> {
  const { aws } = deps;
  return {
    ...(info ? { instance: toObservedInstance(info) } : {}),
    ...(device.identity.mode === 'iot' ? { thing: await observeThing(aws, device) } : {}),
    ...(device.identity.mode === 'create-iam-user' ? { user: await observeUser(aws, device.name) } : {}),
    ledger: deps.ledger.entry(device.name),
    bundleCurrent: bundleCurrent(deps, device, aws.region),
  };
}

/** Observe, plan and run one device; its report (and its tag change, still pending). */
async function registerOne(
  deps: RegisterDeps,
  setup: FleetSetup,
  executors: RegisterExecutors,
  device: DeviceSpec,
  info: OnPremisesInstance | undefined,
): Promise<{ report: DeviceReport; tagged?: Promise<void> }> {
  const base = { name: device.name, identity: device.identity.mode };
  const run: DeviceRun = { device, actions: [] };
  try {
    const observed = await observe(deps, device, info);
    const plan = planDevice(device, observed, { ...(setup.accountId ? { accountId: setup.accountId } : {}), ...(setup.iot ? { iotRoleArn: setup.iot.roleArn } : {}) });
    if (plan.kind === 'conflict') {
      const error = { code: 'FLEET_NAME_CONFLICT', message: plan.reason };
      return { report: { ...base, outcome: 'conflict', arn: plan.registeredArn, actions: [], notes: [], error } satisfies DeviceReport };
    }
    const kind = changeKind(observed, plan);
    if (plan.arn) run.arn = plan.arn;
    await runSteps(executors, plan.steps, run);
    const userNote =
      device.identity.mode === 'iam-user'
        ? [`no bundle: fleetctl does not know the access key of ${userNameOf(device.identity.arn)}; write onpremises.yml with it`]
        : [];
    const outcome: DeviceOutcome = kind === 'new' ? 'registered' : kind === 'updated' ? 'updated' : 'unchanged';
    const report: DeviceReport = {
      ...base,
      outcome,
      ...(run.arn ? { arn: run.arn } : {}),
      actions: run.actions,
      notes: [...plan.notes, ...userNote],
      ...(run.bundle ? { bundle: run.bundle } : {}),
    };
    return { report, ...(run.tagged ? { tagged: run.tagged } : {}) };
  } catch (e) {
    const error = failureOf(e);
    deps.log.warn({ device: device.name, error: error.code }, 'device failed');
    const outcome: DeviceOutcome = error.code === 'FLEET_NAME_CONFLICT' ? 'conflict' : 'failed';
    return { report: { ...base, outcome, actions: run.actions, notes: [], error } satisfies DeviceReport };
  }
}

export async function registerDevices(devices: readonly DeviceSpec[], deps: RegisterDeps): Promise<RegisterReport> {
  const { aws } = deps;
  const setup = await prepareFleet(aws, devices, deps.iot, deps.iotCaPem);
  const infos = await batchGetInstances(aws, devices.map((d) => d.name));
  const tags = createTagBatcher(aws.codedeploy, deps.tagBatchMaxAgeMs ?? TAG_BATCH_MAX_AGE_MS);
  const executors = registerExecutors({ aws, setup, ledger: deps.ledger, bundles: deps.bundles, tags, ...(deps.revisionBucket ? { revisionBucket: deps.revisionBucket } : {}) });
  const finishing: Promise<void>[] = [];
  const reports: DeviceReport[] = new Array<DeviceReport>(devices.length);
  const finish = (i: number, r: DeviceReport): void => {
    reports[i] = r;
    deps.onDevice?.(r);
  };
  await forEachLimited(devices, deps.concurrency, async (device, i) => {
    const { report, tagged } = await registerOne(deps, setup, executors, device, infos.get(device.name));
    if (!tagged) return finish(i, report);
    finishing.push(tagged.then(() => finish(i, report), (e: unknown) => finish(i, { ...report, outcome: 'failed', error: failureOf(e) })));
  });
  tags.flush();
  await Promise.all(finishing);
  deps.ledger.compact();
  return {
    schema: REGISTER_SCHEMA,
    region: aws.region,
    setup: setup.actions,
    summary: summarize(reports, OUTCOMES) as RegisterReport['summary'],
    devices: reports,
    stats: statsOf(deps.stats),
  };
}
