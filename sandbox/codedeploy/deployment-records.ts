// Creating deployment records, rendering them as the API shows them, and the deployment spec the
// hosts receive.
import { DEFAULT_ORDERED_LIFECYCLE_EVENTS } from '../../appspec/lifecycle.js';
import type {
  AutoRollbackConfiguration,
  DeploymentInfo,
  DeploymentOverview,
  InstanceSummary,
  InstanceTarget,
  TargetInstances,
} from '@aws-sdk/client-codedeploy';
import type { DeploymentScope } from './context.js';
import { findDeploymentConfig, minimumHealthyHostsOf } from './deployment-configs.js';
import type { S3RevisionLocation } from './revisions.js';
import { recordRevisionUse } from './revisions.js';
import type { DeploymentGroupRecord, DeploymentRecord, InstanceRecord, TargetRecord, Wire } from './state.js';
import { ACTIVE_DEPLOYMENT_STATUSES, newDeploymentId } from './state.js';

/**
 * The lifecycle events of an in-place deployment without a load balancer, in order, each sent to
 * the host as one command. The traffic events (BeforeBlockTraffic … AfterAllowTraffic) are not
 * listed: AWS's own GetDeploymentTarget output for such a deployment shows exactly these seven.
 */
export const HOST_LIFECYCLE_EVENTS = [
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
] as const;

/** Sent in the spec so the agent validates appspec hook names (the agent's default 11). */
export const ALL_POSSIBLE_LIFECYCLE_EVENTS = DEFAULT_ORDERED_LIFECYCLE_EVENTS;

export const MESSAGES = {
  NO_INSTANCES:
    'The deployment failed because no instances were found for your deployment group. Check your deployment group settings to make sure the tags for your on-premises instances correctly identify the instances you want to deploy to, and then try again.',
  HEALTH_CONSTRAINTS:
    'The overall deployment failed because too many individual instances failed deployment, too few healthy instances are available for deployment, or some instances in your deployment group are experiencing problems.',
  HEALTH_CONSTRAINTS_INVALID:
    "The deployment can't start because a minimum number of healthy instances, as defined by your deployment configuration, are not available. You can reduce the required number of healthy instances by updating your deployment configuration or increase the number of instances in this deployment group.",
  MANUAL_STOP: 'The deployment was stopped by a user request.',
  STOPPED_EVENT: 'The deployment was stopped before this lifecycle event completed.',
  NO_ROLLBACK_REVISION: 'Automatic rollback was not performed: the deployment group has no previous successful deployment to roll back to.',
} as const;

export interface NewDeployment {
  readonly group: DeploymentGroupRecord;
  readonly revision: S3RevisionLocation;
  readonly deploymentConfigName: string;
  readonly creator: 'user' | 'codeDeployRollback';
  readonly description?: string | undefined;
  readonly fileExistsBehavior: 'DISALLOW' | 'OVERWRITE' | 'RETAIN';
  readonly ignoreApplicationStopFailures: boolean;
  readonly updateOutdatedInstancesOnly: boolean;
  readonly autoRollbackConfiguration: Wire<AutoRollbackConfiguration>;
  readonly targetInstances?: Wire<TargetInstances> | undefined;
  readonly instances: readonly InstanceRecord[];
  readonly now: number;
}

export function activeDeploymentOf(scope: DeploymentScope, deploymentGroupId: string): DeploymentRecord | undefined {
  return Object.values(scope.state.deployments).find(
    (d) => d.deploymentGroupId === deploymentGroupId && ACTIVE_DEPLOYMENT_STATUSES.includes(d.info.status ?? ''),
  );
}

