// A CodeDeploy deployment of the release's device revision to one deployment group: the driver
// behind `devices` targets (on-premises Raspberry Pi fleets) and `codedeploy` targets (a tenant's
// own servers). The deployment's description carries a mark of the attempt's token, which is how
// an attempt whose fact never reached the journal is found again instead of deployed twice.
import { EdgeError, isEdgeError } from '../../../shared/errors.js';
import type { CodeDeployPort, DeploymentInfo } from '../../aws/ports.js';
import { chunks } from '../../fleet/pool.js';
import type { CodeDeployTarget, DeploymentConfig, DevicesTarget, Target } from '../config-types.js';
import type { Previous, TargetRef } from '../journal-model.js';
import type { DeployContext, FollowResult, TargetDriver } from '../runner.js';
import { isRingTarget, ringPreparer, type PreparedRing, type RingTarget } from './rings.js';
import { deploymentRollback, fileExistsBehaviorOf } from './rollback-deployment.js';
import { sessionFor, targetOf, tokenMark, type DriverDeps } from './session.js';

/** CodeDeploy's limit on a deployment description. */
export const MAX_DESCRIPTION = 100;
/** Pages of ListDeployments (100 ids each) searched for an earlier attempt. */
const FIND_PAGES = 10;
/** Failed devices whose reasons a failure names. */
const FAILED_SHOWN = 3;

/**
 * `fleetctl rollout <id> wave <w> target <t> attempt <n> [fc-…]` (a rollback: `fleetctl rollback of <t>, rollout <id> [fc-…]`),
 * cut to CodeDeploy's 100 characters; the mark always survives.
 */
export function deploymentDescription(target: string, ctx: DeployContext, rollback = false): string {
  const mark = ` [${tokenMark(ctx.token)}]`;
  const text = rollback
    ? `fleetctl rollback of ${target}, rollout ${ctx.rolloutId}`
    : `fleetctl rollout ${ctx.rolloutId} wave ${ctx.wave} target ${target} attempt ${ctx.attempt}`;
  return `${text.slice(0, MAX_DESCRIPTION - mark.length)}${mark}`;
}

/** `fleetctl-hosts-2`, `fleetctl-percent-75`: the custom config a minimum of healthy hosts needs. */
export const customConfigName = (m: { type: 'HOST_COUNT' | 'FLEET_PERCENT'; value: number }): string =>
  `fleetctl-${m.type === 'HOST_COUNT' ? 'hosts' : 'percent'}-${m.value}`;

async function configName(cd: CodeDeployPort, config: DeploymentConfig | undefined): Promise<string | undefined> {
  if (!config) return undefined;
  if ('name' in config) return config.name;
  const name = customConfigName(config.minimumHealthyHosts);
  try {
    await cd.createDeploymentConfig({ deploymentConfigName: name, minimumHealthyHosts: config.minimumHealthyHosts });
  } catch (e) {
    if (!isEdgeError(e, 'AWS_ALREADY_EXISTS')) throw e;
  }
  return name;
}

const count = (d: DeploymentInfo): { done: number; total: number } => {
  const o = d.overview;
  if (!o) return { done: 0, total: 0 };
  return { done: o.Succeeded + o.Skipped, total: o.Pending + o.InProgress + o.Succeeded + o.Failed + o.Skipped + o.Ready };
};

/** The first failed devices with the lifecycle event that failed and its message (bounded: one page). */
async function failedDevices(cd: CodeDeployPort, deploymentId: string): Promise<string[]> {
  try {
    const ids = (await cd.listDeploymentTargets({ deploymentId })).items.slice(0, 25);
    const targets = await cd.batchGetDeploymentTargets(deploymentId, ids);
    return targets
      .filter((t) => t.status === 'Failed')
      .slice(0, FAILED_SHOWN)
      .map((t) => {
        const ev = t.lifecycleEvents.find((e) => e.status === 'Failed');
        return `${t.targetId}: ${ev ? `${ev.name} failed${ev.message ? `: ${ev.message}` : ''}` : 'failed'}`;
      });
  } catch (e) {
    if (isEdgeError(e) && !e.retryable) return [];
    throw e;
  }
}

/** A ring's devices ran its own group's last successful deployment, or its base group's: whichever ended later. */
/** The deployment whose revision the target runs, and the group it was made in (a ring's, or its base group's). */
async function lastSuccessful(cd: CodeDeployPort, t: DevicesTarget | CodeDeployTarget): Promise<{ id: string; group: string } | undefined> {
  const own = (await cd.getDeploymentGroup(t.application, t.deploymentGroup)).lastSuccessfulDeployment;
  const mine = own ? { id: own.deploymentId, group: t.deploymentGroup } : undefined;
  if (t.kind !== 'devices' || !t.ring) return mine;
  const baseGroup = t.ring.baseGroup;
  const base = (await cd.getDeploymentGroup(t.application, baseGroup)).lastSuccessfulDeployment;
  const theirs = base ? { id: base.deploymentId, group: baseGroup } : undefined;
  if (!own || !base) return mine ?? theirs;
  const later = base.endTime && own.endTime && base.endTime.getTime() > own.endTime.getTime();
  return later ? theirs : mine;
}


/** A ring without devices: CodeDeploy would fail a deployment to no instance, so there is none. */
const emptyRing = (t: RingTarget, p: PreparedRing): TargetRef => ({
  kind: 'none',
  reason: `no device in ring ${t.ring.index} of ${t.ring.base} (${p.fleet} in the fleet): nothing to deploy`,
});

