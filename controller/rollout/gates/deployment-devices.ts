// Reads behind the device gates: the devices of a wave's deployments (ListDeploymentTargets and
// BatchGetDeploymentTargets, every page) and a device's shadow, read as `fleetctl status` reads it.
import { isEdgeError } from '../../../shared/errors.js';
import type { AwsPool, AwsSession } from '../../aws/pool.js';
import type { DeploymentTarget } from '../../aws/ports.js';
import { healthFromShadow } from '../../fleet/fleet-state.js';
import { THING_NAME } from '../../fleet/model.js';
import { allPages, chunks, forEachLimited } from '../../fleet/pool.js';
import type { Target } from '../config-types.js';
import type { RolloutState } from '../journal-model.js';
import type { PlannedWave } from '../plan.js';
import { sessionFor } from '../drivers/session.js';
import { FINISHED_DEVICE, lastCommandOf, type DeploymentDevice, type ShadowReading } from './device-verdicts.js';

/** BatchGetDeploymentTargets takes 25 ids. */
const BATCH = 25;
/** Deployments listed at once. */
const DEPLOYMENTS_AT_ONCE = 4;

/** A device target of the wave with its deployment, and the session of its account. */
export interface WaveDeployment {
  readonly target: Target;
  readonly deploymentId: string;
  readonly session: AwsSession;
}

/** The wave's device targets that have a deployment (one that failed before starting has none: skipped). */
export function waveDeployments(
  pool: Pick<AwsPool, 'session'>,
  rolloutId: string,
  wave: PlannedWave,
  state: RolloutState,
): WaveDeployment[] {
  return wave.targets.flatMap((target) => {
    const ref = state.targets.get(target.name)?.ref;
    if (target.kind !== 'devices' || ref?.kind !== 'deployment') return [];
    return [{ target, deploymentId: ref.deploymentId, session: sessionFor(pool, target, rolloutId) }];
  });
}

export function toDevice(target: string, t: DeploymentTarget): DeploymentDevice {
  const ran = t.lifecycleEvents.filter((e) => e.status === 'Succeeded' || e.status === 'Failed');
  const failed = t.lifecycleEvents.find((e) => e.status === 'Failed');
  const finished = (FINISHED_DEVICE as readonly string[]).includes(t.status);
  return {
    name: t.targetId,
    deploymentId: t.deploymentId,
    target,
    status: t.status,
    ...(finished && t.lastUpdatedAt ? { finishedAt: t.lastUpdatedAt.getTime() } : {}),
    ...(ran.length > 0 ? { lastEvent: ran[ran.length - 1]?.name } : {}),
    ...(failed ? { failure: `${failed.name} failed${failed.message ? `: ${failed.message}` : ''}` } : {}),
  };
}

/** Every device of one deployment; none while it has not chosen its targets (AWS_CONFLICT: not started). */
async function devicesOf(d: WaveDeployment): Promise<DeploymentDevice[]> {
  const cd = d.session.codedeploy;
  let ids: string[];
  try {
    ids = await allPages((nextToken) => cd.listDeploymentTargets({ deploymentId: d.deploymentId, ...(nextToken ? { nextToken } : {}) }));
  } catch (e) {
    if (isEdgeError(e, 'AWS_CONFLICT')) return [];
    throw e;
  }
  const out: DeploymentDevice[] = [];
  for (const batch of chunks(ids, BATCH)) {
    for (const t of await cd.batchGetDeploymentTargets(d.deploymentId, batch)) out.push(toDevice(d.target.name, t));
  }
  return out;
}

/** The devices of every deployment, in the order of the wave's targets. */
export async function listWaveDevices(deployments: readonly WaveDeployment[]): Promise<DeploymentDevice[][]> {
  const out: DeploymentDevice[][] = new Array<DeploymentDevice[]>(deployments.length);
  await forEachLimited(deployments, DEPLOYMENTS_AT_ONCE, async (d, i) => {
    out[i] = await devicesOf(d);
  });
  return out;
}

/**
 * The device's shadow, as `fleetctl status` reads it (healthFromShadow): null when it has none, or
 * when its name cannot be an IoT thing's. Other failures propagate (a retryable one is retried by the runner).
 */
export async function readShadow(session: Pick<AwsSession, 'iotdata'>, name: string): Promise<ShadowReading | null> {
  if (!THING_NAME.test(name)) return null;
  let doc: Record<string, unknown>;
  try {
    doc = await session.iotdata.getThingShadow(name);
  } catch (e) {
    if (isEdgeError(e, 'AWS_NOT_FOUND') || isEdgeError(e, 'AWS_REQUEST_INVALID')) return null;
    throw e;
  }
  const lastCommand = lastCommandOf(doc);
  return { health: healthFromShadow(doc), ...(lastCommand ? { lastCommand } : {}) };
}
