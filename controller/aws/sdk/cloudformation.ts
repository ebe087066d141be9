// CloudFormationPort over @aws-sdk/client-cloudformation.
import {
  CancelUpdateStackCommand,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  ListChangeSetsCommand,
  ValidateTemplateCommand,
  type Change,
  type CloudFormationClient,
  type DescribeChangeSetCommandOutput,
  type Parameter,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { isEdgeError } from '../../../shared/errors.js';
import { sdkCall } from '../sdk-errors.js';
import { cfnFailure } from '../ports-cloud-errors.js';
import type { ChangeSetSummary, CloudFormationPort, ResourceChange, StackEvent, StackInfo, Tag } from '../ports.js';

const call = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
  try {
    return await sdkCall({ service: 'cloudformation', operation }, run);
  } catch (e) {
    throw cfnFailure(e);
  }
};
/** Pages of a change set's changes read at most (100 changes a page). */
const MAX_CHANGE_PAGES = 10;

const token = (t: string | undefined): { nextToken?: string } => (t ? { nextToken: t } : {});
const paramsOf = (ps: readonly Parameter[] | undefined): Record<string, string> =>
  Object.fromEntries((ps ?? []).filter((p) => p.ParameterKey).map((p) => [p.ParameterKey as string, p.ParameterValue ?? '']));
const tagsOf = (ts: readonly { Key?: string; Value?: string }[] | undefined): Tag[] =>
  (ts ?? []).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));

function stackOf(s: Stack): StackInfo {
  return {
    stackId: s.StackId ?? '',
    stackName: s.StackName ?? '',
    status: s.StackStatus ?? 'UNKNOWN',
    ...(s.StackStatusReason ? { statusReason: s.StackStatusReason } : {}),
    parameters: paramsOf(s.Parameters),
    outputs: Object.fromEntries((s.Outputs ?? []).filter((o) => o.OutputKey).map((o) => [o.OutputKey as string, o.OutputValue ?? ''])),
    capabilities: [...(s.Capabilities ?? [])],
    ...(s.RoleARN ? { roleArn: s.RoleARN } : {}),
    tags: tagsOf(s.Tags),
    ...(s.CreationTime ? { creationTime: s.CreationTime } : {}),
    ...(s.LastUpdatedTime ? { lastUpdatedTime: s.LastUpdatedTime } : {}),
  };
}

function summaryOf(c: Omit<DescribeChangeSetCommandOutput, '$metadata'>): ChangeSetSummary {
  return {
    changeSetId: c.ChangeSetId ?? '',
    changeSetName: c.ChangeSetName ?? '',
    stackId: c.StackId ?? '',
    stackName: c.StackName ?? '',
    status: c.Status ?? 'UNKNOWN',
    ...(c.StatusReason ? { statusReason: c.StatusReason } : {}),
    executionStatus: c.ExecutionStatus ?? 'UNAVAILABLE',
    ...(c.CreationTime ? { creationTime: c.CreationTime } : {}),
    ...(c.Description ? { description: c.Description } : {}),
  };
}

function changeOf(c: Change): ResourceChange[] {
  const r = c.ResourceChange;
  if (!r) return [];
  return [
    {
      action: r.Action ?? '',
      logicalResourceId: r.LogicalResourceId ?? '',
      ...(r.PhysicalResourceId ? { physicalResourceId: r.PhysicalResourceId } : {}),
      resourceType: r.ResourceType ?? '',
      ...(r.Replacement ? { replacement: r.Replacement } : {}),
    },
  ];
}

