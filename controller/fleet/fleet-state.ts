// fleetctl ls / status, the core: registrations (ListOnPremisesInstances + BatchGet), and for
// status the newest deployment per device and live health from the device shadow.
import { isEdgeError } from '../../shared/errors.js';
import type { RegistrationStatus } from '../aws/ports.js';
import { deploymentsByInstance, type InstanceDeployment } from './deployments.js';
import { THING_NAME, type FleetPorts, type Tag } from './model.js';
import { batchGetInstances } from './observe.js';
import { allPages, forEachLimited } from './pool.js';
import { sortTags } from './tags.js';

export const LS_SCHEMA = 'fleetctl.ls/v1';
export const STATUS_SCHEMA = 'fleetctl.status/v1';

export interface DeviceRow {
  readonly name: string;
  readonly status: 'Registered' | 'Deregistered';
  readonly arn?: string;
  readonly tags: readonly Tag[];
  readonly registeredAt?: string;
}

export interface Health {
  readonly verdict: string;
  /** Checks not ok. */
  readonly failing: readonly string[];
  readonly agentVersion?: string;
  readonly updatedAt?: string;
}

export interface StatusRow extends DeviceRow {
  readonly lastDeployment?: InstanceDeployment;
  /** null: no shadow (not an IoT device, or it never reported). */
  readonly health: Health | null;
}

export function listInstanceNames(aws: Pick<FleetPorts, 'codedeploy'>, status: RegistrationStatus | undefined, tags: readonly Tag[]): Promise<string[]> {
  return allPages((nextToken) =>
    aws.codedeploy.listOnPremisesInstances({
      ...(status ? { registrationStatus: status } : {}),
      ...(tags.length > 0 ? { tagFilters: tags } : {}),
      ...(nextToken ? { nextToken } : {}),
    }),
  );
}

/** The rows of the named instances that exist, sorted by name. */
export async function describeDevices(aws: Pick<FleetPorts, 'codedeploy'>, names: readonly string[]): Promise<DeviceRow[]> {
  const infos = await batchGetInstances(aws, names);
  return [...infos.values()]
    .sort((a, b) => (a.instanceName < b.instanceName ? -1 : a.instanceName > b.instanceName ? 1 : 0))
    .map((i) => {
      const arn = i.iamUserArn ?? i.iamSessionArn;
      return {
        name: i.instanceName,
        status: i.deregisterTime ? 'Deregistered' : 'Registered',
        ...(arn ? { arn } : {}),
        tags: sortTags(i.tags),
        ...(i.registerTime ? { registeredAt: i.registerTime.toISOString() } : {}),
      };
    });
}

function latestTimestamp(meta: unknown): number | undefined {
  if (typeof meta !== 'object' || meta === null) return undefined;
  let best: number | undefined;
  for (const [k, v] of Object.entries(meta)) {
    const t = k === 'timestamp' && typeof v === 'number' ? v : latestTimestamp(v);
    if (t !== undefined && (best === undefined || t > best)) best = t;
  }
  return best;
}

/** The health part of a shadow document (pure). */
export function healthFromShadow(doc: Record<string, unknown>): Health {
  const reported = ((doc['state'] as Record<string, unknown> | undefined)?.['reported'] ?? {}) as Record<string, unknown>;
  const health = (reported['health'] ?? {}) as { verdict?: string; checks?: Record<string, { status?: string }> };
  const failing = Object.entries(health.checks ?? {})
    .filter(([, c]) => c.status !== undefined && c.status !== 'ok' && c.status !== 'pass')
    .map(([n]) => n)
    .sort();
  const ts = latestTimestamp((doc['metadata'] as Record<string, unknown> | undefined)?.['reported']);
  const version = (reported['agent'] as { version?: string } | undefined)?.version;
  return { verdict: health.verdict ?? 'unknown', failing, ...(version ? { agentVersion: version } : {}), ...(ts ? { updatedAt: new Date(ts * 1000).toISOString() } : {}) };
}

/** The device's health from its shadow; null when it has none (never reported, or not a thing). */
export async function shadowHealth(aws: Pick<FleetPorts, 'iotdata'>, thingName: string): Promise<Health | null> {
  try {
    return healthFromShadow(await aws.iotdata.getThingShadow(thingName));
  } catch (e) {
    if (isEdgeError(e, 'AWS_NOT_FOUND') || isEdgeError(e, 'AWS_REQUEST_INVALID')) return null;
    throw e;
  }
}

/** Whether IoT answers in this account and region (no IoT, or no permission: no health column). */
async function iotAvailable(aws: Pick<FleetPorts, 'iot'>): Promise<boolean> {
  try {
    await aws.iot.describeEndpoint('iot:Data-ATS');
    return true;
  } catch (e) {
    if (isEdgeError(e) && e.code.startsWith('AWS_')) return false;
    throw e;
  }
}

export async function fleetStatus(aws: FleetPorts, rows: readonly DeviceRow[], opts: { deployments: number; concurrency: number }): Promise<StatusRow[]> {
  const names = new Set(rows.map((r) => r.name));
  const deployments = await deploymentsByInstance(aws, names, { activeOnly: false, limit: opts.deployments });
  const things = (r: DeviceRow): boolean => r.status === 'Registered' && THING_NAME.test(r.name);
  const iot = rows.some(things) && (await iotAvailable(aws));
  const out: StatusRow[] = new Array<StatusRow>(rows.length);
  await forEachLimited(rows, opts.concurrency, async (row, i) => {
    const last = deployments.get(row.name);
    out[i] = { ...row, ...(last ? { lastDeployment: last } : {}), health: iot && things(row) ? await shadowHealth(aws, row.name) : null };
  });
  return out;
}
