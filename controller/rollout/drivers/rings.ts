// A ring target made real before its deployment: every registered device of the fleet (all the
// base target's select tags) carries the ring tag its rank gives it (AddTags, at most 10 names a
// call, one call per ring value and chunk; AddTags replaces the value of a key the device already
// has), and the ring's deployment group selects the fleet's tags AND the ring tag. All of it is
// idempotent: a second run over the same fleet makes no call that changes anything, and a
// restarted controller computes the same rings again. Devices registered since the last run get
// their ring here.
import { EdgeError, isEdgeError, toEdgeError } from '../../../shared/errors.js';
import type { CodeDeployPort, DeploymentGroupInfo, OnPremisesInstance, Tag } from '../../aws/ports.js';
import { allPages, chunks, forEachLimited } from '../../fleet/pool.js';
import type { DevicesTarget, RingOf } from '../config-types.js';
import { assignRings, ringTagValue } from '../rings.js';

/** CodeDeploy's limits: names per BatchGetOnPremisesInstances, per AddTagsToOnPremisesInstances. */
const BATCH_GET = 100;
const TAG_CALL = 10;
/** Tag calls in flight at once (the pool's rate limit paces them further). */
const TAG_CONCURRENCY = 4;

export type RingTarget = DevicesTarget & { readonly ring: RingOf };

export const isRingTarget = (t: DevicesTarget): t is RingTarget => t.ring !== undefined;

export interface PreparedRing {
  /** Devices in this ring. */
  readonly devices: number;
  /** Devices in the whole fleet (all rings of the base target). */
  readonly fleet: number;
  /** Their instance names, sorted. */
  readonly names: readonly string[];
}

/** The fleet's assignment: each registered device's ring, and how many tag calls it took. */
export interface FleetRings {
  readonly byRing: readonly (readonly string[])[];
  readonly tagCalls: number;
}

const selectTags = (select: Readonly<Record<string, string>>): Tag[] => Object.entries(select).map(([Key, Value]) => ({ Key, Value }));
const carries = (i: OnPremisesInstance, tags: readonly Tag[]): boolean =>
  tags.every((t) => i.tags.some((x) => x.Key === t.Key && x.Value === t.Value));

/**
 * The registered devices carrying every tag of `select`, with their tags. ListOnPremisesInstances'
 * tag filters match ANY one of them, so it filters by the first tag and the rest are checked here.
 */
export async function listFleet(
  cd: Pick<CodeDeployPort, 'listOnPremisesInstances' | 'batchGetOnPremisesInstances'>,
  select: Readonly<Record<string, string>>,
): Promise<OnPremisesInstance[]> {
  const tags = selectTags(select);
  const names = await allPages((nextToken) =>
    cd.listOnPremisesInstances({ registrationStatus: 'Registered', tagFilters: tags.slice(0, 1), ...(nextToken ? { nextToken } : {}) }),
  );
  const found: OnPremisesInstance[] = [];
  for (const batch of chunks([...new Set(names)].sort(), BATCH_GET)) {
    found.push(...(await cd.batchGetOnPremisesInstances(batch)).filter((i) => i.deregisterTime === undefined && carries(i, tags)));
  }
  return found.sort((a, b) => (a.instanceName < b.instanceName ? -1 : a.instanceName > b.instanceName ? 1 : 0));
}

/** Assigns rings over the whole fleet of a ring target's base and tags every device whose ring tag is missing or different. */
export async function assignFleet(cd: CodeDeployPort, t: RingTarget): Promise<FleetRings> {
  const { rings } = t.ring;
  const fleet = await listFleet(cd, t.select);
  const assigned = assignRings(
    fleet.map((i) => i.instanceName),
    rings,
  );
  const byRing: string[][] = rings.percents.map(() => []);
  const retag = new Map<string, string[]>();
  for (const device of fleet) {
    const ring = assigned.get(device.instanceName) ?? rings.percents.length;
    byRing[ring - 1]?.push(device.instanceName);
    const want = ringTagValue(ring);
    if (device.tags.find((x) => x.Key === rings.tag)?.Value === want) continue;
    const batch = retag.get(want) ?? [];
    batch.push(device.instanceName);
    retag.set(want, batch);
  }
  const calls = [...retag].flatMap(([value, names]) => chunks(names, TAG_CALL).map((batch) => ({ value, batch })));
  await forEachLimited(calls, TAG_CONCURRENCY, async ({ value, batch }) => {
    try {
      await cd.addTagsToOnPremisesInstances(batch, [{ Key: rings.tag, Value: value }]);
    } catch (e) {
      const err = toEdgeError(e);
      const message = `tagging ${batch.join(', ')} with ${rings.tag}=${value} (rings of ${t.ring.base}) failed: ${err.message}`;
      throw new EdgeError(err.code, message, { cause: e, details: err.details });
    }
  });
  return { byRing, tagCalls: calls.length };
}

/** The tag groups of a ring's deployment group: one per select tag (AND), and the ring tag. */
export function ringTagSet(t: RingTarget): Tag[][] {
  return [...selectTags(t.select).map((tag) => [tag]), [{ Key: t.ring.rings.tag, Value: ringTagValue(t.ring.index) }]];
}

