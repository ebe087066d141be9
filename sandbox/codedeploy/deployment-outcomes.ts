// State changes when hosts or deployments end: skipping what will not run, the deployment group's
// lastAttempted/lastSuccessful bookkeeping, and creating an automatic rollback deployment.
import type { DeploymentScope } from './context.js';
import { createDeploymentRecord, MESSAGES } from './deployment-records.js';
import { isRegistered } from './on-premises-instances.js';
import type { S3RevisionLocation } from './revisions.js';
import type { DeploymentGroupRecord, DeploymentRecord, InstanceRecord, TargetRecord } from './state.js';

export function groupById(scope: DeploymentScope, deploymentGroupId: string): DeploymentGroupRecord | undefined {
  return Object.values(scope.state.deploymentGroups).find((g) => g.deploymentGroupId === deploymentGroupId);
}

/** Marks the target Failed; its events from `firstSkipped` on that never ran become Skipped. */
export function failTarget(t: TargetRecord, firstSkipped: number, now: number): void {
  for (const ev of (t.lifecycleEvents ?? []).slice(firstSkipped)) {
    if (ev.status === 'Pending') Object.assign(ev, { status: 'Skipped', endTime: now });
  }
  t.status = 'Failed';
  t.lastUpdatedAt = now;
}

/** Every target still Pending (never started) becomes Skipped, with all its events. */
export function skipPendingTargets(d: DeploymentRecord, now: number): void {
  for (const t of Object.values(d.targets)) {
    if (t.status !== 'Pending') continue;
    t.status = 'Skipped';
    t.lastUpdatedAt = now;
    for (const ev of t.lifecycleEvents ?? []) Object.assign(ev, { status: 'Skipped', endTime: now });
  }
}

/** Group bookkeeping (lastAttemptedDeployment, lastSuccessfulDeployment) and, for a rollback
 * deployment, the triggering deployment's rollback message. */
export function recordGroupOutcome(scope: DeploymentScope, d: DeploymentRecord): void {
  const info = {
    deploymentId: d.info.deploymentId,
    status: d.info.status,
    createTime: d.info.createTime,
    ...(d.info.completeTime ? { endTime: d.info.completeTime } : {}),
  };
  const group = groupById(scope, d.deploymentGroupId);
  if (group && group.lastAttemptedDeployment?.deploymentId === d.info.deploymentId) group.lastAttemptedDeployment = info;
  if (group && d.info.status === 'Succeeded') group.lastSuccessfulDeployment = info;
  const triggering = d.info.rollbackInfo?.rollbackTriggeringDeploymentId;
  const original = triggering ? scope.state.deployments[triggering] : undefined;
  if (original?.info.rollbackInfo && d.info.completeTime) {
    original.info.rollbackInfo.rollbackMessage = `Automatic rollback deployment ${d.info.deploymentId} ended with status ${d.info.status}.`;
  }
}

/**
 * Creates the automatic rollback of `d`: a deployment (creator codeDeployRollback) of the group's
 * last successful revision to `d`'s instances that are still registered, and links the two through
 * rollbackInfo. Without a last successful deployment only a rollbackMessage is set. Rollbacks are
 * not themselves rolled back.
 */
export function createRollback(scope: DeploymentScope, d: DeploymentRecord, now: number): DeploymentRecord | undefined {
  if (d.info.creator === 'codeDeployRollback' || d.targetOrder.length === 0) return undefined;
  const group = groupById(scope, d.deploymentGroupId);
  const lastGoodId = group?.lastSuccessfulDeployment?.deploymentId;
  const lastGood = lastGoodId ? scope.state.deployments[lastGoodId] : undefined;
  if (!group || !lastGood?.info.revision) {
    d.info.rollbackInfo = { rollbackMessage: MESSAGES.NO_ROLLBACK_REVISION };
    return undefined;
  }
  const instances = d.targetOrder.map((n) => scope.state.instances[n]).filter((i): i is InstanceRecord => i !== undefined && isRegistered(i));
  const rb = createDeploymentRecord(scope, {
    group,
    revision: lastGood.info.revision as S3RevisionLocation,
    deploymentConfigName: d.info.deploymentConfigName ?? group.deploymentConfigName,
    creator: 'codeDeployRollback',
    fileExistsBehavior: d.info.fileExistsBehavior ?? 'DISALLOW',
    ignoreApplicationStopFailures: d.info.ignoreApplicationStopFailures ?? false,
    updateOutdatedInstancesOnly: false,
    autoRollbackConfiguration: d.info.autoRollbackConfiguration ?? { enabled: false, events: [] },
    instances,
    now,
  });
  rb.info.rollbackInfo = { rollbackTriggeringDeploymentId: d.info.deploymentId };
  d.info.rollbackInfo = {
    rollbackDeploymentId: rb.info.deploymentId,
    rollbackMessage: `Automatic rollback deployment ${rb.info.deploymentId} is redeploying the last successful revision (from ${lastGood.info.deploymentId}).`,
  };
  return rb;
}
