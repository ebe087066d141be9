// Deployments: CreateDeployment (target resolution happens here, at creation), Get/BatchGet/List,
// StopDeployment. Running them is the orchestrator's job.
import type {
  AutoRollbackConfiguration,
  BatchGetDeploymentsOutput,
  CreateDeploymentOutput,
  GetDeploymentOutput,
  ListDeploymentsOutput,
  StopDeploymentOutput,
  TagFilter,
  TargetInstances,
} from '@aws-sdk/client-codedeploy';
import { AwsError } from '../types.js';
import type { Operation } from './context.js';
import { applicationFromInput, deploymentFromInput, findApplication, findDeployment, findDeploymentGroup } from './context.js';
import { requireDeploymentConfig } from './deployment-configs.js';
import { activeDeploymentOf, createDeploymentRecord, renderDeployment } from './deployment-records.js';
import type { Input } from './input.js';
import { optionalArray, optionalBoolean, optionalObject, optionalString, paginate, requireString } from './input.js';
import { isRegistered } from './on-premises-instances.js';
import { revisionFromInput } from './revisions.js';
import type { CodeDeployState, DeploymentGroupRecord, InstanceRecord, Wire } from './state.js';
import { ACTIVE_DEPLOYMENT_STATUSES } from './state.js';
import { matchesSelection, selectInstances } from './target-selection.js';

const FILE_EXISTS_BEHAVIORS = ['DISALLOW', 'OVERWRITE', 'RETAIN'] as const;
const DEPLOYMENT_STATUSES = ['Created', 'Queued', 'InProgress', 'Baking', 'Succeeded', 'Failed', 'Stopped', 'Ready'];
const ROLLBACK_EVENTS = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'];

/**
 * The group's registered instances its tag filters select, sorted by name (the deploy order),
 * optionally narrowed by the request's `targetInstances` tag filters (OR) / tag set (AND of ORs).
 * Sandbox extension: AWS uses targetInstances only for blue/green replacement fleets (EC2).
 */
export function resolveTargets(state: CodeDeployState, group: DeploymentGroupRecord, narrow?: Wire<TargetInstances>): InstanceRecord[] {
  const candidates = Object.values(state.instances).map((i) => ({ instanceName: i.instanceName, registered: isRegistered(i), tags: i.tags ?? [] }));
  let names = selectInstances(candidates, {
    tagFilters: group.onPremisesInstanceTagFilters ?? [],
    tagSet: group.onPremisesTagSet?.onPremisesTagSetList ?? [],
  });
  const narrowFilters = narrow?.tagFilters ?? [];
  const narrowSet = narrow?.ec2TagSet?.ec2TagSetList ?? [];
  if (narrowFilters.length > 0 || narrowSet.some((g) => g.length > 0)) {
    names = names.filter((n) => matchesSelection(state.instances[n]?.tags ?? [], { tagFilters: narrowFilters, tagSet: narrowSet }));
  }
  return names.map((n) => state.instances[n] as InstanceRecord);
}

function autoRollbackFrom(input: Input, group: DeploymentGroupRecord): Wire<AutoRollbackConfiguration> {
  const override = optionalObject<Wire<AutoRollbackConfiguration>>(input, 'autoRollbackConfiguration');
  const arc = override ?? group.autoRollbackConfiguration ?? { enabled: false, events: [] };
  const events = arc.events ?? [];
  if (events.some((e) => !ROLLBACK_EVENTS.includes(e)) || (arc.enabled === true && events.length === 0)) {
    throw new AwsError('InvalidAutoRollbackConfigException', 'The automatic rollback configuration was specified in an invalid format.');
  }
  return { enabled: arc.enabled === true, events: [...events] };
}

function targetInstancesFrom(input: Input): Wire<TargetInstances> | undefined {
  const ti = optionalObject<Wire<TargetInstances>>(input, 'targetInstances');
  if (!ti) return undefined;
  if ((ti.autoScalingGroups ?? []).length > 0) {
    throw new AwsError('InvalidTargetInstancesException', 'The sandbox has no Auto Scaling groups; use tag filters to select on-premises instances.');
  }
  const filters: Wire<TagFilter>[] = [...(ti.tagFilters ?? []), ...(ti.ec2TagSet?.ec2TagSetList ?? []).flat()];
  if (filters.some((f) => typeof f !== 'object' || f === null || (f.Key === undefined && f.Value === undefined))) {
    throw new AwsError('InvalidTargetInstancesException', 'The target instances tag filters were specified in an invalid format.');
  }
  return ti;
}