const tagSetKey = (sets: readonly (readonly Tag[])[]): string =>
  JSON.stringify(sets.map((s) => s.map((x) => `${x.Key}=${x.Value}`).sort()).sort());

async function groupOrUndefined(cd: CodeDeployPort, application: string, group: string): Promise<DeploymentGroupInfo | undefined> {
  try {
    return await cd.getDeploymentGroup(application, group);
  } catch (e) {
    if (isEdgeError(e, 'AWS_NOT_FOUND')) return undefined;
    throw e;
  }
}

/**
 * Creates the ring's deployment group, or updates it when its tags, service role or deployment
 * config differ from what the ring needs; the role and config are the base group's.
 */
export async function ensureRingGroup(cd: CodeDeployPort, t: RingTarget, raced = false): Promise<'created' | 'updated' | 'unchanged'> {
  const base = await groupOrUndefined(cd, t.application, t.ring.baseGroup);
  if (!base?.serviceRoleArn) {
    const why = base ? 'has no service role' : 'does not exist';
    const what = `the ring groups of ${t.ring.base} copy its service role and deployment config`;
    throw new EdgeError('AWS_NOT_FOUND', `deployment group ${t.application}/${t.ring.baseGroup} ${why}: ${what}`);
  }
  const want = {
    serviceRoleArn: base.serviceRoleArn,
    ...(base.deploymentConfigName ? { deploymentConfigName: base.deploymentConfigName } : {}),
    onPremisesTagSet: ringTagSet(t),
  };
  const current = await groupOrUndefined(cd, t.application, t.deploymentGroup);
  if (!current) {
    try {
      const autoRollback = { enabled: base.autoRollbackEvents.length > 0, events: base.autoRollbackEvents };
      await cd.createDeploymentGroup({ applicationName: t.application, deploymentGroupName: t.deploymentGroup, ...want, autoRollback });
      return 'created';
    } catch (e) {
      // another controller created it in between: check it as any existing group
      if (!isEdgeError(e, 'AWS_ALREADY_EXISTS') || raced) throw e;
      return ensureRingGroup(cd, t, true);
    }
  }
  const same =
    tagSetKey(current.onPremisesTagSets) === tagSetKey(want.onPremisesTagSet) &&
    current.serviceRoleArn === want.serviceRoleArn &&
    (want.deploymentConfigName === undefined || current.deploymentConfigName === want.deploymentConfigName);
  if (same) return 'unchanged';
  await cd.updateDeploymentGroup({ applicationName: t.application, currentDeploymentGroupName: t.deploymentGroup, ...want });
  return 'updated';
}

/**
 * Prepares ring targets, remembering per base target the fleet's assignment (the rings of a base
 * are assigned and tagged together when ring 1 is prepared, see taggedFleet) and per ring its group. A failed step is
 * forgotten, so the next call tries it again.
 */
export function ringPreparer(): (cd: CodeDeployPort, t: RingTarget) => Promise<PreparedRing> {
  const fleets = new Map<string, Promise<FleetRings>>();
  const rings = new Map<string, Promise<PreparedRing>>();
  const once = <T>(cache: Map<string, Promise<T>>, key: string, run: () => Promise<T>): Promise<T> => {
    let p = cache.get(key);
    if (!p) {
      p = run();
      cache.set(key, p);
      p.catch(() => cache.delete(key));
    }
    return p;
  };
  return (cd, t) =>
    once(rings, `${t.account ?? ''}|${t.region}|${t.name}`, async () => {
      const fleet = await once(fleets, `${t.account ?? ''}|${t.region}|${t.ring.base}`, () => (t.ring.index === 1 ? assignFleet(cd, t) : taggedFleet(cd, t)));
      await ensureRingGroup(cd, t);
      const names = fleet.byRing[t.ring.index - 1] ?? [];
      return { devices: names.length, fleet: fleet.byRing.reduce((n, r) => n + r.length, 0), names };
    });
}

/**
 * The rings as the devices' tags say, for a later ring of a rollout: the assignment is made when
 * ring 1 is prepared, and not again while the rollout goes on, so a device registered (or a
 * controller restarted) between two rings moves no device from a ring still to come into one
 * already done. An untagged device waits for the next rollout's ring 1. A fleet without any ring
 * tag yet (a rollout that starts past ring 1) is assigned now.
 */
export async function taggedFleet(cd: CodeDeployPort, t: RingTarget): Promise<FleetRings> {
  const { rings } = t.ring;
  const fleet = await listFleet(cd, t.select);
  const byRing: string[][] = rings.percents.map(() => []);
  for (const device of fleet) {
    const value = device.tags.find((x) => x.Key === rings.tag)?.Value;
    const index = rings.percents.findIndex((_, i) => ringTagValue(i + 1) === value);
    if (index >= 0) byRing[index]?.push(device.instanceName);
  }
  if (byRing.every((r) => r.length === 0)) return assignFleet(cd, t);
  return { byRing, tagCalls: 0 };
}

/** One ring made real, without a cache: the fleet assigned and tagged, the ring's group in place. */
export const prepareRing = (cd: CodeDeployPort, t: RingTarget): Promise<PreparedRing> => ringPreparer()(cd, t);
