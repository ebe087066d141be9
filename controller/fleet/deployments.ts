// Which deployments touch which instances: the newest deployment per device (status) and the
// devices in a deployment that is still running (deregister refuses those without --force).
import { BatchGetDeploymentTargetsCommand, BatchGetDeploymentsCommand, ListDeploymentTargetsCommand, ListDeploymentsCommand, type DeploymentStatus } from '@aws-sdk/client-codedeploy';
import { isAwsError, type FleetAws } from './aws.js';
import { chunks } from './pool.js';

export const ACTIVE_STATUSES: DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'];

export interface InstanceDeployment {
  readonly deploymentId: string;
  readonly deploymentStatus: string;
  /** The instance's own status in it (Succeeded, Failed, InProgress, Skipped, ...). */
  readonly instanceStatus: string;
  readonly createTime?: string;
}

/** Newest deployment per instance among the `limit` newest deployments (active ones only if asked). */
export async function deploymentsByInstance(aws: FleetAws, names: ReadonlySet<string>, opts: { activeOnly: boolean; limit: number }): Promise<Map<string, InstanceDeployment>> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const r = await aws.send('codedeploy', new ListDeploymentsCommand({ ...(opts.activeOnly ? { includeOnlyStatuses: ACTIVE_STATUSES } : {}), ...(nextToken ? { nextToken } : {}) }));
    ids.push(...(r.deployments ?? []));
    nextToken = r.nextToken;
  } while (nextToken && ids.length < opts.limit * 4);
  const infos = (await Promise.all(chunks(ids, 25).map((c) => aws.send('codedeploy', new BatchGetDeploymentsCommand({ deploymentIds: c }))))).flatMap((r) => r.deploymentsInfo ?? []);
  infos.sort((a, b) => (b.createTime?.getTime() ?? 0) - (a.createTime?.getTime() ?? 0));
  const out = new Map<string, InstanceDeployment>();
  for (const d of infos.slice(0, opts.limit)) {
    const id = d.deploymentId as string;
    let targets: string[] = [];
    try {
      let token: string | undefined;
      do {
        const r = await aws.send('codedeploy', new ListDeploymentTargetsCommand({ deploymentId: id, ...(token ? { nextToken: token } : {}) }));
        targets.push(...(r.targetIds ?? []));
        token = r.nextToken;
      } while (token);
    } catch (e) {
      if (!isAwsError(e, 'DeploymentNotStartedException')) throw e;
      continue; // targets are chosen when it starts
    }
    targets = targets.filter((t) => names.has(t) && !out.has(t));
    for (const batch of chunks(targets, 25)) {
      const r = await aws.send('codedeploy', new BatchGetDeploymentTargetsCommand({ deploymentId: id, targetIds: batch }));
      for (const t of r.deploymentTargets ?? []) {
        const it = t.instanceTarget;
        if (!it?.targetId || out.has(it.targetId)) continue;
        out.set(it.targetId, {
          deploymentId: id,
          deploymentStatus: d.status ?? 'Unknown',
          instanceStatus: it.status ?? 'Unknown',
          ...(d.createTime ? { createTime: d.createTime.toISOString() } : {}),
        });
      }
    }
  }
  return out;
}

/** Instances in a running deployment whose own part is not finished. */
export async function busyInstances(aws: FleetAws, names: ReadonlySet<string>): Promise<Map<string, InstanceDeployment>> {
  const all = await deploymentsByInstance(aws, names, { activeOnly: true, limit: 100 });
  return new Map([...all].filter(([, d]) => ['Pending', 'InProgress', 'Ready'].includes(d.instanceStatus)));
}
