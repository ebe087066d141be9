// A deployment's targets: ListDeploymentTargets / BatchGetDeploymentTargets / GetDeploymentTarget
// (InstanceTarget) and the deprecated ListDeploymentInstances / BatchGetDeploymentInstances /
// GetDeploymentInstance (InstanceSummary). Target ids are on-premises instance names; the legacy
// calls also accept the instance ARN.
import type {
  BatchGetDeploymentInstancesOutput,
  BatchGetDeploymentTargetsOutput,
  DeploymentTarget,
  GetDeploymentInstanceOutput,
  GetDeploymentTargetOutput,
  ListDeploymentInstancesOutput,
  ListDeploymentTargetsOutput,
} from '@aws-sdk/client-codedeploy';
import { AwsError } from '../types.js';
import type { Operation } from './context.js';
import { deploymentFromInput } from './context.js';
import { renderInstanceSummary, renderTarget } from './deployment-records.js';
import { optionalArray, optionalObject, optionalString, paginate, requireString } from './input.js';
import type { DeploymentRecord, TargetRecord, Wire } from './state.js';

const TARGET_STATUSES = ['Pending', 'InProgress', 'Succeeded', 'Failed', 'Skipped', 'Unknown', 'Ready'];

function targetById(d: DeploymentRecord, id: string): TargetRecord | undefined {
  return d.targets[id] ?? Object.values(d.targets).find((t) => t.targetArn === id);
}

function asDeploymentTarget(t: TargetRecord): Wire<DeploymentTarget> {
  return { deploymentTargetType: 'InstanceTarget', instanceTarget: renderTarget(t) };
}

function notStarted(d: DeploymentRecord): void {
  if (d.info.status === 'Created') throw new AwsError('DeploymentNotStartedException', 'The specified deployment has not started.');
}

function orderedTargets(d: DeploymentRecord, statuses: readonly string[]): string[] {
  return d.targetOrder.filter((n) => statuses.length === 0 || statuses.includes(d.targets[n]?.status ?? ''));
}

const listDeploymentTargets: Operation = (ctx, input): ListDeploymentTargetsOutput => {
  const d = deploymentFromInput(ctx, input);
  notStarted(d);
  const filters = optionalObject<Record<string, unknown>>(input, 'targetFilters') ?? {};
  for (const key of Object.keys(filters)) {
    if (key !== 'TargetStatus' && key !== 'ServerInstanceLabel') throw new AwsError('InvalidTargetFilterNameException', `The target filter name ${key} is invalid.`);
  }
  const statuses = (filters.TargetStatus ?? []) as string[];
  if (!Array.isArray(statuses) || statuses.some((s) => !TARGET_STATUSES.includes(s))) {
    throw new AwsError('InvalidInstanceStatusException', 'The specified target status filter is invalid.');
  }
  const page = paginate(orderedTargets(d, statuses), optionalString(input, 'nextToken'), 100, `targets:${d.info.deploymentId}:${statuses.join(',')}`);
  return { targetIds: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

const batchGetDeploymentTargets: Operation = (ctx, input): Wire<BatchGetDeploymentTargetsOutput> => {
  const d = deploymentFromInput(ctx, input);
  const ids = optionalArray<string>(input, 'targetIds') ?? [];
  if (ids.length === 0) throw new AwsError('DeploymentTargetIdRequiredException', 'A deployment target ID was not provided.');
  if (ids.length > 25) throw new AwsError('DeploymentTargetListSizeExceededException', 'The maximum number of targets that can be associated with an Amazon ECS or Lambda deployment, or a request, was exceeded. The target list of both types of deployments must have exactly one item. This exception does not apply to EC2/On-premises deployments.');
  const deploymentTargets = ids.map((id) => {
    const t = targetById(d, id);
    if (!t) throw new AwsError('DeploymentTargetDoesNotExistException', `The provided target ID does not belong to the attempted deployment: ${id}`);
    return asDeploymentTarget(t);
  });
  return { deploymentTargets };
};

const getDeploymentTarget: Operation = (ctx, input): Wire<GetDeploymentTargetOutput> => {
  const d = deploymentFromInput(ctx, input);
  const id = requireString(input, 'targetId', 'DeploymentTargetIdRequiredException', 'InvalidDeploymentTargetIdException', 512);
  const t = targetById(d, id);
  if (!t) throw new AwsError('DeploymentTargetDoesNotExistException', `The provided target ID does not belong to the attempted deployment: ${id}`);
  return { deploymentTarget: asDeploymentTarget(t) };
};

const listDeploymentInstances: Operation = (ctx, input): ListDeploymentInstancesOutput => {
  const d = deploymentFromInput(ctx, input);
  notStarted(d);
  const statuses = optionalArray<string>(input, 'instanceStatusFilter') ?? [];
  if (statuses.some((s) => !TARGET_STATUSES.includes(s))) throw new AwsError('InvalidInstanceStatusException', 'The specified instance status does not exist.');
  const types = optionalArray<string>(input, 'instanceTypeFilter') ?? [];
  if (types.some((t) => t !== 'Blue' && t !== 'Green')) throw new AwsError('InvalidInstanceTypeException', 'An invalid instance type was specified for instances in a blue/green deployment.');
  const page = paginate(orderedTargets(d, statuses), optionalString(input, 'nextToken'), 100, `instances:${d.info.deploymentId}:${statuses.join(',')}`);
  return { instancesList: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

const batchGetDeploymentInstances: Operation = (ctx, input): Wire<BatchGetDeploymentInstancesOutput> => {
  const d = deploymentFromInput(ctx, input);
  const ids = optionalArray<string>(input, 'instanceIds') ?? [];
  if (ids.length === 0) throw new AwsError('InstanceIdRequiredException', 'The instance ID was not specified.');
  if (ids.length > 100) throw new AwsError('BatchLimitExceededException', 'The maximum number of names or IDs allowed for this request (100) was exceeded.');
  const missing = ids.filter((id) => !targetById(d, id));
  const instancesSummary = ids.flatMap((id) => {
    const t = targetById(d, id);
    return t ? [renderInstanceSummary(t)] : [];
  });
  return { instancesSummary, errorMessage: missing.length > 0 ? `Instances not found in deployment ${d.info.deploymentId}: ${missing.join(', ')}` : '' };
};

const getDeploymentInstance: Operation = (ctx, input): Wire<GetDeploymentInstanceOutput> => {
  const d = deploymentFromInput(ctx, input);
  const id = requireString(input, 'instanceId', 'InstanceIdRequiredException', 'InvalidInstanceNameException', 512);
  const t = targetById(d, id);
  if (!t) throw new AwsError('InstanceDoesNotExistException', 'The specified instance does not exist in the deployment group.');
  return { instanceSummary: renderInstanceSummary(t) };
};

export const deploymentTargetOperations: Readonly<Record<string, Operation>> = {
  ListDeploymentTargets: listDeploymentTargets,
  BatchGetDeploymentTargets: batchGetDeploymentTargets,
  GetDeploymentTarget: getDeploymentTarget,
  ListDeploymentInstances: listDeploymentInstances,
  BatchGetDeploymentInstances: batchGetDeploymentInstances,
  GetDeploymentInstance: getDeploymentInstance,
};
