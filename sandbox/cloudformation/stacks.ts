// Stack actions: CreateStack, UpdateStack, DeleteStack, DescribeStacks, DescribeStackEvents,
// DescribeStackResources, GetTemplate, ValidateTemplate.
import { members, node, text } from '../iam/iam-xml.js';
import { AwsError } from '../types.js';
import {
  checkRole, newOperation, prepare, requireStack, sameDefinition, stackArn, templateSource,
  type CfnAction, type CfnContext,
} from './cfn-context.js';
import { findStack, isInProgress, type StackDefinition, type StackRecord } from './cfn-state.js';
import { bool, eventXml, notificationInputs, page, required, stackXml, tagInputs, validation } from './cfn-wire.js';
import { requiredCapabilities } from './resources.js';
import { setStackStatus } from './stack-machine.js';
import { templateOf } from './template-cache.js';
import { parseTemplate, type ParameterDecl } from './template-parse.js';

const STACK_NAME = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;

/** The declarations of the stack's parameters (NoEcho), tolerant of a template that no longer parses. */
export function declsOf(definition: StackDefinition): Readonly<Record<string, ParameterDecl>> {
  try {
    return templateOf(definition).Parameters;
  } catch {
    return {};
  }
}

function checkStackName(name: string): void {
  if (!STACK_NAME.test(name)) {
    throw validation(`1 validation error detected: Value '${name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`);
  }
}

/** A new stack record in REVIEW_IN_PROGRESS (change sets) or about to be created. */
export function newStack(ctx: CfnContext, name: string, fields: Partial<StackRecord>): StackRecord {
  const stackId = stackArn(ctx, name, ctx.machine.newId());
  const stack: StackRecord = {
    stackId, stackName: name, status: 'REVIEW_IN_PROGRESS', creationTime: ctx.machine.now().toISOString(),
    definition: { templateBody: '', parameters: {} }, capabilities: [], tags: [], notificationArns: [], disableRollback: false,
    resources: {}, outputs: [], events: [], ...fields,
  };
  Object.defineProperty(ctx.doc.stacks, stackId, { value: stack, enumerable: true, writable: true, configurable: true });
  return stack;
}

const createStack: CfnAction = async (ctx, params) => {
  const name = required(params, 'StackName');
  checkStackName(name);
  if (findStack(ctx.doc, name)) throw new AwsError('AlreadyExistsException', `Stack [${name}] already exists`);
  const prepared = await prepare(ctx, params, name);
  const disableRollback = bool(params, 'DisableRollback') === true;
  const onFailureParam = params.get('OnFailure');
  if (onFailureParam !== null && params.has('DisableRollback')) throw validation('You may only specify one of OnFailure or DisableRollback');
  const onFailure = (onFailureParam ?? (disableRollback ? 'DO_NOTHING' : 'ROLLBACK')) as 'ROLLBACK' | 'DELETE' | 'DO_NOTHING';
  if (!['ROLLBACK', 'DELETE', 'DO_NOTHING'].includes(onFailure)) throw validation(`1 validation error detected: Value '${onFailure}' at 'onFailure' failed to satisfy constraint: Member must satisfy enum value set: [DO_NOTHING, ROLLBACK, DELETE]`);
  if (findStack(ctx.doc, name)) throw new AwsError('AlreadyExistsException', `Stack [${name}] already exists`);
  const token = params.get('ClientRequestToken');
  const timeout = params.get('TimeoutInMinutes');
  const stack = newStack(ctx, name, {
    status: 'CREATE_IN_PROGRESS',
    capabilities: prepared.capabilities,
    tags: tagInputs(params) ?? [],
    notificationArns: notificationInputs(params),
    disableRollback: onFailure === 'DO_NOTHING',
    definition: { templateBody: prepared.definition.templateBody, parameters: prepared.definition.parameters },
    ...(prepared.template.Description !== undefined ? { description: prepared.template.Description } : {}),
    ...(prepared.roleArn ? { roleArn: prepared.roleArn } : {}),
    ...(timeout !== null ? { timeoutInMinutes: Number(timeout) } : {}),
  });
  stack.op = newOperation('create', prepared.definition, { onFailure, ...(token ? { clientRequestToken: token } : {}) });
  setStackStatus(stack, ctx.machine, 'CREATE_IN_PROGRESS', 'User Initiated');
  ctx.start(stack);
  return text('StackId', stack.stackId);
};

/** A stack UpdateStack / ExecuteChangeSet may change now, or the ValidationError AWS answers. */
export function updatableStack(ctx: CfnContext, nameOrId: string): StackRecord {
  const stack = findStack(ctx.doc, nameOrId);
  if (!stack || stack.status === 'DELETE_COMPLETE') throw validation(`Stack [${nameOrId}] does not exist`);
  if (isInProgress(stack.status) || ['ROLLBACK_COMPLETE', 'ROLLBACK_FAILED', 'CREATE_FAILED', 'DELETE_FAILED', 'UPDATE_ROLLBACK_FAILED'].includes(stack.status)) {
    throw validation(`Stack:${stack.stackId} is in ${stack.status} state and can not be updated.`);
  }
  return stack;
}

/** Starts an update of the stack to the prepared definition. */
export function startUpdate(ctx: CfnContext, stack: StackRecord, change: Pick<StackRecord, 'definition' | 'capabilities'> & Partial<Pick<StackRecord, 'roleArn' | 'tags'>>, token?: string): void {
  stack.op = newOperation('update', change.definition, {
    previous: { definition: stack.definition, resources: structuredClone(stack.resources), outputs: stack.outputs },
    ...(token ? { clientRequestToken: token } : {}),
  });
  stack.capabilities = change.capabilities;
  if (change.roleArn) stack.roleArn = change.roleArn;
  if (change.tags) stack.tags = change.tags;
  stack.lastUpdatedTime = ctx.machine.now().toISOString();
  const description = parseTemplate(change.definition.templateBody).Description;
  if (description === undefined) delete stack.description;
  else stack.description = description;
  setStackStatus(stack, ctx.machine, 'UPDATE_IN_PROGRESS', 'User Initiated');
  ctx.start(stack);
}

