// CloudFormation and CloudWatch ports: the operations a rollout performs on tenant stacks (change
// sets, events, templates) and the alarms the safety gates read. Our own typed inputs and outputs,
// no SDK types; failures are EdgeErrors with AWS_* codes (see ports.ts). CloudFormation answers a
// missing stack with a ValidationError "... does not exist": the adapters (and fakes) turn that into
// AWS_NOT_FOUND (cfnFailure in ports-cloud-errors.ts), and describeStack answers `undefined`.
import type { Page, Tag } from './ports.js';

// --- CloudFormation --------------------------------------------------------------------------
export interface StackParameterInput {
  readonly key: string;
  readonly value?: string;
  /** Keep the stack's current value (updates only). */
  readonly usePreviousValue?: boolean;
}

export interface StackInfo {
  readonly stackId: string;
  readonly stackName: string;
  readonly status: string;
  readonly statusReason?: string;
  /** As DescribeStacks shows them (NoEcho values are `****`). */
  readonly parameters: Readonly<Record<string, string>>;
  readonly outputs: Readonly<Record<string, string>>;
  readonly capabilities: readonly string[];
  readonly roleArn?: string;
  readonly tags: readonly Tag[];
  readonly creationTime?: Date;
  readonly lastUpdatedTime?: Date;
}

export type ChangeSetType = 'CREATE' | 'UPDATE';

export interface CreateChangeSetInput {
  readonly stackName: string;
  readonly changeSetName: string;
  readonly changeSetType: ChangeSetType;
  /** One of templateUrl, templateBody or usePreviousTemplate. */
  readonly templateUrl?: string;
  readonly templateBody?: string;
  readonly usePreviousTemplate?: boolean;
  readonly parameters: readonly StackParameterInput[];
  readonly capabilities: readonly string[];
  /** The role CloudFormation uses for the stack's resources. */
  readonly roleArn?: string;
  readonly tags: readonly Tag[];
  readonly description?: string;
}

export interface ResourceChange {
  readonly action: string;
  readonly logicalResourceId: string;
  readonly physicalResourceId?: string;
  readonly resourceType: string;
  readonly replacement?: string;
}

export interface ChangeSetSummary {
  readonly changeSetId: string;
  readonly changeSetName: string;
  readonly stackId: string;
  readonly stackName: string;
  /** CREATE_PENDING, CREATE_IN_PROGRESS, CREATE_COMPLETE, DELETE_*, FAILED. */
  readonly status: string;
  readonly statusReason?: string;
  /** UNAVAILABLE, AVAILABLE, EXECUTE_IN_PROGRESS, EXECUTE_COMPLETE, EXECUTE_FAILED, OBSOLETE. */
  readonly executionStatus: string;
  readonly creationTime?: Date;
  readonly description?: string;
}

export interface ChangeSetInfo extends ChangeSetSummary {
  readonly parameters: Readonly<Record<string, string>>;
  readonly capabilities: readonly string[];
  readonly changes: readonly ResourceChange[];
}

export interface StackEvent {
  readonly eventId: string;
  readonly stackId: string;
  readonly stackName: string;
  readonly logicalResourceId: string;
  readonly physicalResourceId?: string;
  readonly resourceType: string;
  readonly resourceStatus: string;
  readonly resourceStatusReason?: string;
  readonly timestamp: Date;
  /** The token of the operation (ExecuteChangeSet, UpdateStack, ...) that caused the event. */
  readonly clientRequestToken?: string;
}

export interface TemplateSummary {
  readonly parameters: readonly { readonly key: string; readonly defaultValue?: string; readonly noEcho: boolean; readonly description?: string }[];
  readonly capabilities: readonly string[];
  readonly capabilitiesReason?: string;
  readonly description?: string;
}

export interface CloudFormationPort {
  /** The stack by name or id; `undefined` when there is none. */
  describeStack(stackName: string): Promise<StackInfo | undefined>;
  /** The template body (the original, as submitted); AWS_NOT_FOUND for a missing stack. */
  getTemplate(stackName: string, changeSetName?: string): Promise<string>;
  validateTemplate(input: { templateBody?: string; templateUrl?: string }): Promise<TemplateSummary>;
  createChangeSet(input: CreateChangeSetInput): Promise<{ changeSetId: string; stackId: string }>;
  /** AWS_NOT_FOUND when there is no such change set (or stack). */
  describeChangeSet(stackName: string, changeSetName: string): Promise<ChangeSetInfo>;
  /** `clientRequestToken` marks the events of the operation, so it can be recognised later. */
  executeChangeSet(stackName: string, changeSetName: string, clientRequestToken?: string): Promise<void>;
  deleteChangeSet(stackName: string, changeSetName: string): Promise<void>;
  listChangeSets(stackName: string, nextToken?: string): Promise<Page<ChangeSetSummary>>;
  /** Newest first. */
  describeStackEvents(stackName: string, nextToken?: string): Promise<Page<StackEvent>>;
  cancelUpdateStack(stackName: string, clientRequestToken?: string): Promise<void>;
  /** Deleting a missing or deleted stack succeeds (as in CloudFormation). Used to remove the empty
   * REVIEW_IN_PROGRESS stack a previewed CREATE change set leaves behind. */
  deleteStack(stackName: string): Promise<void>;
}

// --- CloudWatch ----------------------------------------------------------------------------
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmInfo {
  readonly alarmName: string;
  readonly alarmArn?: string;
  readonly stateValue: AlarmState;
  readonly stateReason?: string;
  readonly stateUpdatedTimestamp?: Date;
  readonly namespace?: string;
  readonly metricName?: string;
}

export interface DescribeAlarmsInput {
  /** Up to 100 names. */
  readonly alarmNames?: readonly string[];
  readonly alarmNamePrefix?: string;
  readonly stateValue?: AlarmState;
  readonly nextToken?: string;
}

export interface CloudWatchPort {
  /** Metric alarms only. */
  describeAlarms(input: DescribeAlarmsInput): Promise<Page<AlarmInfo>>;
}
