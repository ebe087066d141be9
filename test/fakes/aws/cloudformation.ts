// Fake CloudFormation for one account and region: stacks made and changed through change sets, with
// statuses that move with the fake world's clock. A change set is CREATE_PENDING, CREATE_IN_PROGRESS,
// then CREATE_COMPLETE (or FAILED "didn't contain changes") after `changeSetDelayMs`; an executed one
// runs CREATE/UPDATE_IN_PROGRESS for `stackDelayMs`, then completes, or (a resource with
// Metadata.SandboxFail) fails that resource and rolls back over another `stackDelayMs` to
// ROLLBACK_COMPLETE / UPDATE_ROLLBACK_COMPLETE. Events carry the operation's ClientRequestToken.
import type { Page } from '../../../controller/aws/ports.js';
import type {
  ChangeSetInfo,
  CloudFormationPort,
  CreateChangeSetInput,
  StackEvent,
  StackInfo,
  TemplateSummary,
} from '../../../controller/aws/ports-cloud.js';
import { cfnFailure } from '../../../controller/aws/ports-cloud-errors.js';
import { awsFailure } from './errors.js';
import {
  changesOf,
  neededCapability,
  paged,
  parseTemplate,
  resolve,
  stackView,
  type ChangeSet,
  type Definition,
  type FakeTemplate,
  type Operation,
  type Stack,
} from './cloudformation-template.js';

const fail = (operation: string, name: string, message: string, status = 400): never => {
  throw cfnFailure(awsFailure('cloudformation', operation, name, status, message));
};
const NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set.";

export interface FakeCloudFormationOptions {
  readonly account: string;
  readonly region: string;
  readonly clock: () => number;
  /** Reads a TemplateURL as the caller (S3 permissions apply). */
  readonly readUrl: (url: string) => Promise<string>;
}

export class FakeCloudFormation implements CloudFormationPort {
  readonly stacks: Stack[] = [];
  readonly changeSets: ChangeSet[] = [];
  changeSetDelayMs = 500;
  stackDelayMs = 2000;
  private ids = 0;

  constructor(private readonly opts: FakeCloudFormationOptions) {}

  private id(): string {
    return `${(++this.ids).toString(16).padStart(8, '0')}-fake-4000-8000-${this.opts.account}`;
  }

  private find(nameOrId: string): Stack | undefined {
    return this.stacks.find((s) => s.stackId === nameOrId) ?? this.stacks.filter((s) => s.stackName === nameOrId && s.status !== 'DELETE_COMPLETE').at(-1);
  }

  private stack(operation: string, nameOrId: string): Stack {
    const s = this.find(nameOrId);
    return s ?? fail(operation, 'ValidationError', `Stack with id ${nameOrId} does not exist`);
  }

  private changeSet(operation: string, stackName: string, name: string): ChangeSet {
    this.settle();
    const s = this.find(stackName);
    const cs = this.changeSets.find((c) => c.id === name || (c.name === name && c.stackId === s?.stackId));
    return cs ?? fail(operation, 'ChangeSetNotFoundException', `ChangeSet [${name}] does not exist`, 404);
  }

  private event(s: Stack, at: number, status: string, reason?: string, logicalId?: string, type?: string): void {
    const token = s.op?.token;
    s.events.push({
      eventId: this.id(),
      stackId: s.stackId,
      stackName: s.stackName,
      logicalResourceId: logicalId ?? s.stackName,
      physicalResourceId: logicalId ? `${s.stackName}-${logicalId}` : s.stackId,
      resourceType: type ?? 'AWS::CloudFormation::Stack',
      resourceStatus: status,
      ...(reason ? { resourceStatusReason: reason } : {}),
      timestamp: new Date(at),
      ...(token ? { clientRequestToken: token } : {}),
    });
    if (!logicalId) Object.assign(s, { status, statusReason: reason });
  }

  /** Moves every change set and stack operation whose time has come. */
  settle(): void {
    const now = this.opts.clock();
    for (const cs of this.changeSets) {
      if (cs.status !== 'CREATE_PENDING' && cs.status !== 'CREATE_IN_PROGRESS') continue;
      if (now < cs.createdAt + this.changeSetDelayMs) {
        if (now >= cs.createdAt + this.changeSetDelayMs / 2) cs.status = 'CREATE_IN_PROGRESS';
        continue;
      }
      const s = this.stacks.find((x) => x.stackId === cs.stackId) as Stack;
      cs.changes = changesOf(s, cs.definition);
      const same = s.definition && JSON.stringify([s.definition.parameters, s.definition.tags]) === JSON.stringify([cs.definition.parameters, cs.definition.tags]);
      if (cs.type === 'UPDATE' && cs.changes.length === 0 && same) Object.assign(cs, { status: 'FAILED', statusReason: NO_CHANGES, executionStatus: 'UNAVAILABLE' });
      else Object.assign(cs, { status: 'CREATE_COMPLETE', executionStatus: 'AVAILABLE' });
    }
    for (const s of this.stacks) while (s.op && now >= s.op.until) this.step(s, s.op);
  }