const updateStack: CfnAction = async (ctx, params) => {
  const nameOrId = required(params, 'StackName');
  const stack = updatableStack(ctx, nameOrId);
  const prepared = await prepare(ctx, params, stack.stackName, stack);
  const tags = tagInputs(params);
  const tagsChanged = tags !== undefined && JSON.stringify(tags) !== JSON.stringify(stack.tags);
  if (sameDefinition(prepared.definition, stack.definition) && !tagsChanged) throw validation('No updates are to be performed.');
  updatableStack(ctx, nameOrId); // still updatable after the template was read
  startUpdate(ctx, stack, { ...prepared, ...(tags ? { tags } : {}) }, params.get('ClientRequestToken') ?? undefined);
  return text('StackId', stack.stackId);
};

const deleteStack: CfnAction = async (ctx, params) => {
  const nameOrId = required(params, 'StackName');
  const stack = findStack(ctx.doc, nameOrId);
  if (!stack || stack.status === 'DELETE_COMPLETE' || stack.status === 'DELETE_IN_PROGRESS') return '';
  if (isInProgress(stack.status) && stack.status !== 'REVIEW_IN_PROGRESS') throw validation(`Stack [${stack.stackName}] cannot be deleted while in status ${stack.status}`);
  checkRole(ctx, params.get('RoleARN'));
  for (const [id, cs] of Object.entries(ctx.doc.changeSets)) if (cs.stackId === stack.stackId) delete ctx.doc.changeSets[id];
  const token = params.get('ClientRequestToken');
  stack.op = newOperation('delete', stack.definition, token ? { clientRequestToken: token } : {});
  setStackStatus(stack, ctx.machine, 'DELETE_IN_PROGRESS', 'User Initiated');
  if (stack.definition.templateBody === '') {
    delete stack.op;
    stack.deletionTime = ctx.machine.now().toISOString();
    setStackStatus(stack, ctx.machine, 'DELETE_COMPLETE');
  } else ctx.start(stack);
  return '';
};

const describeStacks: CfnAction = async (ctx, params) => {
  const nameOrId = params.get('StackName');
  const stacks = nameOrId ? [requireStack(ctx, nameOrId)] : Object.values(ctx.doc.stacks).filter((s) => s.status !== 'DELETE_COMPLETE');
  const { items, next } = page(stacks, params, 100);
  return members('Stacks', items, (s) => stackXml(s, declsOf(s.definition))) + text('NextToken', next);
};

const describeStackEvents: CfnAction = async (ctx, params) => {
  const stack = requireStack(ctx, required(params, 'StackName'));
  const { items, next } = page([...stack.events].reverse(), params, 100);
  return members('StackEvents', items, (e) => eventXml(stack, e)) + text('NextToken', next);
};

const describeStackResources: CfnAction = async (ctx, params) => {
  const stack = requireStack(ctx, required(params, 'StackName'));
  const logical = params.get('LogicalResourceId');
  const resources = Object.values(stack.resources).filter((r) => logical === null || r.logicalId === logical);
  return members('StackResources', resources, (r) =>
    text('StackName', stack.stackName) + text('StackId', stack.stackId) + text('LogicalResourceId', r.logicalId) +
    text('PhysicalResourceId', r.physicalId) + text('ResourceType', r.type) + text('Timestamp', r.lastUpdated) +
    text('ResourceStatus', r.status) + text('ResourceStatusReason', r.statusReason) +
    node('DriftInformation', text('StackResourceDriftStatus', 'NOT_CHECKED')),
  );
};

const getTemplate: CfnAction = async (ctx, params) => {
  const changeSet = params.get('ChangeSetName');
  if (changeSet) {
    const cs = Object.values(ctx.doc.changeSets).find((c) => c.changeSetId === changeSet || (c.changeSetName === changeSet && c.stackName === params.get('StackName')));
    if (!cs) throw new AwsError('ChangeSetNotFound', `ChangeSet [${changeSet}] does not exist`, 404);
    return text('TemplateBody', cs.definition.templateBody) + members('StagesAvailable', ['Original', 'Processed'], (s) => s);
  }
  const stack = requireStack(ctx, required(params, 'StackName'));
  return text('TemplateBody', stack.definition.templateBody) + members('StagesAvailable', ['Original', 'Processed'], (s) => s);
};

const validateTemplate: CfnAction = async (ctx, params) => {
  const template = parseTemplate(await templateSource(ctx, params));
  const need = requiredCapabilities(template);
  return (
    members('Parameters', Object.entries(template.Parameters), ([k, p]) =>
      text('ParameterKey', k) + text('DefaultValue', p.Default) + text('NoEcho', p.NoEcho ?? false) + text('Description', p.Description),
    ) +
    text('Description', template.Description) +
    members('Capabilities', need.capabilities, (c) => c) +
    text('CapabilitiesReason', need.reason) +
    members('DeclaredTransforms', template.Transform, (t) => t.replace(/[<>&]/g, ''))
  );
};

export const stackActions: Readonly<Record<string, CfnAction>> = {
  CreateStack: createStack,
  UpdateStack: updateStack,
  DeleteStack: deleteStack,
  DescribeStacks: describeStacks,
  DescribeStackEvents: describeStackEvents,
  DescribeStackResources: describeStackResources,
  GetTemplate: getTemplate,
  ValidateTemplate: validateTemplate,
};
