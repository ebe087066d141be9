// Which deployments touch which instances: the newest deployment per device (status) and the
// devices in a deployment that is still running (deregister refuses those without --force).
import { isEdgeError } from '../../shared/errors.js';
import type { DeploymentInfo, DeploymentStatus } from '../aws/ports.js';
import type { FleetPorts } from './model.js';
import { allPages, chunks } from './pool.js';

export const ACTIVE_STATUSES: readonly DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'];
/** An instance's own status while its part of a deployment is not finished. */
export const BUSY_INSTANCE_STATUSES: readonly string[] = ['Pending', 'InProgress', 'Ready'];

export interface InstanceDeployment {
  readonly deploymentId: string;
  readonly deploymentStatus: string;
  /** The instance's own status in it (Succeeded, Failed, InProgress, Skipped, ...). */
  readonly instanceStatus: string;
  readonly createTime?: string;
}

type Aws = Pick<FleetPorts, 'codedeploy'>;

async function newestDeployments(aws: Aws, opts: { activeOnly: boolean; limit: number }): Promise<DeploymentInfo[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await aws.codedeploy.listDeployments({ ...(opts.activeOnly ? { includeOnlyStatuses: ACTIVE_STATUSES } : {}), ...(nextToken ? { nextToken } : {}) });
    ids.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken && ids.length < opts.limit * 4);
  const infos = (await Promise.all(chunks(ids, 25).map((c) => aws.codedeploy.batchGetDeployments(c)))).flat();
  infos.sort((a, b) => (b.createTime?.getTime() ?? 0) - (a.createTime?.getTime() ?? 0));
  return infos.slice(0, opts.limit);
}

/** A deployment's targets; undefined while it has not chosen them (AWS_CONFLICT: not started). */
async function targetsOf(aws: Aws, deploymentId: string): Promise<string[] | undefined> {
  try {
    return await allPages((nextToken) => aws.codedeploy.listDeploymentTargets({ deploymentId, ...(nextToken ? { nextToken } : {}) }));
  } catch (e) {
    if (isEdgeError(e, 'AWS_CONFLICT')) return undefined;
    throw e;
  }
}

/** Newest deployment per instance among the `limit` newest deployments (active ones only if asked). */
export async function deploymentsByInstance(aws: Aws, names: ReadonlySet<string>, opts: { activeOnly: boolean; limit: number }): Promise<Map<string, InstanceDeployment>> {
  const out = new Map<string, InstanceDeployment>();
  for (const d of await newestDeployments(aws, opts)) {
    const targets = (await targetsOf(aws, d.deploymentId))?.filter((t) => names.has(t) && !out.has(t)) ?? [];
    for (const batch of chunks(targets, 25)) {
      for (const t of await aws.codedeploy.batchGetDeploymentTargets(d.deploymentId, batch)) {
        if (out.has(t.targetId)) continue;
        out.set(t.targetId, {
          deploymentId: d.deploymentId,
          deploymentStatus: d.status,
          instanceStatus: t.status,
          ...(d.createTime ? { createTime: d.createTime.toISOString() } : {}),
        });
      }
    }
  }
  return out;
}

/** Instances in a running deployment whose own part is not finished. */
export async function busyInstances(aws: Aws, names: ReadonlySet<string>): Promise<Map<string, InstanceDeployment>> {
  const all = await deploymentsByInstance(aws, names, { activeOnly: true, limit: 100 });
  return new Map([...all].filter(([, d]) => BUSY_INSTANCE_STATUSES.includes(d.instanceStatus)));
}
