// Change sets: CreateChangeSet (CREATE: the stack appears in REVIEW_IN_PROGRESS; UPDATE), the
// changes as CloudFormation lists them (Add / Modify / Remove, Replacement), DescribeChangeSet,
// ListChangeSets, ExecuteChangeSet and DeleteChangeSet. A change set without changes ends FAILED.
import { text } from '../iam/iam-xml.js';
import { members } from '../iam/iam-xml.js';
import { AwsError } from '../types.js';
import { newOperation, prepare, requireStack, sameDefinition, stackEnv, type CfnAction, type CfnContext } from './cfn-context.js';
import { findStack, type ChangeRecord, type ChangeSetRecord, type StackRecord } from './cfn-state.js';
import { changeSetXml, required, tagInputs, validation } from './cfn-wire.js';
import { needsReplacement } from './resources.js';
import { evaluateResource, includedResources, stackView } from './stack-context.js';
import { setStackStatus } from './stack-machine.js';
import { declsOf, newStack, startUpdate, updatableStack } from './stacks.js';

const CHANGE_SET_NAME = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;
const NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set.";

/** The resource changes from the stack's current resources to the new definition. */
function computeChanges(ctx: CfnContext, stack: StackRecord, cs: ChangeSetRecord): ChangeRecord[] {
  const view = stackView(cs.definition, stackEnv(ctx, stack.stackName, stack.stackId), stack.resources);
  const wanted = includedResources(view);
  const changes: ChangeRecord[] = [];
  for (const id of wanted) {
    const type = view.template.Resources[id]!.Type;
    const live = Object.hasOwn(stack.resources, id) ? stack.resources[id] : undefined;
    if (!live || live.status === 'DELETE_COMPLETE') {
      changes.push({ action: 'Add', logicalId: id, resourceType: type });
      continue;
    }
    let evaluated: ReturnType<typeof evaluateResource> | undefined;
    try {
      evaluated = evaluateResource(view, id);
    } catch {
      evaluated = undefined; // refers to a resource the change set would add: it changes
    }
    const same = evaluated && live.type === type && JSON.stringify([live.properties, live.metadata]) === JSON.stringify([evaluated.properties, evaluated.metadata]);
    if (!same) {
      const replace = live.type !== type || (evaluated !== undefined && needsReplacement(type, live.properties, evaluated.properties));
      changes.push({ action: 'Modify', logicalId: id, physicalId: live.physicalId, resourceType: type, replacement: replace ? 'True' : 'False' });
    }
  }
  for (const r of Object.values(stack.resources)) {
    if (!wanted.includes(r.logicalId) && r.status !== 'DELETE_COMPLETE') changes.push({ action: 'Remove', logicalId: r.logicalId, physicalId: r.physicalId, resourceType: r.type });
  }
  return changes;
}

function findChangeSet(ctx: CfnContext, params: URLSearchParams): ChangeSetRecord {
  const name = required(params, 'ChangeSetName');
  const stackName = params.get('StackName');
  let cs: ChangeSetRecord | undefined;
  if (name.startsWith('arn:')) cs = Object.hasOwn(ctx.doc.changeSets, name) ? ctx.doc.changeSets[name] : undefined;
  else {
    if (stackName === null) throw validation('StackName must be specified if ChangeSetName is not specified as an ARN.');
    const stack = findStack(ctx.doc, stackName);
    cs = Object.values(ctx.doc.changeSets).find((c) => c.changeSetName === name && c.stackId === stack?.stackId);
  }
  if (!cs) throw new AwsError('ChangeSetNotFound', `ChangeSet [${name}] does not exist`, 404);
  return cs;
}

