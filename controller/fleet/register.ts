// fleetctl register, the core: devices in, a report out. Reads AWS state, plans each device,
// runs the plans (resumable: a re-run does only what is missing), and reports per device.
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { CallStats, FleetAws } from './aws.js';
import type { BundleStore } from './bundle.js';
import { renderBundle } from './bundle.js';
import { createTagBatcher, runSteps } from './execute.js';
import type { Ledger } from './ledger.js';
import { userNameOf, type DeviceSpec, type IdentityMode, type IotSettings } from './model.js';
import { batchGetInstances, observeThing, observeUser, toObservedInstance } from './observe.js';
import { changeKind, planDevice, type Observed } from './plan.js';
import { forEachLimited } from './pool.js';
import { errorName } from './retry.js';
import { prepareFleet } from './setup.js';

export const REGISTER_SCHEMA = 'fleetctl.register/v1';
/** How long a tag change waits for others with the same tags to share its call. */
const TAG_BATCH_MAX_AGE_MS = 3000;

export type DeviceOutcome = 'registered' | 'updated' | 'unchanged' | 'conflict' | 'failed';

export interface DeviceReport {
  readonly name: string;
  readonly outcome: DeviceOutcome;
  readonly identity: IdentityMode;
  readonly arn?: string;
  readonly actions: readonly string[];
  readonly notes: readonly string[];
  readonly bundle?: string;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface RunStats {
  readonly apiCalls: number;
  readonly callsByOperation: Readonly<Record<string, number>>;
  readonly retries: number;
  readonly throttledRetries: number;
  readonly backoffMs: number;
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
  readonly aws: FleetAws;
  readonly ledger: Ledger;
  readonly bundles: BundleStore;
  readonly log: Logger;
  readonly iot: IotSettings;
  readonly iotCaPem?: string;
  readonly revisionBucket?: string;
  readonly concurrency: number;
  /** Called as each device finishes (progress). */
  readonly onDevice?: (r: DeviceReport) => void;
}

export function statsOf(s: CallStats): RunStats {
  const sorted = Object.fromEntries(Object.entries(s.calls).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { apiCalls: Object.values(s.calls).reduce((a, b) => a + b, 0), callsByOperation: sorted, retries: s.retries, throttledRetries: s.throttled, backoffMs: Math.round(s.backoffMs) };
}

export function summarize<T extends { outcome: string }>(devices: readonly T[], outcomes: readonly string[]): Record<string, number> & { total: number } {
  const counts: Record<string, number> = Object.fromEntries(outcomes.map((o) => [o, 0]));
  for (const d of devices) counts[d.outcome] = (counts[d.outcome] ?? 0) + 1;
  return { total: devices.length, ...counts };
}

export function failureOf(e: unknown): { code: string; message: string } {
  if (isEdgeError(e)) return { code: e.code, message: e.message };
  return { code: errorName(e), message: (e as Error)?.message ?? String(e) };
}

function bundleCurrent(deps: RegisterDeps, device: DeviceSpec, region: string): boolean {
  const id = device.identity;
  if (id.mode === 'iam-session') return deps.bundles.matches(device.name, renderBundle(region, { mode: 'iam-session', arn: id.arn }));
  if (id.mode === 'iot') return deps.bundles.hasSecrets(device.name, 'iot');
  if (id.mode === 'create-iam-user') return deps.bundles.hasSecrets(device.name, 'iam-user');
  return true;
}

export async function registerDevices(devices: readonly DeviceSpec[], deps: RegisterDeps): Promise<RegisterReport> {
  const { aws, log } = deps;
  const setup = await prepareFleet(aws, devices, deps.iot, deps.iotCaPem);
  const infos = await batchGetInstances(aws, devices.map((d) => d.name));
  const tags = createTagBatcher(aws, TAG_BATCH_MAX_AGE_MS);
  const finishing: Promise<void>[] = [];
  const reports: DeviceReport[] = new Array<DeviceReport>(devices.length);
  const exec = { aws, setup, ledger: deps.ledger, bundles: deps.bundles, ...(deps.revisionBucket ? { revisionBucket: deps.revisionBucket } : {}) };
  await forEachLimited(devices, deps.concurrency, async (device, i) => {
    const actions: string[] = [];
    const base = { name: device.name, identity: device.identity.mode };
    let report: DeviceReport;
    let tagged: Promise<void> | undefined;
    try {
      const info = infos.get(device.name);
      const observed: Observed = {
        ...(info ? { instance: toObservedInstance(info) } : {}),
        ...(device.identity.mode === 'iot' ? { thing: await observeThing(aws, device) } : {}),
        ...(device.identity.mode === 'create-iam-user' ? { user: await observeUser(aws, device.name) } : {}),
        ledger: deps.ledger.entry(device.name),
        bundleCurrent: bundleCurrent(deps, device, aws.region),
      };
      const plan = planDevice(device, observed, { ...(setup.accountId ? { accountId: setup.accountId } : {}), ...(setup.iot ? { iotRoleArn: setup.iot.roleArn } : {}) });
      if (plan.kind === 'conflict') {
        report = { ...base, outcome: 'conflict', arn: plan.registeredArn, actions, notes: [], error: { code: 'FLEET_NAME_CONFLICT', message: plan.reason } };
      } else {
        const kind = changeKind(observed, plan);
        const done = await runSteps(exec, device, plan.steps, plan.arn, tags, actions);
        const notes = [...plan.notes, ...(device.identity.mode === 'iam-user' ? [`no bundle: fleetctl does not know the access key of ${userNameOf(device.identity.arn)}; write onpremises.yml with it`] : [])];
        const arn = done.arn ?? plan.arn;
        tagged = done.tagged;
        report = { ...base, outcome: kind === 'new' ? 'registered' : kind === 'updated' ? 'updated' : 'unchanged', ...(arn ? { arn } : {}), actions, notes, ...(done.bundle ? { bundle: done.bundle } : {}) };
      }
    } catch (e) {
      const error = failureOf(e);
      log.warn({ device: device.name, error: error.code }, 'device failed');
      report = { ...base, outcome: error.code === 'FLEET_NAME_CONFLICT' ? 'conflict' : 'failed', actions, notes: [], error };
    }
    const finish = (r: DeviceReport): void => {
      reports[i] = r;
      deps.onDevice?.(r);
    };
    const settled = report;
    if (!tagged) return finish(settled);
    finishing.push(
      tagged.then(
        () => finish(settled),
        (e: unknown) => finish({ ...settled, outcome: 'failed', error: failureOf(e) }),
      ),
    );
  });
  tags.flush();
  await Promise.all(finishing);
  deps.ledger.compact();
  const outcomes: DeviceOutcome[] = ['registered', 'updated', 'unchanged', 'conflict', 'failed'];
  return {
    schema: REGISTER_SCHEMA,
    region: aws.region,
    setup: setup.actions,
    summary: summarize(reports, outcomes) as RegisterReport['summary'],
    devices: reports,
    stats: statsOf(aws.stats),
  };
}

export function assertInventoryValid(problems: readonly { line: number; field: string; reason: string }[], source: string): void {
  if (problems.length === 0) return;
  const lines = problems.map((p) => `  ${source}:${p.line}: ${p.field}: ${p.reason}`).join('\n');
  throw new EdgeError('FLEET_INVENTORY_INVALID', `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${source} (nothing was changed):\n${lines}`, { details: { problems } });
}
