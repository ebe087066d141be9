// CodeDeploy state per (account, region): plain JSON kept in the sandbox store. Records hold the
// API's own shapes with timestamps already as epoch seconds (what JSON 1.1 puts on the wire), so
// rendering a response is mostly a copy.
import { randomInt, randomUUID } from 'node:crypto';
import type {
  ApplicationInfo,
  DeploymentConfigInfo,
  DeploymentGroupInfo,
  DeploymentInfo,
  GenericRevisionInfo,
  InstanceInfo,
  InstanceTarget,
  RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import type { SandboxStore } from '../types.js';

/** An SDK model type as it travels in JSON: Dates become epoch seconds. */
export type Wire<T> = T extends Date
  ? number
  : T extends readonly (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { -readonly [K in keyof T]: Wire<T[K]> }
      : T;

export type ApplicationRecord = Wire<ApplicationInfo> & { applicationName: string; applicationId: string };
export type DeploymentGroupRecord = Wire<DeploymentGroupInfo> & {
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
  deploymentConfigName: string;
};
export type DeploymentConfigRecord = Wire<DeploymentConfigInfo> & { deploymentConfigName: string };
export type InstanceRecord = Wire<InstanceInfo> & { instanceName: string; instanceArn: string };

export interface RevisionRecord {
  revision: Wire<RevisionLocation>;
  info: Wire<GenericRevisionInfo>;
}

export type TargetRecord = Wire<InstanceTarget> & {
  targetId: string;
  /** The IAM user/session ARN the host polls as (captured when the deployment was created). */
  hostIdentifier: string;
};

export interface DeploymentRecord {
  info: Wire<DeploymentInfo> & { deploymentId: string; applicationName: string; deploymentGroupName: string };
  deploymentGroupId: string;
  /** The config's minimum healthy hosts, captured at creation. */
  minimumHealthyHosts: { type: string; value: number };
  targetOrder: string[];
  targets: Record<string, TargetRecord>;
}

export interface CodeDeployState {
  version: 1;
  applications: Record<string, ApplicationRecord>;
  /** Keyed by `groupKey(application, group)`. */
  deploymentGroups: Record<string, DeploymentGroupRecord>;
  /** Custom configurations only; the CodeDeployDefault.* ones are built in. */
  deploymentConfigs: Record<string, DeploymentConfigRecord>;
  /** Registered and deregistered on-premises instances, by name. */
  instances: Record<string, InstanceRecord>;
  /** By application name. */
  revisions: Record<string, RevisionRecord[]>;
  /** By id, in creation order. */
  deployments: Record<string, DeploymentRecord>;
}

export function emptyState(): CodeDeployState {
  return { version: 1, applications: {}, deploymentGroups: {}, deploymentConfigs: {}, instances: {}, revisions: {}, deployments: {} };
}

export const ACTIVE_DEPLOYMENT_STATUSES: readonly string[] = ['Created', 'Queued', 'InProgress', 'Ready', 'Baking'];

export const RESTART_FAILURE_MESSAGE =
  'The sandbox restarted while this deployment was in progress; it was marked Failed and its unfinished instances were not deployed.';

const recovered = new WeakSet<object>();

/**
 * The state document for (account, region). On first access in this process, deployments a
 * previous process left running are marked Failed (their host commands died with that process).
 */
export function loadState(store: SandboxStore, accountId: string, region: string, nowSeconds: number): CodeDeployState {
  const state = store.doc<CodeDeployState>('codedeploy', accountId, region, emptyState);
  if (!recovered.has(state)) {
    recovered.add(state);
    if (failInterruptedDeployments(state, nowSeconds) > 0) store.changed();
  }
  return state;
}

/** Marks every non-terminal deployment Failed (restart recovery). Returns how many it changed. */
export function failInterruptedDeployments(state: CodeDeployState, nowSeconds: number): number {
  let count = 0;
  for (const d of Object.values(state.deployments)) {
    if (!ACTIVE_DEPLOYMENT_STATUSES.includes(d.info.status ?? '')) continue;
    count++;
    d.info.status = 'Failed';
    d.info.completeTime = nowSeconds;
    d.info.errorInformation = { code: 'INTERNAL_ERROR', message: RESTART_FAILURE_MESSAGE };
    for (const t of Object.values(d.targets)) {
      if (t.status !== 'InProgress' && t.status !== 'Pending') continue;
      t.status = t.status === 'InProgress' ? 'Failed' : 'Skipped';
      t.lastUpdatedAt = nowSeconds;
      for (const e of t.lifecycleEvents ?? []) {
        if (e.status === 'InProgress') {
          e.status = 'Failed';
          e.endTime = nowSeconds;
          e.diagnostics = { errorCode: 'UnknownError', scriptName: '', message: RESTART_FAILURE_MESSAGE, logTail: '' };
        } else if (e.status === 'Pending') {
          e.status = 'Skipped';
          e.endTime = nowSeconds;
        }
      }
    }
    const group = state.deploymentGroups[groupKey(d.info.applicationName, d.info.deploymentGroupName)];
    if (group?.lastAttemptedDeployment?.deploymentId === d.info.deploymentId) {
      group.lastAttemptedDeployment.status = 'Failed';
      group.lastAttemptedDeployment.endTime = nowSeconds;
    }
  }
  return count;
}

export function groupKey(applicationName: string, deploymentGroupName: string): string {
  return `${applicationName}\u0000${deploymentGroupName}`;
}

export function toEpochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** `d-` + 9 upper-case alphanumerics, like AWS. */
export function newDeploymentId(): string {
  return `d-${randomString(UPPER_ALNUM, 9)}`;
}

export function newUuid(): string {
  return randomUUID();
}

/** arn:aws:codedeploy:<region>:<account>:instance/<name>_<10 random alphanumerics> */
export function newInstanceArn(region: string, accountId: string, instanceName: string): string {
  return `arn:aws:codedeploy:${region}:${accountId}:instance/${instanceName}_${randomString(ALNUM, 10)}`;
}
