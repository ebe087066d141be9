// Deployment configurations: the predefined Server ones and custom minimumHealthyHosts configs.
import type {
  CreateDeploymentConfigOutput,
  GetDeploymentConfigOutput,
  ListDeploymentConfigsOutput,
  MinimumHealthyHosts,
} from '@aws-sdk/client-codedeploy';
import { AwsError } from '../types.js';
import type { MinimumHealthyHostsSpec } from './batch-planner.js';
import type { OpContext, Operation } from './context.js';
import { optionalObject, optionalString, paginate, requireString } from './input.js';
import type { CodeDeployState, DeploymentConfigRecord, Wire } from './state.js';
import { newUuid } from './state.js';

export const DEFAULT_DEPLOYMENT_CONFIG = 'CodeDeployDefault.OneAtATime';
const PREDEFINED_PREFIX = 'CodeDeployDefault.';
const MAX_CUSTOM_CONFIGS = 200;
/** 2014-11-12, CodeDeploy's launch: the createTime shown for the built-in configurations. */
const PREDEFINED_CREATE_TIME = 1415750400;

/**
 * As GetDeploymentConfig returns them. OneAtATime is MOST_CONCURRENCY 1 (a type only AWS may use;
 * see the MinimumHealthyHosts API reference), HalfAtATime FLEET_PERCENT 50, AllAtOnce HOST_COUNT 0.
 */
export const PREDEFINED_CONFIGS: Readonly<Record<string, DeploymentConfigRecord>> = {
  'CodeDeployDefault.OneAtATime': predefined('CodeDeployDefault.OneAtATime', 'f3b1d1a0-3a5e-4f5e-9e3e-000000000001', 'MOST_CONCURRENCY', 1),
  'CodeDeployDefault.HalfAtATime': predefined('CodeDeployDefault.HalfAtATime', 'f3b1d1a0-3a5e-4f5e-9e3e-000000000002', 'FLEET_PERCENT', 50),
  'CodeDeployDefault.AllAtOnce': predefined('CodeDeployDefault.AllAtOnce', 'f3b1d1a0-3a5e-4f5e-9e3e-000000000003', 'HOST_COUNT', 0),
};

function predefined(name: string, id: string, type: string, value: number): DeploymentConfigRecord {
  return {
    deploymentConfigId: id,
    deploymentConfigName: name,
    minimumHealthyHosts: { type, value } as Wire<MinimumHealthyHosts>,
    createTime: PREDEFINED_CREATE_TIME,
    computePlatform: 'Server',
  };
}

export function findDeploymentConfig(state: CodeDeployState, name: string): DeploymentConfigRecord | undefined {
  return PREDEFINED_CONFIGS[name] ?? state.deploymentConfigs[name];
}

export function requireDeploymentConfig(state: CodeDeployState, name: string): DeploymentConfigRecord {
  const config = findDeploymentConfig(state, name);
  if (!config) throw new AwsError('DeploymentConfigDoesNotExistException', `No deployment configuration found for name: ${name}`);
  return config;
}

export function minimumHealthyHostsOf(config: DeploymentConfigRecord): MinimumHealthyHostsSpec {
  const mhh = config.minimumHealthyHosts as { type?: string; value?: number } | undefined;
  const type = mhh?.type === 'HOST_COUNT' || mhh?.type === 'FLEET_PERCENT' || mhh?.type === 'MOST_CONCURRENCY' ? mhh.type : 'MOST_CONCURRENCY';
  return { type, value: mhh?.value ?? 1 };
}

const createDeploymentConfig: Operation = (ctx, input): CreateDeploymentConfigOutput => {
  const name = requireString(input, 'deploymentConfigName', 'DeploymentConfigNameRequiredException', 'InvalidDeploymentConfigNameException');
  if (name.startsWith(PREDEFINED_PREFIX)) {
    throw new AwsError('InvalidDeploymentConfigNameException', `Deployment configuration names cannot start with ${PREDEFINED_PREFIX}`);
  }
  if (ctx.state.deploymentConfigs[name]) throw new AwsError('DeploymentConfigAlreadyExistsException', `Deployment configuration already exists: ${name}`);
  if (Object.keys(ctx.state.deploymentConfigs).length >= MAX_CUSTOM_CONFIGS) {
    throw new AwsError('DeploymentConfigLimitExceededException', 'The deployment configurations limit was exceeded.');
  }
  const platform = optionalString(input, 'computePlatform') ?? 'Server';
  if (platform !== 'Server') throw new AwsError('InvalidComputePlatformException', 'The sandbox supports the Server compute platform only.');
  if (input.trafficRoutingConfig !== undefined || input.zonalConfig !== undefined) {
    throw new AwsError('InvalidDeploymentConfigNameException', 'trafficRoutingConfig and zonalConfig are not supported for on-premises deployments in the sandbox.');
  }
  const mhh = optionalObject<{ type?: unknown; value?: unknown }>(input, 'minimumHealthyHosts');
  const invalid = (): never => {
    throw new AwsError('InvalidMinimumHealthyHostValueException', 'The minimum healthy instance value was specified in an invalid format.');
  };
  if (!mhh || (mhh.type !== 'HOST_COUNT' && mhh.type !== 'FLEET_PERCENT')) return invalid();
  if (typeof mhh.value !== 'number' || !Number.isInteger(mhh.value) || mhh.value < 0) return invalid();
  if (mhh.type === 'FLEET_PERCENT' && mhh.value >= 100) return invalid();
  const record: DeploymentConfigRecord = {
    deploymentConfigId: newUuid(),
    deploymentConfigName: name,
    minimumHealthyHosts: { type: mhh.type, value: mhh.value },
    createTime: ctx.now,
    computePlatform: 'Server',
  };
  ctx.state.deploymentConfigs[name] = record;
  ctx.changed();
  return { deploymentConfigId: record.deploymentConfigId };
};

const getDeploymentConfig: Operation = (ctx, input): Wire<GetDeploymentConfigOutput> => {
  const name = requireString(input, 'deploymentConfigName', 'DeploymentConfigNameRequiredException', 'InvalidDeploymentConfigNameException');
  return { deploymentConfigInfo: requireDeploymentConfig(ctx.state, name) };
};

const deleteDeploymentConfig: Operation = (ctx: OpContext, input) => {
  const name = requireString(input, 'deploymentConfigName', 'DeploymentConfigNameRequiredException', 'InvalidDeploymentConfigNameException');
  if (PREDEFINED_CONFIGS[name]) throw new AwsError('InvalidOperationException', 'A predefined deployment configuration cannot be deleted.');
  if (Object.values(ctx.state.deploymentGroups).some((g) => g.deploymentConfigName === name)) {
    throw new AwsError('DeploymentConfigInUseException', `The deployment configuration is still in use: ${name}`);
  }
  if (ctx.state.deploymentConfigs[name]) {
    delete ctx.state.deploymentConfigs[name];
    ctx.changed();
  }
  return {};
};

const listDeploymentConfigs: Operation = (ctx, input): ListDeploymentConfigsOutput => {
  const names = [...Object.keys(PREDEFINED_CONFIGS), ...Object.keys(ctx.state.deploymentConfigs).sort()];
  const page = paginate(names, optionalString(input, 'nextToken'), 100, 'configs');
  return { deploymentConfigsList: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

export const deploymentConfigOperations: Readonly<Record<string, Operation>> = {
  CreateDeploymentConfig: createDeploymentConfig,
  GetDeploymentConfig: getDeploymentConfig,
  DeleteDeploymentConfig: deleteDeploymentConfig,
  ListDeploymentConfigs: listDeploymentConfigs,
};