export function cloudFormationAdapter(client: CloudFormationClient): CloudFormationPort {
  return {
    async describeStack(stackName) {
      try {
        const r = await call('DescribeStacks', () => client.send(new DescribeStacksCommand({ StackName: stackName })));
        const s = r.Stacks?.[0];
        return s ? stackOf(s) : undefined;
      } catch (e) {
        if (isEdgeError(e, 'AWS_NOT_FOUND')) return undefined;
        throw e;
      }
    },
    async getTemplate(stackName, changeSetName) {
      const input = { StackName: stackName, TemplateStage: 'Original' as const, ...(changeSetName ? { ChangeSetName: changeSetName } : {}) };
      const r = await call('GetTemplate', () => client.send(new GetTemplateCommand(input)));
      return r.TemplateBody ?? '';
    },
    async validateTemplate(input) {
      const command = new ValidateTemplateCommand({
        ...(input.templateBody !== undefined ? { TemplateBody: input.templateBody } : {}),
        ...(input.templateUrl !== undefined ? { TemplateURL: input.templateUrl } : {}),
      });
      const r = await call('ValidateTemplate', () => client.send(command));
      return {
        parameters: (r.Parameters ?? []).map((p) => ({
          key: p.ParameterKey ?? '',
          ...(p.DefaultValue !== undefined ? { defaultValue: p.DefaultValue } : {}),
          noEcho: p.NoEcho === true,
          ...(p.Description ? { description: p.Description } : {}),
        })),
        capabilities: [...(r.Capabilities ?? [])],
        ...(r.CapabilitiesReason ? { capabilitiesReason: r.CapabilitiesReason } : {}),
        ...(r.Description ? { description: r.Description } : {}),
      };
    },
    async createChangeSet(input) {
      const command = new CreateChangeSetCommand({
        StackName: input.stackName,
        ChangeSetName: input.changeSetName,
        ChangeSetType: input.changeSetType,
        ...(input.templateUrl !== undefined ? { TemplateURL: input.templateUrl } : {}),
        ...(input.templateBody !== undefined ? { TemplateBody: input.templateBody } : {}),
        ...(input.usePreviousTemplate ? { UsePreviousTemplate: true } : {}),
        Parameters: input.parameters.map((p) =>
          p.usePreviousValue ? { ParameterKey: p.key, UsePreviousValue: true } : { ParameterKey: p.key, ParameterValue: p.value ?? '' },
        ),
        ...(input.capabilities.length ? { Capabilities: input.capabilities.map((c) => c as 'CAPABILITY_IAM') } : {}),
        ...(input.roleArn ? { RoleARN: input.roleArn } : {}),
        ...(input.tags.length ? { Tags: input.tags.map((t) => ({ Key: t.Key, Value: t.Value })) } : {}),
        ...(input.description ? { Description: input.description } : {}),
      });
      const r = await call('CreateChangeSet', () => client.send(command));
      return { changeSetId: r.Id ?? '', stackId: r.StackId ?? '' };
    },
    async describeChangeSet(stackName, changeSetName) {
      const changes: ResourceChange[] = [];
      let next: string | undefined;
      let first: DescribeChangeSetCommandOutput | undefined;
      for (let page = 0; page < MAX_CHANGE_PAGES && (page === 0 || next); page++) {
        const input = { StackName: stackName, ChangeSetName: changeSetName, ...(next ? { NextToken: next } : {}) };
        const r = await call('DescribeChangeSet', () => client.send(new DescribeChangeSetCommand(input)));
        first ??= r;
        changes.push(...(r.Changes ?? []).flatMap(changeOf));
        next = r.NextToken;
      }
      const c = first as DescribeChangeSetCommandOutput;
      return { ...summaryOf(c), parameters: paramsOf(c.Parameters), capabilities: [...(c.Capabilities ?? [])], changes };
    },
    async executeChangeSet(stackName, changeSetName, clientRequestToken) {
      const input = { StackName: stackName, ChangeSetName: changeSetName, ...(clientRequestToken ? { ClientRequestToken: clientRequestToken } : {}) };
      await call('ExecuteChangeSet', () => client.send(new ExecuteChangeSetCommand(input)));
    },
    async deleteChangeSet(stackName, changeSetName) {
      await call('DeleteChangeSet', () => client.send(new DeleteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName })));
    },
    async listChangeSets(stackName, nextToken) {
      const command = new ListChangeSetsCommand({ StackName: stackName, ...(nextToken ? { NextToken: nextToken } : {}) });
      const r = await call('ListChangeSets', () => client.send(command));
      return { items: (r.Summaries ?? []).map(summaryOf), ...token(r.NextToken) };
    },
    async describeStackEvents(stackName, nextToken) {
      const input = { StackName: stackName, ...(nextToken ? { NextToken: nextToken } : {}) };
      const r = await call('DescribeStackEvents', () => client.send(new DescribeStackEventsCommand(input)));
      const items = (r.StackEvents ?? []).map(
        (e): StackEvent => ({
          eventId: e.EventId ?? '',
          stackId: e.StackId ?? '',
          stackName: e.StackName ?? '',
          logicalResourceId: e.LogicalResourceId ?? '',
          ...(e.PhysicalResourceId ? { physicalResourceId: e.PhysicalResourceId } : {}),
          resourceType: e.ResourceType ?? '',
          resourceStatus: e.ResourceStatus ?? '',
          ...(e.ResourceStatusReason ? { resourceStatusReason: e.ResourceStatusReason } : {}),
          timestamp: e.Timestamp ?? new Date(0),
          ...(e.ClientRequestToken ? { clientRequestToken: e.ClientRequestToken } : {}),
        }),
      );
      return { items, ...token(r.NextToken) };
    },
    async cancelUpdateStack(stackName, clientRequestToken) {
      const input = { StackName: stackName, ...(clientRequestToken ? { ClientRequestToken: clientRequestToken } : {}) };
      await call('CancelUpdateStack', () => client.send(new CancelUpdateStackCommand(input)));
    },
    async deleteStack(stackName) {
      await call('DeleteStack', () => client.send(new DeleteStackCommand({ StackName: stackName })));
    },
  };
}
