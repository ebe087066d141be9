// fleetctl ls / status, the core: registrations (ListOnPremisesInstances + BatchGet), and for
// status the newest deployment per device and live health from the device shadow.
import { ListOnPremisesInstancesCommand, type RegistrationStatus } from '@aws-sdk/client-codedeploy';
import { GetThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { isAwsError, type FleetAws } from './aws.js';
import { deploymentsByInstance, type InstanceDeployment } from './deployments.js';
import { THING_NAME, type Tag } from './model.js';
import { batchGetInstances } from './observe.js';
import { forEachLimited } from './pool.js';
import { describeEndpoint } from './setup.js';
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

export async function listInstanceNames(aws: FleetAws, status: RegistrationStatus | undefined, tags: readonly Tag[]): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const r = await aws.send(
      'codedeploy',
      new ListOnPremisesInstancesCommand({
        ...(status ? { registrationStatus: status } : {}),
        ...(tags.length > 0 ? { tagFilters: tags.map((t) => ({ Key: t.Key, Value: t.Value, Type: 'KEY_AND_VALUE' as const })) } : {}),
        ...(nextToken ? { nextToken } : {}),
      }),
    );
    names.push(...(r.instanceNames ?? []));
    nextToken = r.nextToken;
  } while (nextToken);
  return names;
}

export async function describeDevices(aws: FleetAws, names: readonly string[]): Promise<DeviceRow[]> {
  const infos = await batchGetInstances(aws, names);
  return [...names]
    .sort()
    .map((n) => infos.get(n))
    .filter((i) => i !== undefined)
    .map((i) => {
      const arn = i.iamUserArn ?? i.iamSessionArn;
      return {
        name: i.instanceName as string,
        status: i.deregisterTime ? 'Deregistered' : 'Registered',
        ...(arn ? { arn } : {}),
        tags: sortTags((i.tags ?? []).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }))),
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

export async function shadowHealth(aws: FleetAws, thingName: string): Promise<Health | null> {
  try {
    const r = await aws.send('iotdata', new GetThingShadowCommand({ thingName }));
    return healthFromShadow(JSON.parse(Buffer.from(r.payload ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>);
  } catch (e) {
    if (isAwsError(e, 'ResourceNotFoundException', 'InvalidRequestException')) return null;
    throw e;
  }
}

export async function fleetStatus(aws: FleetAws, rows: readonly DeviceRow[], opts: { deployments: number; concurrency: number }): Promise<StatusRow[]> {
  const names = new Set(rows.map((r) => r.name));
  const deployments = await deploymentsByInstance(aws, names, { activeOnly: false, limit: opts.deployments });
  let iot = true;
  if (!process.env['AWS_ENDPOINT_URL_IOT_DATA_PLANE']) {
    try {
      aws.setIotDataEndpoint(`https://${await describeEndpoint(aws, 'iot:Data-ATS')}`);
    } catch {
      iot = false; // no IoT in this account/region (or no permission): no health column
    }
  }
  const out: StatusRow[] = new Array<StatusRow>(rows.length);
  await forEachLimited(rows, opts.concurrency, async (row, i) => {
    const last = deployments.get(row.name);
    out[i] = { ...row, ...(last ? { lastDeployment: last } : {}), health: iot && row.status === 'Registered' && THING_NAME.test(row.name) ? await shadowHealth(aws, row.name) : null };
  });
  return out;
}