const createChangeSet: CfnAction = async (ctx, params) => {
  const stackName = required(params, 'StackName');
  const name = required(params, 'ChangeSetName');
  if (!CHANGE_SET_NAME.test(name)) {
    throw validation(`1 validation error detected: Value '${name}' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`);
  }
  const type = (params.get('ChangeSetType') ?? 'UPDATE') as 'CREATE' | 'UPDATE';
  if (type !== 'CREATE' && type !== 'UPDATE') throw validation(`1 validation error detected: Value '${type}' at 'changeSetType' failed to satisfy constraint: Member must satisfy enum value set: [UPDATE, CREATE]`);
  let stack = findStack(ctx.doc, stackName);
  if (type === 'CREATE' && stack && stack.status !== 'REVIEW_IN_PROGRESS') throw new AwsError('AlreadyExistsException', `Stack [${stackName}] already exists and cannot be created again with the changeSet [${name}].`);
  if (type === 'UPDATE' && (!stack || stack.status === 'REVIEW_IN_PROGRESS')) throw validation(`Stack [${stackName}] does not exist`);
  if (stack && Object.values(ctx.doc.changeSets).some((c) => c.stackId === stack!.stackId && c.changeSetName === name)) {
    throw new AwsError('AlreadyExistsException', `ChangeSet ${name} cannot be created due to a mismatch with existing attribute Template`);
  }
  const prepared = await prepare(ctx, params, stack?.stackName ?? stackName, type === 'UPDATE' ? stack : undefined);
  if (!stack) stack = newStack(ctx, stackName, {});
  if (type === 'CREATE' && stack.events.length === 0) setStackStatus(stack, ctx.machine, 'REVIEW_IN_PROGRESS', 'User Initiated');
  const description = params.get('Description');
  const tags = tagInputs(params);
  const cs: ChangeSetRecord = {
    changeSetId: `arn:aws:cloudformation:${ctx.region}:${ctx.accountId}:changeSet/${name}/${ctx.machine.newId()}`,
    changeSetName: name, stackId: stack.stackId, stackName: stack.stackName, type,
    status: 'CREATE_COMPLETE', executionStatus: 'AVAILABLE', creationTime: ctx.machine.now().toISOString(),
    definition: prepared.definition, capabilities: prepared.capabilities, changes: [],
    ...(description !== null ? { description } : {}), ...(prepared.roleArn ? { roleArn: prepared.roleArn } : {}), ...(tags ? { tags } : {}),
  };
  cs.changes = computeChanges(ctx, stack, cs);
  const tagsChanged = tags !== undefined && JSON.stringify(tags) !== JSON.stringify(stack.tags);
  if (type === 'UPDATE' && cs.changes.length === 0 && sameDefinition(cs.definition, stack.definition) && !tagsChanged) {
    Object.assign(cs, { status: 'FAILED', statusReason: NO_CHANGES, executionStatus: 'UNAVAILABLE' });
  }
  Object.defineProperty(ctx.doc.changeSets, cs.changeSetId, { value: cs, enumerable: true, writable: true, configurable: true });
  ctx.machine.changed();
  return text('Id', cs.changeSetId) + text('StackId', stack.stackId);
};

const describeChangeSet: CfnAction = async (ctx, params) => {
  const cs = findChangeSet(ctx, params);
  return changeSetXml(cs, declsOf(cs.definition), false);
};

const listChangeSets: CfnAction = async (ctx, params) => {
  const stack = requireStack(ctx, required(params, 'StackName'));
  const sets = Object.values(ctx.doc.changeSets).filter((c) => c.stackId === stack.stackId);
  return members('Summaries', sets, (c) => changeSetXml(c, {}, true));
};

const executeChangeSet: CfnAction = async (ctx, params) => {
  const cs = findChangeSet(ctx, params);
  if (cs.executionStatus !== 'AVAILABLE') {
    throw new AwsError('InvalidChangeSetStatus', `ChangeSet [${cs.changeSetId}] cannot be executed in its current status of [${cs.status}]`);
  }
  const stack = requireStack(ctx, cs.stackId);
  const token = params.get('ClientRequestToken') ?? undefined;
  if (cs.type === 'CREATE') {
    if (stack.status !== 'REVIEW_IN_PROGRESS') throw validation(`Stack:${stack.stackId} is in ${stack.status} state and can not be updated.`);
    Object.assign(stack, { definition: cs.definition, capabilities: cs.capabilities, tags: cs.tags ?? [] });
    if (cs.roleArn) stack.roleArn = cs.roleArn;
    stack.op = newOperation('create', cs.definition, token ? { clientRequestToken: token } : {});
    setStackStatus(stack, ctx.machine, 'CREATE_IN_PROGRESS', 'User Initiated');
    ctx.start(stack);
  } else {
    updatableStack(ctx, stack.stackId);
    startUpdate(ctx, stack, { definition: cs.definition, capabilities: cs.capabilities, ...(cs.roleArn ? { roleArn: cs.roleArn } : {}), ...(cs.tags ? { tags: cs.tags } : {}) }, token);
  }
  // Executing a change set removes every change set of the stack.
  for (const [id, other] of Object.entries(ctx.doc.changeSets)) if (other.stackId === stack.stackId) delete ctx.doc.changeSets[id];
  ctx.machine.changed();
  return '';
};

const deleteChangeSet: CfnAction = async (ctx, params) => {
  const cs = findChangeSet(ctx, params);
  delete ctx.doc.changeSets[cs.changeSetId];
  ctx.machine.changed();
  return '';
};

export const changeSetActions: Readonly<Record<string, CfnAction>> = {
  CreateChangeSet: createChangeSet,
  DescribeChangeSet: describeChangeSet,
  ListChangeSets: listChangeSets,
  ExecuteChangeSet: executeChangeSet,
  DeleteChangeSet: deleteChangeSet,
};