const createDeployment: Operation = (ctx, input): CreateDeploymentOutput => {
  const app = applicationFromInput(ctx, input);
  const groupName = requireString(input, 'deploymentGroupName', 'DeploymentGroupNameRequiredException', 'InvalidDeploymentGroupNameException');
  const group = findDeploymentGroup(ctx, app.applicationName, groupName);
  const revision = revisionFromInput(input);
  const config = requireDeploymentConfig(ctx.state, optionalString(input, 'deploymentConfigName') ?? group.deploymentConfigName);
  const feb = optionalString(input, 'fileExistsBehavior') ?? 'DISALLOW';
  if (!(FILE_EXISTS_BEHAVIORS as readonly string[]).includes(feb)) {
    throw new AwsError('InvalidFileExistsBehaviorException', 'An invalid fileExistsBehavior option was specified. Valid values are DISALLOW, OVERWRITE and RETAIN.');
  }
  const autoRollbackConfiguration = autoRollbackFrom(input, group);
  const targetInstances = targetInstancesFrom(input);
  const active = activeDeploymentOf(ctx, group.deploymentGroupId);
  if (active) {
    throw new AwsError('DeploymentLimitExceededException', `The Deployment Group '${groupName}' already has an active Deployment '${active.info.deploymentId}'`);
  }
  const record = createDeploymentRecord(ctx, {
    group,
    revision,
    deploymentConfigName: config.deploymentConfigName,
    creator: 'user',
    description: optionalString(input, 'description'),
    fileExistsBehavior: feb as (typeof FILE_EXISTS_BEHAVIORS)[number],
    ignoreApplicationStopFailures: optionalBoolean(input, 'ignoreApplicationStopFailures') ?? false,
    updateOutdatedInstancesOnly: optionalBoolean(input, 'updateOutdatedInstancesOnly') ?? false,
    autoRollbackConfiguration,
    targetInstances,
    instances: resolveTargets(ctx.state, group, targetInstances),
    now: ctx.now,
  });
  ctx.changed();
  ctx.runner.start(ctx, record.info.deploymentId);
  return { deploymentId: record.info.deploymentId };
};

const getDeployment: Operation = (ctx, input): Wire<GetDeploymentOutput> => ({ deploymentInfo: renderDeployment(deploymentFromInput(ctx, input)) });

const batchGetDeployments: Operation = (ctx, input): Wire<BatchGetDeploymentsOutput> => {
  const ids = optionalArray<string>(input, 'deploymentIds') ?? [];
  if (ids.length === 0) throw new AwsError('DeploymentIdRequiredException', 'At least one deployment ID must be specified.');
  if (ids.length > 25) throw new AwsError('BatchLimitExceededException', 'The maximum number of names or IDs allowed for this request (25) was exceeded.');
  const deploymentsInfo = ids.flatMap((id) => {
    try {
      return [renderDeployment(findDeployment(ctx, id))];
    } catch (err) {
      if (err instanceof AwsError && err.code === 'DeploymentDoesNotExistException') return [];
      throw err;
    }
  });
  return { deploymentsInfo };
};

/** Newest first. */
const listDeployments: Operation = (ctx, input): ListDeploymentsOutput => {
  const appName = optionalString(input, 'applicationName');
  const groupName = optionalString(input, 'deploymentGroupName');
  if (groupName !== undefined && appName === undefined) {
    throw new AwsError('ApplicationNameRequiredException', 'If deploymentGroupName is specified, applicationName must be specified too.');
  }
  if (appName !== undefined) findApplication(ctx, appName);
  if (appName !== undefined && groupName !== undefined) findDeploymentGroup(ctx, appName, groupName);
  const statuses = optionalArray<string>(input, 'includeOnlyStatuses') ?? [];
  if (statuses.some((s) => !DEPLOYMENT_STATUSES.includes(s))) throw new AwsError('InvalidDeploymentStatusException', 'The deployment status was specified in an invalid format.');
  const range = optionalObject<{ start?: number; end?: number }>(input, 'createTimeRange');
  const ids = Object.values(ctx.state.deployments)
    .filter((d) => appName === undefined || d.info.applicationName === appName)
    .filter((d) => groupName === undefined || d.info.deploymentGroupName === groupName)
    .filter((d) => statuses.length === 0 || statuses.includes(d.info.status ?? ''))
    .filter((d) => !range || ((range.start === undefined || (d.info.createTime ?? 0) >= range.start) && (range.end === undefined || (d.info.createTime ?? 0) <= range.end)))
    .map((d) => d.info.deploymentId)
    .reverse();
  const scope = `deployments:${appName ?? ''}:${groupName ?? ''}:${statuses.join(',')}`;
  const page = paginate(ids, optionalString(input, 'nextToken'), 100, scope);
  return { deployments: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

const stopDeployment: Operation = (ctx, input): StopDeploymentOutput => {
  const d = deploymentFromInput(ctx, input);
  if (!ACTIVE_DEPLOYMENT_STATUSES.includes(d.info.status ?? '')) {
    throw new AwsError('DeploymentAlreadyCompletedException', `The deployment ${d.info.deploymentId} is already completed.`);
  }
  const explicit = optionalBoolean(input, 'autoRollbackEnabled');
  const arc = d.info.autoRollbackConfiguration;
  const rollback = explicit ?? (arc?.enabled === true && (arc.events ?? []).includes('DEPLOYMENT_STOP_ON_REQUEST'));
  ctx.runner.stop(ctx, d.info.deploymentId, rollback);
  return { status: 'Succeeded', statusMessage: 'No more commands will be scheduled for execution in the deployment instances' };
};

export const deploymentOperations: Readonly<Record<string, Operation>> = {
  CreateDeployment: createDeployment,
  GetDeployment: getDeployment,
  BatchGetDeployments: batchGetDeployments,
  ListDeployments: listDeployments,
  StopDeployment: stopDeployment,
};
