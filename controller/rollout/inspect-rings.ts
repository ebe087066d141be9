// What `fleetctl rollout plan` shows of a ring target, reading only: how many of the fleet's
// devices the ring would get (the rings as the rollout will assign them: a device not tagged yet
// counts where its rank puts it), how many would be (re)tagged, what the ring's devices run now,
// and whether the ring's group exists yet (the rollout creates it). A fleet that cannot be listed
// shows `?` devices and a warning: the plan itself still answers.
import { isEdgeError, toEdgeError } from '../../shared/errors.js';
import type { AwsPorts, DeploymentGroupInfo, DeploymentStatus, OnPremisesInstance } from '../aws/ports.js';
import { listFleet, type RingTarget } from './drivers/rings.js';
import { versionOfKey, type TargetInspection } from './inspect.js';
import { assignRings, ringTagValue } from './rings.js';

/** CodeDeploy's limit of instances in one deployment. */
const MAX_INSTANCES = 1000;
const ACTIVE: readonly DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Ready'];

type Ports = Pick<AwsPorts, 'codedeploy'>;

/** Each base target's fleet, listed once per plan for all its rings. */
export type FleetListings = Map<string, Promise<OnPremisesInstance[]>>;

export interface RingInspection {
  readonly base: string;
  readonly index: number;
  readonly rings: number;
  /** The ring's cumulative percentage of the fleet. */
  readonly percent: number;
  /** Devices in the ring; null when the fleet could not be listed. */
  readonly devices: number | null;
  /** Of those, how many the rollout tags (no ring tag yet, or another ring's). */
  readonly toTag?: number;
  /** Devices in the whole fleet. */
  readonly fleet?: number;
}

async function groupOrUndefined(ports: Ports, application: string, name: string): Promise<DeploymentGroupInfo | undefined> {
  try {
    return await ports.codedeploy.getDeploymentGroup(application, name);
  } catch (e) {
    if (isEdgeError(e, 'AWS_NOT_FOUND')) return undefined;
    throw e;
  }
}

/** Fills `out` for a ring target: its group (or its base group's), what runs now, its devices. */
export async function inspectRing(t: RingTarget, ports: Ports, out: TargetInspection, fleets: FleetListings): Promise<RingInspection> {
  const { ring } = t;
  const { percents } = ring.rings;
  const head = { base: ring.base, index: ring.index, rings: percents.length, percent: percents[ring.index - 1] ?? 100 };
  const base = await groupOrUndefined(ports, t.application, ring.baseGroup);
  if (!base) {
    out.problems.push({
      problem: `deployment group ${t.application}/${ring.baseGroup} does not exist in ${out.account} ${out.region}: ring groups copy it`,
      action: 'create the CodeDeploy application and deployment group (or fix application/deployment_group in fleet.yml)',
      blocking: true,
    });
    return { ...head, devices: null };
  }
  const own = await groupOrUndefined(ports, t.application, t.deploymentGroup);
  await describeCurrent(ports, own, base, out);
  if (own) {
    const group = { applicationName: t.application, deploymentGroupName: t.deploymentGroup };
    const active = await ports.codedeploy.listDeployments({ ...group, includeOnlyStatuses: ACTIVE });
    if (active.items.length > 0) Object.assign(out, { busy: true, busyReason: `deployment ${active.items.join(', ')} is active` });
  }
  const key = `${t.account ?? ''}|${t.region}|${ring.base}`;
  let listing = fleets.get(key);
  if (!listing) {
    listing = listFleet(ports.codedeploy, t.select);
    fleets.set(key, listing);
  }
  let fleet: OnPremisesInstance[];
  try {
    fleet = await listing;
  } catch (e) {
    if (!isEdgeError(e) || !e.code.startsWith('AWS_')) throw e;
    out.problems.push({
      problem: `the fleet's devices could not be listed (${toEdgeError(e).message}): the ring's device count is unknown`,
      action: 'allow codedeploy:ListOnPremisesInstances and BatchGetOnPremisesInstances (the rollout needs them, and AddTags, anyway)',
      blocking: false,
    });
    return { ...head, devices: null };
  }
  const assigned = assignRings(
    fleet.map((i) => i.instanceName),
    ring.rings,
  );
  const mine = fleet.filter((i) => assigned.get(i.instanceName) === ring.index);
  const want = ringTagValue(ring.index);
  const toTag = mine.filter((i) => i.tags.find((x) => x.Key === ring.rings.tag)?.Value !== want).length;
  out.devices = { matched: mine.length, overLimit: mine.length > MAX_INSTANCES };
  if (fleet.length === 0) {
    const action = 'register devices with these tags (fleetctl register) or fix select:';
    out.problems.push({ problem: 'the selector matches no registered device', action, blocking: false });
  } else if (mine.length === 0) {
    const problem = `ring ${ring.index} gets no device of the ${fleet.length} in the fleet: it is skipped`;
    out.problems.push({ problem, action: 'nothing, or raise its percentage', blocking: false });
  }
  if (mine.length > MAX_INSTANCES) {
    out.problems.push({
      problem: `ring ${ring.index} has ${mine.length} devices; one CodeDeploy deployment takes at most ${MAX_INSTANCES}`,
      action: 'add rings (smaller steps) or split the fleet into several targets with narrower selectors',
      blocking: true,
    });
  }
  return { ...head, devices: mine.length, toTag, fleet: fleet.length };
}

/** What the ring's devices run: its own group's last success, or its base group's when that ended later. */
async function describeCurrent(
  ports: Ports,
  own: DeploymentGroupInfo | undefined,
  base: DeploymentGroupInfo,
  out: TargetInspection,
): Promise<void> {
  const a = own?.lastSuccessfulDeployment;
  const b = base.lastSuccessfulDeployment;
  const later = a && b && b.endTime && a.endTime && b.endTime.getTime() > a.endTime.getTime();
  const last = !a ? b : later ? b : a;
  const created = own ? '' : ' (its group is created by the rollout)';
  if (!last) {
    out.current = `nothing deployed yet${created}`;
    return;
  }
  const r = (await ports.codedeploy.getDeployment(last.deploymentId)).revision;
  const version = r ? versionOfKey(r.key) : undefined;
  const what = r ? `${version ? `release ${version}: ` : ''}s3://${r.bucket}/${r.key}` : 'a revision';
  out.current = `${what} (${last.deploymentId}${last === b ? ` in ${base.deploymentGroupName}` : ''})${created}`;
}
