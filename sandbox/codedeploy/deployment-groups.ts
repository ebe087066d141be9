// Deployment groups: on-premises tag filters / tag sets, deployment config, auto-rollback.
import type {
  BatchGetDeploymentGroupsOutput,
  CreateDeploymentGroupOutput,
  GetDeploymentGroupOutput,
  ListDeploymentGroupsOutput,
  TagFilter,
  UpdateDeploymentGroupOutput,
} from '@aws-sdk/client-codedeploy';
import { AwsError } from '../types.js';
import type { OpContext, Operation } from './context.js';
import { applicationFromInput, deploymentGroupsOf, findDeploymentGroup } from './context.js';
import { DEFAULT_DEPLOYMENT_CONFIG, requireDeploymentConfig } from './deployment-configs.js';
import type { Input } from './input.js';
import { optionalArray, optionalObject, optionalString, paginate, requireString } from './input.js';
import type { DeploymentGroupRecord, Wire } from './state.js';
import { groupKey, newUuid } from './state.js';
import { effectiveFilterType } from './target-selection.js';

const MAX_TAG_GROUPS = 3;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
const ROLLBACK_EVENTS = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'];

/** Fields the sandbox cannot honour for on-premises in-place deployments, with AWS's exception. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  autoScalingGroups: 'InvalidAutoScalingGroupException',
  loadBalancerInfo: 'InvalidLoadBalancerInfoException',
  blueGreenDeploymentConfiguration: 'InvalidBlueGreenDeploymentConfigurationException',
  ecsServices: 'InvalidECSServiceException',
};

function checkUnsupported(input: Input): void {
  for (const [field, code] of Object.entries(UNSUPPORTED)) {
    const value = input[field];
    const empty = value === undefined || value === null || (Array.isArray(value) && value.length === 0);
    if (!empty) throw new AwsError(code, `${field} is not supported by the sandbox (on-premises in-place deployments only).`);
  }
}

function checkTagFilters(filters: readonly TagFilter[]): void {
  for (const f of filters) {
    if (typeof f !== 'object' || f === null || effectiveFilterType(f) === undefined) {
      throw new AwsError('InvalidTagException', 'The tag was specified in an invalid format.');
    }
  }
}

/** Validates the group's on-premises tag selection (either a flat filter list or a tag set). */
function checkTagSelection(group: DeploymentGroupRecord): void {
  const flat = group.onPremisesInstanceTagFilters ?? [];
  const sets = group.onPremisesTagSet?.onPremisesTagSetList ?? [];
  if (flat.length > 0 && sets.some((s) => s.length > 0)) {
    throw new AwsError(
      'InvalidOnPremisesTagCombinationException',
      'A call was submitted that specified both OnPremisesTagFilters and OnPremisesTagSet, but only one of these data types can be used in a single call.',
    );
  }
  if (sets.length > MAX_TAG_GROUPS) {
    throw new AwsError('TagSetListLimitExceededException', 'The number of tag groups included in the tag set list exceeded the maximum allowed limit of 3.');
  }
  checkTagFilters(flat);
  for (const s of sets) {
    if (!Array.isArray(s)) throw new AwsError('InvalidTagException', 'The tag was specified in an invalid format.');
    checkTagFilters(s);
  }
}

function checkAutoRollback(group: DeploymentGroupRecord): void {
  const arc = group.autoRollbackConfiguration;
  if (!arc) return;
  const events = arc.events ?? [];
  if (events.some((e) => !ROLLBACK_EVENTS.includes(e)) || (arc.enabled === true && events.length === 0)) {
    throw new AwsError(
      'InvalidAutoRollbackConfigException',
      'The automatic rollback configuration was specified in an invalid format. For example, automatic rollback is enabled, but an invalid triggering event type or no event types were listed.',
    );
  }
}