/** Adds a deployment in status Created (targets Pending) and updates group and revision bookkeeping. */
export function createDeploymentRecord(scope: DeploymentScope, params: NewDeployment): DeploymentRecord {
  const { group, now } = params;
  let id = newDeploymentId();
  while (scope.state.deployments[id]) id = newDeploymentId();
  const config = findDeploymentConfig(scope.state, params.deploymentConfigName);
  const targets: Record<string, TargetRecord> = {};
  for (const inst of params.instances) {
    targets[inst.instanceName] = {
      deploymentId: id,
      targetId: inst.instanceName,
      targetArn: inst.instanceArn,
      status: 'Pending',
      lastUpdatedAt: now,
      lifecycleEvents: HOST_LIFECYCLE_EVENTS.map((name) => ({ lifecycleEventName: name, status: 'Pending' })),
      hostIdentifier: inst.iamUserArn ?? inst.iamSessionArn ?? '',
    };
  }
  const record: DeploymentRecord = {
    info: {
      applicationName: group.applicationName,
      deploymentGroupName: group.deploymentGroupName,
      deploymentConfigName: params.deploymentConfigName,
      deploymentId: id,
      ...(group.lastSuccessfulDeployment?.deploymentId
        ? { previousRevision: scope.state.deployments[group.lastSuccessfulDeployment.deploymentId]?.info.revision }
        : {}),
      revision: params.revision,
      status: 'Created',
      createTime: now,
      ...(params.description !== undefined ? { description: params.description } : {}),
      creator: params.creator,
      ignoreApplicationStopFailures: params.ignoreApplicationStopFailures,
      autoRollbackConfiguration: params.autoRollbackConfiguration,
      updateOutdatedInstancesOnly: params.updateOutdatedInstancesOnly,
      deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
      ...(params.targetInstances ? { targetInstances: params.targetInstances } : {}),
      instanceTerminationWaitTimeStarted: false,
      fileExistsBehavior: params.fileExistsBehavior,
      deploymentStatusMessages: [],
      computePlatform: 'Server',
    },
    deploymentGroupId: group.deploymentGroupId,
    minimumHealthyHosts: config ? minimumHealthyHostsOf(config) : { type: 'MOST_CONCURRENCY', value: 1 },
    targetOrder: params.instances.map((i) => i.instanceName),
    targets,
  };
  scope.state.deployments[id] = record;
  group.targetRevision = params.revision;
  group.lastAttemptedDeployment = { deploymentId: id, status: 'Created', createTime: now };
  recordRevisionUse(scope.state, group.applicationName, group.deploymentGroupName, params.revision, id, now);
  return record;
}

export function overviewOf(d: DeploymentRecord): DeploymentOverview {
  const o = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 };
  for (const t of Object.values(d.targets)) {
    const s = t.status as keyof typeof o | undefined;
    if (s && s in o) o[s]++;
  }
  return o;
}

export function renderDeployment(d: DeploymentRecord): Wire<DeploymentInfo> {
  return { ...d.info, deploymentOverview: overviewOf(d) };
}

export function renderTarget(t: TargetRecord): Wire<InstanceTarget> {
  const { hostIdentifier: _hostIdentifier, ...target } = t;
  return target;
}

/** The legacy InstanceSummary view (instanceId is the instance ARN, as AWS returns it). */
export function renderInstanceSummary(t: TargetRecord): Wire<InstanceSummary> {
  return {
    deploymentId: t.deploymentId,
    instanceId: t.targetArn,
    status: t.status as Wire<InstanceSummary>['status'],
    lastUpdatedAt: t.lastUpdatedAt,
    lifecycleEvents: t.lifecycleEvents,
  };
}

/** The deployment specification JSON the host agent receives (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/deployment_specification.rb). */
export function deploymentSpecOf(d: DeploymentRecord): Record<string, unknown> {
  const s3 = d.info.revision?.s3Location ?? {};
  return {
    DeploymentId: d.info.deploymentId,
    DeploymentGroupId: d.deploymentGroupId,
    DeploymentGroupName: d.info.deploymentGroupName,
    ApplicationName: d.info.applicationName,
    DeploymentCreator: d.info.creator ?? 'user',
    DeploymentType: 'IN_PLACE',
    AppSpecFilename: 'appspec.yml',
    Revision: {
      RevisionType: 'S3',
      S3Revision: {
        Bucket: s3.bucket,
        Key: s3.key,
        BundleType: s3.bundleType,
        ...(s3.version ? { Version: s3.version } : {}),
        ...(s3.eTag ? { ETag: s3.eTag } : {}),
      },
    },
    AgentActionOverrides: { AgentOverrides: { FileExistsBehavior: d.info.fileExistsBehavior ?? 'DISALLOW' } },
    AllPossibleLifecycleEvents: [...ALL_POSSIBLE_LIFECYCLE_EVENTS],
  };
}
