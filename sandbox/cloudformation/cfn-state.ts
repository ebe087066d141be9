// CloudFormation state as JSON-able documents, one per (account, region): stacks (deleted ones
// too, reachable by stack id), their resources, events, outputs and change sets. An operation in
// progress is recorded on its stack (`op`) before it starts, so a restarted sandbox resumes it.
import type { SandboxStore } from '../types.js';

export interface Tag {
  Key: string;
  Value: string;
}

export interface StackResource {
  logicalId: string;
  type: string;
  physicalId: string;
  status: string;
  statusReason?: string;
  /** Evaluated properties and metadata, as last provisioned. */
  properties: Record<string, unknown>;
  metadata: Record<string, unknown>;
  lastUpdated: string;
}

export interface StackEvent {
  eventId: string;
  logicalId: string;
  physicalId: string;
  resourceType: string;
  timestamp: string;
  status: string;
  reason?: string;
  properties?: string;
  clientRequestToken?: string;
}

export interface StackOutput {
  key: string;
  value: string;
  description?: string;
  exportName?: string;
}

/** What a stack is defined by; the previous one is kept while an update may roll back. */
export interface StackDefinition {
  templateBody: string;
  /** Raw parameter values. */
  parameters: Record<string, string>;
}

export type OperationKind = 'create' | 'update' | 'delete';

export interface StackOperation {
  kind: OperationKind;
  /** forward → cleanup (update) | rollback → rollback-cleanup (update). */
  phase: 'forward' | 'cleanup' | 'rollback' | 'rollback-cleanup';
  target: StackDefinition;
  previous?: { definition: StackDefinition; resources: Record<string, StackResource>; outputs: StackOutput[] };
  /** Resources this operation created (logical ids) and replaced (old physical records). */
  created: string[];
  updated: string[];
  replaced: StackResource[];
  failed?: string[];
  onFailure: 'ROLLBACK' | 'DELETE' | 'DO_NOTHING';
  clientRequestToken?: string;
}

export interface StackRecord {
  stackId: string;
  stackName: string;
  description?: string;
  status: string;
  statusReason?: string;
  creationTime: string;
  lastUpdatedTime?: string;
  deletionTime?: string;
  definition: StackDefinition;
  capabilities: string[];
  roleArn?: string;
  tags: Tag[];
  notificationArns: string[];
  disableRollback: boolean;
  timeoutInMinutes?: number;
  resources: Record<string, StackResource>;
  outputs: StackOutput[];
  /** Oldest first. */
  events: StackEvent[];
  op?: StackOperation;
}

export interface ChangeRecord {
  action: 'Add' | 'Modify' | 'Remove';
  logicalId: string;
  physicalId?: string;
  resourceType: string;
  replacement?: 'True' | 'False';
}

export interface ChangeSetRecord {
  changeSetId: string;
  changeSetName: string;
  stackId: string;
  stackName: string;
  type: 'CREATE' | 'UPDATE';
  description?: string;
  status: string;
  statusReason?: string;
  executionStatus: string;
  creationTime: string;
  definition: StackDefinition;
  capabilities: string[];
  roleArn?: string;
  tags?: Tag[];
  changes: ChangeRecord[];
}

export interface CfnDoc {
  /** stackId → stack, in creation order. */
  stacks: Record<string, StackRecord>;
  /** changeSetId → change set. */
  changeSets: Record<string, ChangeSetRecord>;
}

export const cfnDoc = (store: SandboxStore, accountId: string, region: string): CfnDoc =>
  store.doc<CfnDoc>('cloudformation', accountId, region, () => ({ stacks: {}, changeSets: {} }));

/** The live (not deleted) stack with this name, or the stack (deleted too) with this id. */
export function findStack(doc: CfnDoc, nameOrId: string): StackRecord | undefined {
  if (nameOrId.startsWith('arn:')) return Object.hasOwn(doc.stacks, nameOrId) ? doc.stacks[nameOrId] : undefined;
  return Object.values(doc.stacks).find((s) => s.stackName === nameOrId && s.status !== 'DELETE_COMPLETE');
}

export const isInProgress = (status: string): boolean => status.endsWith('_IN_PROGRESS');