function checkDeploymentStyle(group: DeploymentGroupRecord): void {
  const style = group.deploymentStyle;
  if (!style) return;
  if ((style.deploymentType ?? 'IN_PLACE') !== 'IN_PLACE' || (style.deploymentOption ?? 'WITHOUT_TRAFFIC_CONTROL') !== 'WITHOUT_TRAFFIC_CONTROL') {
    throw new AwsError('InvalidDeploymentStyleException', 'The sandbox supports IN_PLACE deployments WITHOUT_TRAFFIC_CONTROL only.');
  }
}

/** Copies the settable fields present in the request onto the record. */
function applySettings(ctx: OpContext, group: DeploymentGroupRecord, input: Input): void {
  const configName = optionalString(input, 'deploymentConfigName');
  if (configName !== undefined) group.deploymentConfigName = requireDeploymentConfig(ctx.state, configName).deploymentConfigName;
  const role = optionalString(input, 'serviceRoleArn');
  if (role !== undefined) {
    if (!ROLE_ARN.test(role)) throw new AwsError('InvalidRoleException', 'The service role ARN was specified in an invalid format.');
    group.serviceRoleArn = role;
  }
  const filters = optionalArray<Wire<TagFilter>>(input, 'onPremisesInstanceTagFilters');
  if (filters) group.onPremisesInstanceTagFilters = filters;
  const tagSet = optionalObject<{ onPremisesTagSetList?: unknown }>(input, 'onPremisesTagSet');
  if (tagSet) {
    if (tagSet.onPremisesTagSetList !== undefined && !Array.isArray(tagSet.onPremisesTagSetList)) {
      throw new AwsError('InvalidTagException', 'The tag was specified in an invalid format.');
    }
    group.onPremisesTagSet = { onPremisesTagSetList: (tagSet.onPremisesTagSetList ?? []) as Wire<TagFilter>[][] };
  }
  const ec2 = optionalArray<Wire<TagFilter>>(input, 'ec2TagFilters');
  if (ec2) group.ec2TagFilters = ec2;
  const copy = ['autoRollbackConfiguration', 'alarmConfiguration', 'deploymentStyle', 'ec2TagSet', 'triggerConfigurations'] as const;
  for (const field of copy) {
    if (input[field] !== undefined && input[field] !== null) (group as Record<string, unknown>)[field] = input[field];
  }
  const strategy = optionalString(input, 'outdatedInstancesStrategy');
  if (strategy !== undefined) group.outdatedInstancesStrategy = strategy as DeploymentGroupRecord['outdatedInstancesStrategy'];
  checkTagSelection(group);
  checkAutoRollback(group);
  checkDeploymentStyle(group);
}

