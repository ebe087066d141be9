// What every CodeDeploy operation receives, and the lookups that raise the API's "does not exist"
// exceptions.
import { AwsError } from '../types.js';
import type { Input } from './input.js';
import { requireString } from './input.js';
import type { ApplicationRecord, CodeDeployState, DeploymentGroupRecord, DeploymentRecord } from './state.js';
import { groupKey } from './state.js';

/** One (account, region) namespace and its state. */
export interface DeploymentScope {
  readonly state: CodeDeployState;
  readonly accountId: string;
  readonly region: string;
}

/** The orchestration side, as the operations see it. */
export interface DeploymentRunner {
  /** Begin running a created deployment asynchronously. */
  start(scope: DeploymentScope, deploymentId: string): void;
  /** StopDeployment: mark it Stopped, withdraw its commands; `rollback` asks for an automatic rollback. */
  stop(scope: DeploymentScope, deploymentId: string, rollback: boolean): void;
}

export interface OpContext extends DeploymentScope {
  /** Epoch seconds. */
  readonly now: number;
  /** Tells the store the state changed. */
  readonly changed: () => void;
  readonly runner: DeploymentRunner;
}

export type Operation = (ctx: OpContext, input: Input) => object | Promise<object>;

export function findApplication(ctx: OpContext, name: string): ApplicationRecord {
  const app = ctx.state.applications[name];
  if (!app) throw new AwsError('ApplicationDoesNotExistException', `No application found for name: ${name}`);
  return app;
}

/** Reads and checks `applicationName` from the request. */
export function applicationFromInput(ctx: OpContext, input: Input): ApplicationRecord {
  const name = requireString(input, 'applicationName', 'ApplicationNameRequiredException', 'InvalidApplicationNameException');
  return findApplication(ctx, name);
}

export function findDeploymentGroup(ctx: OpContext, applicationName: string, groupName: string): DeploymentGroupRecord {
  const group = ctx.state.deploymentGroups[groupKey(applicationName, groupName)];
  if (!group) throw new AwsError('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${groupName}`);
  return group;
}

const DEPLOYMENT_ID = /^d-[A-Z0-9]{9}$/;

/** Reads and checks `deploymentId` (or another field) from the request. */
export function deploymentFromInput(ctx: OpContext, input: Input, field = 'deploymentId'): DeploymentRecord {
  const id = requireString(input, field, 'DeploymentIdRequiredException');
  return findDeployment(ctx, id);
}

export function findDeployment(ctx: OpContext, id: string): DeploymentRecord {
  if (!DEPLOYMENT_ID.test(id)) throw new AwsError('InvalidDeploymentIdException', `Specified DeploymentId is not in the valid format: ${id}`);
  const d = ctx.state.deployments[id];
  if (!d) throw new AwsError('DeploymentDoesNotExistException', `Deployment ${id} does not exist in the account.`);
  return d;
}

export function deploymentGroupsOf(ctx: OpContext, applicationName: string): DeploymentGroupRecord[] {
  return Object.values(ctx.state.deploymentGroups).filter((g) => g.applicationName === applicationName);
}
