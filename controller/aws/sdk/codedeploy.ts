// CodeDeployPort over @aws-sdk/client-codedeploy.
import {
  AddTagsToOnPremisesInstancesCommand,
  BatchGetDeploymentsCommand,
  BatchGetDeploymentTargetsCommand,
  BatchGetOnPremisesInstancesCommand,
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  CreateDeploymentGroupCommand,
  DeregisterOnPremisesInstanceCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  GetOnPremisesInstanceCommand,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  ListOnPremisesInstancesCommand,
  RegisterApplicationRevisionCommand,
  RegisterOnPremisesInstanceCommand,
  RemoveTagsFromOnPremisesInstancesCommand,
  StopDeploymentCommand,
  UpdateDeploymentGroupCommand,
  type CodeDeployClient,
  type DeploymentInfo as SdkDeployment,
  type LastDeploymentInfo,
  type InstanceInfo,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import { sdkCall } from '../sdk-errors.js';
import type {
  CodeDeployPort,
  DeploymentGroupSettings,
  DeploymentInfo,
  DeploymentStatus,
  GroupDeployment,
  OnPremisesInstance,
  S3Revision,
  Tag,
} from '../ports.js';

const call = <T>(operation: string, run: () => Promise<T>): Promise<T> => sdkCall({ service: 'codedeploy', operation }, run);
const tagsOf = (tags: readonly { Key?: string; Value?: string }[] | undefined): Tag[] =>
  (tags ?? []).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));
const sdkTags = (tags: readonly Tag[]): { Key: string; Value: string }[] => tags.map((t) => ({ Key: t.Key, Value: t.Value }));

export function instanceOf(i: InstanceInfo): OnPremisesInstance {
  return {
    instanceName: i.instanceName ?? '',
    ...(i.iamUserArn ? { iamUserArn: i.iamUserArn } : {}),
    ...(i.iamSessionArn ? { iamSessionArn: i.iamSessionArn } : {}),
    ...(i.instanceArn ? { instanceArn: i.instanceArn } : {}),
    ...(i.registerTime ? { registerTime: i.registerTime } : {}),
    ...(i.deregisterTime ? { deregisterTime: i.deregisterTime } : {}),
    tags: tagsOf(i.tags),
  };
}

function toRevision(r: S3Revision): RevisionLocation {
  return {
    revisionType: 'S3',
    s3Location: {
      bucket: r.bucket,
      key: r.key,
      bundleType: r.bundleType,
      ...(r.version ? { version: r.version } : {}),
      ...(r.eTag ? { eTag: r.eTag } : {}),
    },
  };
}

function fromRevision(r: RevisionLocation | undefined): S3Revision | undefined {
  const s = r?.s3Location;
  if (!s?.bucket || !s.key) return undefined;
  return {
    bucket: s.bucket,
    key: s.key,
    bundleType: (s.bundleType ?? 'tgz') as S3Revision['bundleType'],
    ...(s.version ? { version: s.version } : {}),
    ...(s.eTag ? { eTag: s.eTag } : {}),
  };
}

const errorOf = (e: { code?: string; message?: string }): { code?: string; message?: string } => ({
  ...(e.code ? { code: e.code } : {}),
  ...(e.message ? { message: e.message } : {}),
});

export function deploymentOf(d: SdkDeployment): DeploymentInfo {
  const o = d.deploymentOverview;
  const revision = fromRevision(d.revision);
  return {
    deploymentId: d.deploymentId ?? '',
    ...(d.applicationName ? { applicationName: d.applicationName } : {}),
    ...(d.deploymentGroupName ? { deploymentGroupName: d.deploymentGroupName } : {}),
    status: (d.status as DeploymentStatus | undefined) ?? 'Unknown',
    ...(d.createTime ? { createTime: d.createTime } : {}),
    ...(d.completeTime ? { completeTime: d.completeTime } : {}),
    ...(revision ? { revision } : {}),
    ...(d.errorInformation ? { errorInformation: errorOf(d.errorInformation) } : {}),
    ...(o
      ? {
          overview: {
            Pending: o.Pending ?? 0,
            InProgress: o.InProgress ?? 0,
            Succeeded: o.Succeeded ?? 0,
            Failed: o.Failed ?? 0,
            Skipped: o.Skipped ?? 0,
            Ready: o.Ready ?? 0,
          },
        }
      : {}),
    ...(d.description ? { description: d.description } : {}),
  };
}

function lastOf<K extends string>(key: K, d: LastDeploymentInfo | undefined): { [P in K]?: GroupDeployment } {
  if (!d?.deploymentId) return {};
  const last: GroupDeployment = { deploymentId: d.deploymentId, status: (d.status as DeploymentStatus | undefined) ?? 'Unknown', ...(d.endTime ? { endTime: d.endTime } : {}) };
  return { [key]: last } as { [P in K]?: GroupDeployment };
}

const token = (t: string | undefined): { nextToken?: string } => (t ? { nextToken: t } : {});

