// CloudFormation's query protocol: reading `Parameters.member.N.ParameterKey`-style inputs, and the
// XML answers (`<XResponse xmlns=…><XResult>…`) as @aws-sdk/client-cloudformation parses them.
import { memberStrings } from '../iam/iam-params.js';
import { members, node, text } from '../iam/iam-xml.js';
import { AwsError, type SandboxResponse } from '../types.js';
import type { ChangeSetRecord, StackEvent, StackRecord, Tag } from './cfn-state.js';
import type { ParameterInput } from './parameters.js';
import type { ParameterDecl } from './template-parse.js';

export const CFN_VERSION = '2010-05-15';
const XMLNS = `http://cloudformation.amazonaws.com/doc/${CFN_VERSION}/`;

export function cfnResponse(action: string, result: string, requestId: string): SandboxResponse {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: `<${action}Response xmlns="${XMLNS}">${node(`${action}Result`, result)}${node('ResponseMetadata', text('RequestId', requestId))}</${action}Response>\n`,
  };
}

export const validation = (message: string): AwsError => new AwsError('ValidationError', message);

export function required(params: URLSearchParams, name: string): string {
  const v = params.get(name);
  if (v === null || v === '') {
    const field = name[0]!.toLowerCase() + name.slice(1);
    throw validation(`1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  }
  return v;
}

export const bool = (params: URLSearchParams, name: string): boolean | undefined => (params.has(name) ? params.get(name) === 'true' : undefined);

export function parameterInputs(params: URLSearchParams): ParameterInput[] {
  const out: ParameterInput[] = [];
  for (let i = 1; params.has(`Parameters.member.${i}.ParameterKey`); i++) {
    const p = `Parameters.member.${i}.`;
    const value = params.get(`${p}ParameterValue`);
    out.push({ key: params.get(`${p}ParameterKey`)!, ...(value !== null ? { value } : {}), usePreviousValue: params.get(`${p}UsePreviousValue`) === 'true' });
  }
  return out;
}

/** Tags.member.N; undefined when the call sent none (UpdateStack then keeps the stack's tags). */
export function tagInputs(params: URLSearchParams): Tag[] | undefined {
  if (!params.has('Tags.member.1.Key') && !params.has('Tags')) return undefined;
  const tags: Tag[] = [];
  for (let i = 1; params.has(`Tags.member.${i}.Key`); i++) tags.push({ Key: params.get(`Tags.member.${i}.Key`)!, Value: params.get(`Tags.member.${i}.Value`) ?? '' });
  if (tags.length > 50) throw validation('1 validation error detected: Value at \'tags\' failed to satisfy constraint: Member must have length less than or equal to 50');
  return tags;
}

export const capabilityInputs = (params: URLSearchParams): string[] => memberStrings(params, 'Capabilities');
export const notificationInputs = (params: URLSearchParams): string[] => memberStrings(params, 'NotificationARNs');

const parametersXml = (stackParams: Readonly<Record<string, string>>, decls: Readonly<Record<string, ParameterDecl>>): string =>
  members('Parameters', Object.entries(stackParams), ([k, v]) => text('ParameterKey', k) + text('ParameterValue', decls[k]?.NoEcho ? '****' : v));

const tagsXml = (tags: readonly Tag[]): string => members('Tags', tags, (t) => text('Key', t.Key) + text('Value', t.Value));

/** A Stack's members (inside its <member>). */
export function stackXml(s: StackRecord, decls: Readonly<Record<string, ParameterDecl>>): string {
  return [
    text('StackId', s.stackId),
    text('StackName', s.stackName),
    text('Description', s.description),
    parametersXml(s.definition.parameters, decls),
    text('CreationTime', s.creationTime),
    text('DeletionTime', s.deletionTime),
    text('LastUpdatedTime', s.lastUpdatedTime),
    text('StackStatus', s.status),
    text('StackStatusReason', s.statusReason),
    text('DisableRollback', s.disableRollback),
    members('NotificationARNs', s.notificationArns, (a) => xmlText(a)),
    text('TimeoutInMinutes', s.timeoutInMinutes),
    members('Capabilities', s.capabilities, (c) => xmlText(c)),
    members('Outputs', s.outputs, (o) => text('OutputKey', o.key) + text('OutputValue', o.value) + text('Description', o.description) + text('ExportName', o.exportName)),
    text('RoleARN', s.roleArn),
    tagsXml(s.tags),
    text('EnableTerminationProtection', false),
    node('DriftInformation', text('StackDriftStatus', 'NOT_CHECKED')),
  ].join('');
}

/** Escaped text without an element (list members). */
function xmlText(v: string): string {
  return text('x', v).slice(3, -4);
}

/** A StackEvent's members. */
export function eventXml(s: StackRecord, e: StackEvent): string {
  return [
    text('StackId', s.stackId),
    text('EventId', e.eventId),
    text('StackName', s.stackName),
    text('LogicalResourceId', e.logicalId),
    text('PhysicalResourceId', e.physicalId),
    text('ResourceType', e.resourceType),
    text('Timestamp', e.timestamp),
    text('ResourceStatus', e.status),
    text('ResourceStatusReason', e.reason),
    text('ResourceProperties', e.properties),
    text('ClientRequestToken', e.clientRequestToken),
  ].join('');
}

export function changeSetXml(cs: ChangeSetRecord, decls: Readonly<Record<string, ParameterDecl>>, summary: boolean): string {
  const common =
    text('StackId', cs.stackId) + text('StackName', cs.stackName) + text('ChangeSetId', cs.changeSetId) + text('ChangeSetName', cs.changeSetName) +
    text('ExecutionStatus', cs.executionStatus) + text('Status', cs.status) + text('StatusReason', cs.statusReason) +
    text('CreationTime', cs.creationTime) + text('Description', cs.description);
  if (summary) return common;
  return (
    common +
    parametersXml(cs.definition.parameters, decls) +
    members('Capabilities', cs.capabilities, (c) => xmlText(c)) +
    members('NotificationARNs', [], (a: string) => a) +
    (cs.tags ? tagsXml(cs.tags) : '') +
    members('Changes', cs.changes, (c) =>
      text('Type', 'Resource') +
      node(
        'ResourceChange',
        text('Action', c.action), text('LogicalResourceId', c.logicalId), text('PhysicalResourceId', c.physicalId),
        text('ResourceType', c.resourceType), text('Replacement', c.replacement),
      ),
    ) +
    text('IncludeNestedStacks', false)
  );
}

/** NextToken pagination over an ordered list (page size fixed per call site). */
export function page<T>(all: readonly T[], params: URLSearchParams, size: number): { items: T[]; next?: string } {
  const token = params.get('NextToken');
  let start = 0;
  if (token !== null) {
    const m = /^o:(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    start = m ? Number(m[1]) : -1;
    if (start < 0 || start > all.length) throw validation('Invalid NextToken');
  }
  const items = all.slice(start, start + size);
  return start + size < all.length ? { items, next: Buffer.from(`o:${start + size}`).toString('base64url') } : { items };
}