const createDeploymentGroup: Operation = (ctx, input): CreateDeploymentGroupOutput => {
  const app = applicationFromInput(ctx, input);
  const name = requireString(input, 'deploymentGroupName', 'DeploymentGroupNameRequiredException', 'InvalidDeploymentGroupNameException');
  requireString(input, 'serviceRoleArn', 'RoleRequiredException', 'InvalidRoleException', 2048);
  checkUnsupported(input);
  if (ctx.state.deploymentGroups[groupKey(app.applicationName, name)]) {
    throw new AwsError('DeploymentGroupAlreadyExistsException', `The deployment group already exists: ${name}`);
  }
  const group: DeploymentGroupRecord = {
    applicationName: app.applicationName,
    deploymentGroupId: newUuid(),
    deploymentGroupName: name,
    deploymentConfigName: DEFAULT_DEPLOYMENT_CONFIG,
    ec2TagFilters: [],
    onPremisesInstanceTagFilters: [],
    autoScalingGroups: [],
    triggerConfigurations: [],
    alarmConfiguration: { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
    autoRollbackConfiguration: { enabled: false, events: [] },
    deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
    outdatedInstancesStrategy: 'UPDATE',
    computePlatform: 'Server',
    terminationHookEnabled: false,
  };
  applySettings(ctx, group, input);
  ctx.state.deploymentGroups[groupKey(app.applicationName, name)] = group;
  ctx.changed();
  return { deploymentGroupId: group.deploymentGroupId };
};

const updateDeploymentGroup: Operation = (ctx, input): UpdateDeploymentGroupOutput => {
  const app = applicationFromInput(ctx, input);
  const current = requireString(input, 'currentDeploymentGroupName', 'DeploymentGroupNameRequiredException', 'InvalidDeploymentGroupNameException');
  const group = findDeploymentGroup(ctx, app.applicationName, current);
  checkUnsupported(input);
  const updated: DeploymentGroupRecord = structuredClone(group);
  applySettings(ctx, updated, input);
  const newName = optionalString(input, 'newDeploymentGroupName');
  if (newName !== undefined && newName !== current) {
    if (newName.length === 0 || newName.length > 100) {
      throw new AwsError('InvalidDeploymentGroupNameException', 'The deployment group name was specified in an invalid format.');
    }
    if (ctx.state.deploymentGroups[groupKey(app.applicationName, newName)]) {
      throw new AwsError('DeploymentGroupAlreadyExistsException', `The deployment group already exists: ${newName}`);
    }
    updated.deploymentGroupName = newName;
    delete ctx.state.deploymentGroups[groupKey(app.applicationName, current)];
  }
  ctx.state.deploymentGroups[groupKey(app.applicationName, updated.deploymentGroupName)] = updated;
  ctx.changed();
  return { hooksNotCleanedUp: [] };
};

const getDeploymentGroup: Operation = (ctx, input): Wire<GetDeploymentGroupOutput> => {
  const app = applicationFromInput(ctx, input);
  const name = requireString(input, 'deploymentGroupName', 'DeploymentGroupNameRequiredException', 'InvalidDeploymentGroupNameException');
  return { deploymentGroupInfo: findDeploymentGroup(ctx, app.applicationName, name) };
};

const batchGetDeploymentGroups: Operation = (ctx, input): Wire<BatchGetDeploymentGroupsOutput> => {
  const app = applicationFromInput(ctx, input);
  const names = optionalArray<string>(input, 'deploymentGroupNames');
  if (!names || names.length === 0) throw new AwsError('DeploymentGroupNameRequiredException', 'deploymentGroupNames is required.');
  if (names.length > 100) throw new AwsError('BatchLimitExceededException', 'The maximum number of names or IDs allowed for this request (100) was exceeded.');
  const found = names.map((n) => ctx.state.deploymentGroups[groupKey(app.applicationName, n)]).filter((g) => g !== undefined);
  const missing = names.filter((n) => !ctx.state.deploymentGroups[groupKey(app.applicationName, n)]);
  return { deploymentGroupsInfo: found, errorMessage: missing.length > 0 ? `Deployment groups not found: ${missing.join(', ')}` : '' };
};

const listDeploymentGroups: Operation = (ctx, input): ListDeploymentGroupsOutput => {
  const app = applicationFromInput(ctx, input);
  const names = deploymentGroupsOf(ctx, app.applicationName).map((g) => g.deploymentGroupName).sort();
  const page = paginate(names, optionalString(input, 'nextToken'), 100, `groups:${app.applicationName}`);
  return { applicationName: app.applicationName, deploymentGroups: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

const deleteDeploymentGroup: Operation = (ctx, input) => {
  const app = requireString(input, 'applicationName', 'ApplicationNameRequiredException', 'InvalidApplicationNameException');
  const name = requireString(input, 'deploymentGroupName', 'DeploymentGroupNameRequiredException', 'InvalidDeploymentGroupNameException');
  if (ctx.state.deploymentGroups[groupKey(app, name)]) {
    delete ctx.state.deploymentGroups[groupKey(app, name)];
    ctx.changed();
  }
  return { hooksNotCleanedUp: [] };
};

export const deploymentGroupOperations: Readonly<Record<string, Operation>> = {
  CreateDeploymentGroup: createDeploymentGroup,
  UpdateDeploymentGroup: updateDeploymentGroup,
  GetDeploymentGroup: getDeploymentGroup,
  BatchGetDeploymentGroups: batchGetDeploymentGroups,
  ListDeploymentGroups: listDeploymentGroups,
  DeleteDeploymentGroup: deleteDeploymentGroup,
};