/** The request fields of a group's settings that are given (an update leaves the others as they are). */
function groupSettings(s: Partial<DeploymentGroupSettings>) {
  const tagSet = s.onPremisesTagSet?.map((set) => set.map((t) => ({ Key: t.Key, Value: t.Value, Type: 'KEY_AND_VALUE' as const })));
  const events = s.autoRollback?.events.map((e) => e as 'DEPLOYMENT_FAILURE');
  return {
    ...(s.serviceRoleArn ? { serviceRoleArn: s.serviceRoleArn } : {}),
    ...(s.deploymentConfigName ? { deploymentConfigName: s.deploymentConfigName } : {}),
    ...(tagSet ? { onPremisesTagSet: { onPremisesTagSetList: tagSet } } : {}),
    ...(s.autoRollback ? { autoRollbackConfiguration: { enabled: s.autoRollback.enabled, events } } : {}),
  };
}

export function codeDeployAdapter(client: CodeDeployClient): CodeDeployPort {
  return {
    async registerOnPremisesInstance(input) {
      await call('RegisterOnPremisesInstance', () => client.send(new RegisterOnPremisesInstanceCommand({ ...input })));
    },
    async deregisterOnPremisesInstance(instanceName) {
      await call('DeregisterOnPremisesInstance', () => client.send(new DeregisterOnPremisesInstanceCommand({ instanceName })));
    },
    async getOnPremisesInstance(instanceName) {
      const r = await call('GetOnPremisesInstance', () => client.send(new GetOnPremisesInstanceCommand({ instanceName })));
      return instanceOf(r.instanceInfo ?? { instanceName });
    },
    async batchGetOnPremisesInstances(instanceNames) {
      if (instanceNames.length === 0) return [];
      const command = new BatchGetOnPremisesInstancesCommand({ instanceNames: [...instanceNames] });
      const r = await call('BatchGetOnPremisesInstances', () => client.send(command));
      return (r.instanceInfos ?? []).filter((i) => i.instanceName).map(instanceOf);
    },
    async listOnPremisesInstances(input) {
      const command = new ListOnPremisesInstancesCommand({
        ...(input.registrationStatus ? { registrationStatus: input.registrationStatus } : {}),
        ...(input.tagFilters?.length
          ? { tagFilters: input.tagFilters.map((t) => ({ Key: t.Key, Value: t.Value, Type: 'KEY_AND_VALUE' as const })) }
          : {}),
        ...token(input.nextToken),
      });
      const r = await call('ListOnPremisesInstances', () => client.send(command));
      return { items: r.instanceNames ?? [], ...token(r.nextToken) };
    },
    async addTagsToOnPremisesInstances(instanceNames, tags) {
      const input = { instanceNames: [...instanceNames], tags: sdkTags(tags) };
      await call('AddTagsToOnPremisesInstances', () => client.send(new AddTagsToOnPremisesInstancesCommand(input)));
    },
    async removeTagsFromOnPremisesInstances(instanceNames, tags) {
      const input = { instanceNames: [...instanceNames], tags: sdkTags(tags) };
      await call('RemoveTagsFromOnPremisesInstances', () => client.send(new RemoveTagsFromOnPremisesInstancesCommand(input)));
    },
    async createDeployment(input) {
      const command = new CreateDeploymentCommand({
        applicationName: input.applicationName,
        deploymentGroupName: input.deploymentGroupName,
        revision: toRevision(input.revision),
        ...(input.description ? { description: input.description } : {}),
        ...(input.deploymentConfigName ? { deploymentConfigName: input.deploymentConfigName } : {}),
        ...(input.fileExistsBehavior ? { fileExistsBehavior: input.fileExistsBehavior } : {}),
        ...(input.ignoreApplicationStopFailures !== undefined ? { ignoreApplicationStopFailures: input.ignoreApplicationStopFailures } : {}),
        ...(input.autoRollback
          ? { autoRollbackConfiguration: { enabled: input.autoRollback.enabled, events: input.autoRollback.events.map((e) => e as 'DEPLOYMENT_FAILURE') } }
          : {}),
      });
      const r = await call('CreateDeployment', () => client.send(command));
      return { deploymentId: r.deploymentId ?? '' };
    },
    async getDeployment(deploymentId) {
      const r = await call('GetDeployment', () => client.send(new GetDeploymentCommand({ deploymentId })));
      return deploymentOf(r.deploymentInfo ?? { deploymentId });
    },
    async batchGetDeployments(deploymentIds) {
      if (deploymentIds.length === 0) return [];
      const r = await call('BatchGetDeployments', () => client.send(new BatchGetDeploymentsCommand({ deploymentIds: [...deploymentIds] })));
      return (r.deploymentsInfo ?? []).map(deploymentOf);
    },
    async listDeployments(input) {
      const command = new ListDeploymentsCommand({
        ...(input.applicationName ? { applicationName: input.applicationName } : {}),
        ...(input.deploymentGroupName ? { deploymentGroupName: input.deploymentGroupName } : {}),
        ...(input.includeOnlyStatuses?.length ? { includeOnlyStatuses: [...input.includeOnlyStatuses] } : {}),
        ...(input.createTimeRange ? { createTimeRange: { ...input.createTimeRange } } : {}),
        ...token(input.nextToken),
      });
      const r = await call('ListDeployments', () => client.send(command));
      return { items: r.deployments ?? [], ...token(r.nextToken) };
    },
    async stopDeployment(deploymentId, autoRollbackEnabled) {
      const input = { deploymentId, ...(autoRollbackEnabled !== undefined ? { autoRollbackEnabled } : {}) };
      const r = await call('StopDeployment', () => client.send(new StopDeploymentCommand(input)));
      return { status: r.status ?? 'Unknown', ...(r.statusMessage ? { statusMessage: r.statusMessage } : {}) };
    },
    async registerApplicationRevision(input) {
      const command = new RegisterApplicationRevisionCommand({
        applicationName: input.applicationName,
        revision: toRevision(input.revision),
        ...(input.description ? { description: input.description } : {}),
      });
      await call('RegisterApplicationRevision', () => client.send(command));
    },
    async getDeploymentGroup(applicationName, deploymentGroupName) {
      const r = await call('GetDeploymentGroup', () => client.send(new GetDeploymentGroupCommand({ applicationName, deploymentGroupName })));
      const g = r.deploymentGroupInfo ?? {};
      const targetRevision = fromRevision(g.targetRevision);
      const sets = g.onPremisesTagSet?.onPremisesTagSetList ?? (g.onPremisesInstanceTagFilters?.length ? [g.onPremisesInstanceTagFilters] : []);
      return {
        applicationName: g.applicationName ?? applicationName,
        deploymentGroupName: g.deploymentGroupName ?? deploymentGroupName,
        ...(g.deploymentGroupId ? { deploymentGroupId: g.deploymentGroupId } : {}),
        ...(g.deploymentConfigName ? { deploymentConfigName: g.deploymentConfigName } : {}),
        ...(g.serviceRoleArn ? { serviceRoleArn: g.serviceRoleArn } : {}),
        onPremisesTagSets: sets.map((set) => tagsOf(set)),
        autoRollbackEvents: g.autoRollbackConfiguration?.enabled ? (g.autoRollbackConfiguration.events ?? []) : [],
        ...lastOf('lastSuccessfulDeployment', g.lastSuccessfulDeployment),
        ...lastOf('lastAttemptedDeployment', g.lastAttemptedDeployment),
        ...(targetRevision ? { targetRevision } : {}),
      };
    },
    async createDeploymentGroup(input) {
      const command = new CreateDeploymentGroupCommand({
        applicationName: input.applicationName,
        deploymentGroupName: input.deploymentGroupName,
        ...groupSettings(input),
        serviceRoleArn: input.serviceRoleArn,
      });
      const r = await call('CreateDeploymentGroup', () => client.send(command));
      return { deploymentGroupId: r.deploymentGroupId ?? '' };
    },
    async updateDeploymentGroup(input) {
      const command = new UpdateDeploymentGroupCommand({
        applicationName: input.applicationName,
        currentDeploymentGroupName: input.currentDeploymentGroupName,
        ...(input.newDeploymentGroupName ? { newDeploymentGroupName: input.newDeploymentGroupName } : {}),
        ...groupSettings(input),
      });
      await call('UpdateDeploymentGroup', () => client.send(command));
    },
    async createDeploymentConfig(input) {
      const command = new CreateDeploymentConfigCommand({
        deploymentConfigName: input.deploymentConfigName,
        minimumHealthyHosts: { type: input.minimumHealthyHosts.type, value: input.minimumHealthyHosts.value },
        computePlatform: 'Server',
      });
      const r = await call('CreateDeploymentConfig', () => client.send(command));
      return { deploymentConfigId: r.deploymentConfigId ?? '' };
    },
    async listDeploymentTargets(input) {
      const command = new ListDeploymentTargetsCommand({ deploymentId: input.deploymentId, ...token(input.nextToken) });
      const r = await call('ListDeploymentTargets', () => client.send(command));
      return { items: r.targetIds ?? [], ...token(r.nextToken) };
    },
    async batchGetDeploymentTargets(deploymentId, targetIds) {
      if (targetIds.length === 0) return [];
      const command = new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: [...targetIds] });
      const r = await call('BatchGetDeploymentTargets', () => client.send(command));
      return (r.deploymentTargets ?? []).flatMap((t) => {
        const it = t.instanceTarget;
        if (!it?.targetId) return [];
        return [
          {
            deploymentId: it.deploymentId ?? deploymentId,
            targetId: it.targetId,
            status: it.status ?? 'Unknown',
            ...(it.lastUpdatedAt ? { lastUpdatedAt: it.lastUpdatedAt } : {}),
            lifecycleEvents: (it.lifecycleEvents ?? []).map((e) => ({
              name: e.lifecycleEventName ?? '',
              status: e.status ?? 'Unknown',
              ...(e.diagnostics?.message ? { message: e.diagnostics.message } : {}),
            })),
          },
        ];
      });
    },
  };
}