  private step(s: Stack, op: Operation): void {
    const at = op.until;
    const verb = op.kind === 'create' ? 'CREATE' : 'UPDATE';
    if (op.phase === 'run' && !op.failing) {
      for (const id of op.changed) this.event(s, at, `${verb}_COMPLETE`, undefined, id, op.next.template.resources[id]?.type);
      s.definition = op.next;
      s.outputs = Object.fromEntries(Object.entries(op.next.template.outputs).map(([k, v]) => [k, String(resolve(v, op.next.parameters, s.stackName))]));
      if (op.kind === 'update') this.event(s, at, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
      this.event(s, at, `${verb}_COMPLETE`);
      s.lastUpdatedTime = new Date(at);
      op.changeSet.executionStatus = 'EXECUTE_COMPLETE';
      s.op = undefined;
      return;
    }
    if (op.phase === 'run' && op.failing) {
      this.event(s, at, `${verb}_FAILED`, op.failing.reason, op.failing.id, op.next.template.resources[op.failing.id]?.type);
      const what = `The following resource(s) failed to ${op.kind}: [${op.failing.id}]. `;
      this.event(s, at, op.kind === 'create' ? 'ROLLBACK_IN_PROGRESS' : 'UPDATE_ROLLBACK_IN_PROGRESS', op.kind === 'create' ? `${what}Rollback requested by user.` : what);
      Object.assign(op, { phase: 'rollback', until: at + this.stackDelayMs });
      return;
    }
    if (op.kind === 'create') this.event(s, at, 'ROLLBACK_COMPLETE');
    else {
      this.event(s, at, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
      this.event(s, at, 'UPDATE_ROLLBACK_COMPLETE');
    }
    op.changeSet.executionStatus = 'EXECUTE_FAILED';
    s.op = undefined;
  }

  async describeStack(stackName: string): Promise<StackInfo | undefined> {
    this.settle();
    const s = this.find(stackName);
    return s ? stackView(s) : undefined;
  }

  async getTemplate(stackName: string, changeSetName?: string): Promise<string> {
    if (changeSetName) return this.changeSet('GetTemplate', stackName, changeSetName).definition.body;
    const s = this.stack('GetTemplate', stackName);
    return s.definition?.body ?? fail('GetTemplate', 'ValidationError', `Stack with id ${stackName} does not exist`);
  }

  private async template(operation: string, input: { templateBody?: string; templateUrl?: string }): Promise<{ body: string; template: FakeTemplate }> {
    let body = input.templateBody;
    if (body === undefined && input.templateUrl !== undefined) {
      const url = input.templateUrl;
      body = await this.opts.readUrl(url).catch((e: unknown) => fail(operation, 'ValidationError', `S3 error: ${(e as Error).message} (TemplateURL ${url})`));
    }
    if (body === undefined) return fail(operation, 'ValidationError', 'Either Template URL or Template Body must be specified.');
    const template = parseTemplate(body);
    return template ? { body, template } : fail(operation, 'ValidationError', 'Template format error: At least one Resources member must be defined.');
  }

  async validateTemplate(input: { templateBody?: string; templateUrl?: string }): Promise<TemplateSummary> {
    const { template } = await this.template('ValidateTemplate', input);
    const cap = neededCapability(template);
    return {
      parameters: Object.entries(template.parameters).map(([key, p]) => ({ key, noEcho: p.noEcho, ...(p.default !== undefined ? { defaultValue: p.default } : {}) })),
      capabilities: cap ? [cap] : [],
    };
  }

  async createChangeSet(input: CreateChangeSetInput): Promise<{ changeSetId: string; stackId: string }> {
    const op = 'CreateChangeSet';
    this.settle();
    if (!/^[a-zA-Z][-a-zA-Z0-9]{0,127}$/.test(input.changeSetName)) fail(op, 'ValidationError', `1 validation error detected: Value '${input.changeSetName}' at 'changeSetName' failed to satisfy constraint`);
    let s = this.find(input.stackName);
    const review = s?.status === 'REVIEW_IN_PROGRESS';
    if (input.changeSetType === 'CREATE' && s && !review) fail(op, 'AlreadyExistsException', `Stack [${input.stackName}] already exists and cannot be created again with the changeSet [${input.changeSetName}].`);
    if (input.changeSetType === 'UPDATE' && (!s || review)) fail(op, 'ValidationError', `Stack [${input.stackName}] does not exist`);
    if (s && this.changeSets.some((c) => c.stackId === s?.stackId && c.name === input.changeSetName)) {
      fail(op, 'AlreadyExistsException', `ChangeSet ${input.changeSetName} cannot be created due to a mismatch with existing attribute Template`);
    }
    if (input.changeSetType === 'UPDATE' && s && (s.op || s.status === 'ROLLBACK_COMPLETE')) fail(op, 'ValidationError', `Stack:${s.stackId} is in ${s.status} state and can not be updated.`);
    const previous = s?.definition;
    const { body, template } = input.usePreviousTemplate && previous ? previous : await this.template(op, input);
    const parameters: Record<string, string> = {};
    for (const p of input.parameters) {
      if (!(p.key in template.parameters)) fail(op, 'ValidationError', `Parameters: [${p.key}] do not exist in the template`);
      const value = p.usePreviousValue ? previous?.parameters[p.key] : p.value;
      if (value === undefined) fail(op, 'ValidationError', `Invalid input for parameter key ${p.key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`);
      parameters[p.key] = value as string;
    }
    const missing = Object.entries(template.parameters).filter(([k, p]) => parameters[k] === undefined && p.default === undefined).map(([k]) => k);
    if (missing.length) fail(op, 'ValidationError', `Parameters: [${missing.join(', ')}] must have values`);
    for (const [k, p] of Object.entries(template.parameters)) if (parameters[k] === undefined && p.default !== undefined) parameters[k] = p.default;
    const cap = neededCapability(template);
    if (cap && !input.capabilities.includes(cap) && !input.capabilities.includes('CAPABILITY_NAMED_IAM')) fail(op, 'InsufficientCapabilitiesException', `Requires capabilities : [${cap}]`);
    const now = this.opts.clock();
    if (!s) {
      s = { stackId: `arn:aws:cloudformation:${this.opts.region}:${this.opts.account}:stack/${input.stackName}/${this.id()}`, stackName: input.stackName, creationTime: new Date(now), status: '', outputs: {}, events: [] };
      this.stacks.push(s);
      this.event(s, now, 'REVIEW_IN_PROGRESS', 'User Initiated');
    }
    const roleArn = input.roleArn ?? previous?.roleArn;
    const definition: Definition = { body, template, parameters, capabilities: [...input.capabilities], tags: [...input.tags], ...(roleArn ? { roleArn } : {}) };
    const cs: ChangeSet = {
      id: `arn:aws:cloudformation:${this.opts.region}:${this.opts.account}:changeSet/${input.changeSetName}/${this.id()}`,
      name: input.changeSetName,
      stackId: s.stackId,
      type: input.changeSetType,
      createdAt: now,
      definition,
      ...(input.description ? { description: input.description } : {}),
      status: 'CREATE_PENDING',
      executionStatus: 'UNAVAILABLE',
      changes: [],
    };
    this.changeSets.push(cs);
    return { changeSetId: cs.id, stackId: s.stackId };
  }

  async describeChangeSet(stackName: string, changeSetName: string): Promise<ChangeSetInfo> {
    const cs = this.changeSet('DescribeChangeSet', stackName, changeSetName);
    const s = this.stacks.find((x) => x.stackId === cs.stackId) as Stack;
    return {
      changeSetId: cs.id,
      changeSetName: cs.name,
      stackId: cs.stackId,
      stackName: s.stackName,
      status: cs.status,
      ...(cs.statusReason ? { statusReason: cs.statusReason } : {}),
      executionStatus: cs.executionStatus,
      creationTime: new Date(cs.createdAt),
      ...(cs.description ? { description: cs.description } : {}),
      parameters: { ...cs.definition.parameters },
      capabilities: [...cs.definition.capabilities],
      changes: cs.changes.map((c) => ({ ...c })),
    };
  }

  async executeChangeSet(stackName: string, changeSetName: string, clientRequestToken?: string): Promise<void> {
    const cs = this.changeSet('ExecuteChangeSet', stackName, changeSetName);
    const s = this.stacks.find((x) => x.stackId === cs.stackId) as Stack;
    if (cs.executionStatus !== 'AVAILABLE') fail('ExecuteChangeSet', 'InvalidChangeSetStatusException', `ChangeSet [${cs.id}] cannot be executed in its current status of [${cs.status}]`);
    if (s.op) fail('ExecuteChangeSet', 'ValidationError', `Stack:${s.stackId} is in ${s.status} state and can not be updated.`);
    const now = this.opts.clock();
    const changed = cs.changes.filter((c) => c.action !== 'Remove').map((c) => c.logicalResourceId);
    const failingId = changed.find((id) => cs.definition.template.resources[id]?.fail);
    const failing = failingId ? { id: failingId, reason: cs.definition.template.resources[failingId]?.fail ?? '' } : undefined;
    const kind = cs.type === 'CREATE' ? 'create' : 'update';
    s.op = { kind, phase: 'run', until: now + this.stackDelayMs, next: cs.definition, changed, changeSet: cs, ...(clientRequestToken ? { token: clientRequestToken } : {}), ...(failing ? { failing } : {}) };
    this.event(s, now, kind === 'create' ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS', 'User Initiated');
    for (const id of changed) this.event(s, now, `${kind.toUpperCase()}_IN_PROGRESS`, undefined, id, cs.definition.template.resources[id]?.type);
    cs.executionStatus = 'EXECUTE_IN_PROGRESS';
    // executing a change set removes the stack's other change sets
    for (let i = this.changeSets.length - 1; i >= 0; i--) if (this.changeSets[i]?.stackId === s.stackId && this.changeSets[i] !== cs) this.changeSets.splice(i, 1);
  }

  async deleteChangeSet(stackName: string, changeSetName: string): Promise<void> {
    const cs = this.changeSet('DeleteChangeSet', stackName, changeSetName);
    if (cs.status === 'CREATE_IN_PROGRESS' || cs.executionStatus === 'EXECUTE_IN_PROGRESS') {
      fail('DeleteChangeSet', 'InvalidChangeSetStatusException', `Cannot delete ChangeSet in status ${cs.status}`);
    }
    this.changeSets.splice(this.changeSets.indexOf(cs), 1);
  }

  async listChangeSets(stackName: string, nextToken?: string) {
    this.settle();
    const s = this.stack('ListChangeSets', stackName);
    const all = this.changeSets.filter((c) => c.stackId === s.stackId);
    const summaries = await Promise.all(all.map(async (c) => {
      const { parameters: _p, capabilities: _c, changes: _r, ...summary } = await this.describeChangeSet(s.stackId, c.id);
      return summary;
    }));
    return paged(summaries, nextToken);
  }

  async describeStackEvents(stackName: string, nextToken?: string): Promise<Page<StackEvent>> {
    this.settle();
    return paged([...this.stack('DescribeStackEvents', stackName).events].reverse(), nextToken);
  }

  /** Ends at once (the fake provisions nothing); removes the stack's change sets, as CloudFormation does. */
  async deleteStack(stackName: string): Promise<void> {
    this.settle();
    const s = this.find(stackName);
    if (!s || s.status === 'DELETE_COMPLETE') return;
    if (s.op) fail('DeleteStack', 'ValidationError', `Stack [${s.stackName}] cannot be deleted while in status ${s.status}`);
    for (let i = this.changeSets.length - 1; i >= 0; i--) if (this.changeSets[i]?.stackId === s.stackId) this.changeSets.splice(i, 1);
    this.event(s, this.opts.clock(), 'DELETE_IN_PROGRESS', 'User Initiated');
    this.event(s, this.opts.clock(), 'DELETE_COMPLETE');
  }

  async cancelUpdateStack(stackName: string, clientRequestToken?: string): Promise<void> {
    this.settle();
    const s = this.stack('CancelUpdateStack', stackName);
    if (!s.op || s.op.kind !== 'update' || s.op.phase !== 'run') {
      fail('CancelUpdateStack', 'ValidationError', 'CancelUpdateStack cannot be called from current stack status');
    }
    const { token: _update, ...op } = s.op as Operation;
    const now = this.opts.clock();
    // from here on the events are the cancel's (its token, or none), as CloudFormation writes them
    s.op = { ...op, phase: 'rollback', until: now + this.stackDelayMs, ...(clientRequestToken ? { token: clientRequestToken } : {}) };
    this.event(s, now, 'UPDATE_ROLLBACK_IN_PROGRESS', 'Stack update cancelled');
  }
}