export function deploymentGroupDriver(deps: DriverDeps): TargetDriver {
  const group = (target: Target): DevicesTarget | CodeDeployTarget => targetOf(target, 'devices', 'codedeploy');
  const cdOf = (t: DevicesTarget | CodeDeployTarget): CodeDeployPort => sessionFor(deps.pool, t, deps.rolloutId).codedeploy;
  const ref = (deploymentId: string): TargetRef => ({ kind: 'deployment', deploymentId });
  // the rings of a base target are assigned and tagged when ring 1 is prepared; later rings read the tags (taggedFleet)
  const prepare = ringPreparer();
  const ringOf = (t: DevicesTarget | CodeDeployTarget): RingTarget | undefined => (t.kind === 'devices' && isRingTarget(t) ? t : undefined);

  const driver: Omit<TargetDriver, 'rollback' | 'findRollback'> = {
    async recordBefore(target): Promise<Previous> {
      const t = group(target);
      const cd = cdOf(t);
      const ring = ringOf(t);
      if (ring) await prepare(cd, ring);
      const last = await lastSuccessful(cd, t);
      if (!last) return { kind: 'revision' };
      const r = (await cd.getDeployment(last.id)).revision;
      if (!r) return { kind: 'revision' };
      const pinned = { ...(r.eTag ? { eTag: r.eTag } : {}), ...(r.version ? { version: r.version } : {}) };
      const revision = { bucket: r.bucket, key: r.key, bundleType: r.bundleType, ...pinned };
      return { kind: 'revision', revision, ...(last.group !== t.deploymentGroup ? { fromGroup: last.group } : {}) };
    },

    async deploy(target, ctx) {
      const t = group(target);
      const part = deps.manifest.parts.device;
      if (!part) {
        throw new EdgeError('TARGET_PART_MISSING', `target ${t.name} deploys the device revision, but release ${deps.manifest.version} has none`);
      }
      const cd = cdOf(t);
      const ring = ringOf(t);
      const prepared = ring ? await prepare(cd, ring) : undefined;
      if (ring && prepared?.devices === 0) return emptyRing(ring, prepared);
      const deploymentConfigName = await configName(cd, t.deploymentConfig);
      try {
        const { deploymentId } = await cd.createDeployment({
          applicationName: t.application,
          deploymentGroupName: t.deploymentGroup,
          revision: {
            bucket: deps.manifest.bucket,
            key: part.key,
            bundleType: part.bundleType,
            eTag: part.etag.replace(/"/g, ''),
            ...(part.versionId ? { version: part.versionId } : {}),
          },
          description: deploymentDescription(t.name, ctx),
          ...(deploymentConfigName ? { deploymentConfigName } : {}),
          ...fileExistsBehaviorOf(t),
          autoRollback: { enabled: t.autoRollback, events: t.autoRollback ? ['DEPLOYMENT_FAILURE'] : [] },
        });
        return ref(deploymentId);
      } catch (e) {
        // one deployment per group at a time (DeploymentLimitExceeded): wait for the other one
        if (isEdgeError(e, 'AWS_QUOTA_EXCEEDED') || isEdgeError(e, 'AWS_CONFLICT')) {
          throw new EdgeError('TARGET_BUSY', `deployment group ${t.deploymentGroup} is busy: ${e.message}`, { cause: e });
        }
        throw e;
      }
    },

    async find(target, ctx) {
      const t = group(target);
      const cd = cdOf(t);
      const ring = ringOf(t);
      const prepared = ring ? await prepare(cd, ring) : undefined;
      const mark = `[${tokenMark(ctx.token)}]`;
      let nextToken: string | undefined;
      for (let page = 0; page < FIND_PAGES; page++) {
        const group = { applicationName: t.application, deploymentGroupName: t.deploymentGroup };
        const ids = await cd.listDeployments({ ...group, ...(nextToken ? { nextToken } : {}) });
        for (const batch of chunks(ids.items, 25)) {
          const found = (await cd.batchGetDeployments(batch)).find((d) => d.description?.endsWith(mark));
          if (found) return ref(found.deploymentId);
        }
        nextToken = ids.nextToken;
        if (!nextToken) break;
      }
      return ring && prepared?.devices === 0 ? emptyRing(ring, prepared) : undefined;
    },

    async follow(target, r): Promise<FollowResult> {
      const t = group(target);
      if (r.kind === 'none') return { state: 'succeeded', progress: r.reason };
      if (r.kind !== 'deployment') throw new EdgeError('ROLLOUT_JOURNAL_CORRUPT', `target ${t.name} has a ${r.kind} reference, not a deployment`);
      const cd = cdOf(t);
      const d = await cd.getDeployment(r.deploymentId);
      const { done, total } = count(d);
      const progress = `${done}/${total} devices`;
      if (d.status === 'Succeeded') {
        // as CodeDeploy timed it: plans the first look at the next deployments of this kind
        const tookMs = d.createTime && d.completeTime ? d.completeTime.getTime() - d.createTime.getTime() : undefined;
        return { state: 'succeeded', progress, ...(tookMs !== undefined && tookMs >= 0 ? { tookMs } : {}) };
      }
      if (d.status === 'Failed' || d.status === 'Stopped') {
        const why = d.errorInformation ? `${d.errorInformation.code ?? 'error'}: ${d.errorInformation.message ?? ''}` : d.status;
        const devices = await failedDevices(cd, d.deploymentId);
        const named = devices.length ? `; ${devices.join('; ')}` : '';
        return { state: 'failed', reason: `deployment ${d.deploymentId} ${d.status.toLowerCase()} (${progress}): ${why}${named}` };
      }
      return { state: 'running', progress: `${d.status} ${progress}` };
    },
  };
  return { ...driver, ...deploymentRollback(deps, { find: driver.find, configName, description: deploymentDescription }) };
}
