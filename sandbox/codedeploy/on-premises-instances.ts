// On-premises instances: registration by IAM user or session ARN, tags, listing, and the lookup the
// Commands API uses to find which instance a signing principal is.
import type {
  BatchGetOnPremisesInstancesOutput,
  GetOnPremisesInstanceOutput,
  ListOnPremisesInstancesOutput,
  Tag,
  TagFilter,
} from '@aws-sdk/client-codedeploy';
import { AwsError } from '../types.js';
import type { OpContext, Operation } from './context.js';
import type { Input } from './input.js';
import { optionalArray, optionalString, paginate, requireString } from './input.js';
import type { CodeDeployState, InstanceRecord, Wire } from './state.js';
import { newInstanceArn } from './state.js';
import { effectiveFilterType, matchesTagGroup } from './target-selection.js';

const INSTANCE_NAME = /^[A-Za-z0-9_.@+=,:/-]{1,100}$/;
const IAM_USER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:user\/.+$/;
const IAM_SESSION_ARN = /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/[^/]+\/.+$/;
const MAX_INSTANCES_PER_TAG_CALL = 10;
const MAX_TAGS_PER_INSTANCE = 10;
const PAGE_SIZE = 100;

/** The host identity an instance polls as. */
export function hostIdentifierOf(instance: InstanceRecord): string {
  return instance.iamUserArn ?? instance.iamSessionArn ?? '';
}

export function isRegistered(instance: InstanceRecord): boolean {
  return instance.deregisterTime === undefined;
}

/** arn → instance name, for registered instances; rebuilt lazily per state document. */
const arnIndexes = new WeakMap<CodeDeployState, Map<string, string>>();

export function findRegisteredByArn(state: CodeDeployState, arn: string): InstanceRecord | undefined {
  let index = arnIndexes.get(state);
  if (!index) {
    index = new Map();
    for (const inst of Object.values(state.instances)) if (isRegistered(inst)) index.set(hostIdentifierOf(inst), inst.instanceName);
    arnIndexes.set(state, index);
  }
  const name = index.get(arn);
  const inst = name === undefined ? undefined : state.instances[name];
  return inst && isRegistered(inst) && hostIdentifierOf(inst) === arn ? inst : undefined;
}

function instanceNameFrom(input: Input): string {
  const name = requireString(input, 'instanceName', 'InstanceNameRequiredException', 'InvalidInstanceNameException');
  if (!INSTANCE_NAME.test(name)) throw new AwsError('InvalidInstanceNameException', 'The on-premises instance name was specified in an invalid format.');
  return name;
}

function requireRegistered(ctx: OpContext, name: string): InstanceRecord {
  const inst = ctx.state.instances[name];
  if (!inst || !isRegistered(inst)) throw new AwsError('InstanceNotRegisteredException', 'The specified on-premises instance is not registered.');
  return inst;
}

const registerOnPremisesInstance: Operation = (ctx, input) => {
  const name = instanceNameFrom(input);
  const userArn = optionalString(input, 'iamUserArn') || undefined;
  const sessionArn = optionalString(input, 'iamSessionArn') || undefined;
  if (!userArn && !sessionArn) throw new AwsError('IamArnRequiredException', 'No IAM ARN was included in the request. You must use an IAM session ARN or user ARN in the request.');
  if (userArn && sessionArn) {
    throw new AwsError('MultipleIamArnsProvidedException', 'Both an user ARN and a session ARN were included in the request. Use only one ARN type.');
  }
  if (userArn && !IAM_USER_ARN.test(userArn)) throw new AwsError('InvalidIamUserArnException', 'The IAM user ARN was specified in an invalid format.');
  if (sessionArn && !IAM_SESSION_ARN.test(sessionArn)) throw new AwsError('InvalidIamSessionArnException', 'The IAM session ARN was specified in an invalid format.');
  const existing = ctx.state.instances[name];
  if (existing && isRegistered(existing)) throw new AwsError('InstanceNameAlreadyRegisteredException', 'The specified on-premises instance name is already registered.');
  const arn = (userArn ?? sessionArn) as string;
  if (findRegisteredByArn(ctx.state, arn)) {
    throw userArn
      ? new AwsError('IamUserArnAlreadyRegisteredException', 'The specified IAM user ARN is already registered with an on-premises instance.')
      : new AwsError('IamSessionArnAlreadyRegisteredException', 'The request included an IAM session ARN that has already been used to register a different instance.');
  }
  const record: InstanceRecord = {
    instanceName: name,
    ...(userArn ? { iamUserArn: userArn } : { iamSessionArn: sessionArn }),
    instanceArn: newInstanceArn(ctx.region, ctx.accountId, name),
    registerTime: ctx.now,
    tags: [],
  };
  addRegisteredInstance(ctx.state, record);
  ctx.changed();
  return {};
};

/** Stores a registered instance and indexes its ARN (RegisterOnPremisesInstance, bulk virtual hosts). */
export function addRegisteredInstance(state: CodeDeployState, record: InstanceRecord): void {
  state.instances[record.instanceName] = record;
  arnIndexes.get(state)?.set(hostIdentifierOf(record), record.instanceName);
}

const deregisterOnPremisesInstance: Operation = (ctx, input) => {
  const name = instanceNameFrom(input);
  const inst = ctx.state.instances[name];
  if (inst && isRegistered(inst)) {
    inst.deregisterTime = ctx.now;
    // "Deregistering an on-premises instance removes any on-premises instance tags" (CodeDeploy guide).
    inst.tags = [];
    arnIndexes.get(ctx.state)?.delete(hostIdentifierOf(inst));
    ctx.changed();
  }
  return {};
};

const getOnPremisesInstance: Operation = (ctx, input): Wire<GetOnPremisesInstanceOutput> => {
  const name = instanceNameFrom(input);
  const inst = ctx.state.instances[name];
  if (!inst) throw new AwsError('InstanceNotRegisteredException', 'The specified on-premises instance is not registered.');
  return { instanceInfo: inst };
};

const batchGetOnPremisesInstances: Operation = (ctx, input): Wire<BatchGetOnPremisesInstancesOutput> => {
  const names = optionalArray<string>(input, 'instanceNames');
  if (names === undefined) throw new AwsError('InstanceNameRequiredException', 'An on-premises instance name was not specified.');
  if (names.length > 100) throw new AwsError('BatchLimitExceededException', 'The maximum number of names or IDs allowed for this request (100) was exceeded.');
  for (const n of names) if (typeof n !== 'string' || !INSTANCE_NAME.test(n)) throw new AwsError('InvalidInstanceNameException', 'The on-premises instance name was specified in an invalid format.');
  const instanceInfos = names.map((n) => ctx.state.instances[n]).filter((i) => i !== undefined);
  return { instanceInfos };
};

const listOnPremisesInstances: Operation = (ctx, input): ListOnPremisesInstancesOutput => {
  const status = optionalString(input, 'registrationStatus');
  if (status !== undefined && status !== 'Registered' && status !== 'Deregistered') {
    throw new AwsError('InvalidRegistrationStatusException', 'The registration status was specified in an invalid format.');
  }
  const filters = optionalArray<Wire<TagFilter>>(input, 'tagFilters') ?? [];
  if (filters.some((f) => effectiveFilterType(f) === undefined)) throw new AwsError('InvalidTagFilterException', 'The tag filter was specified in an invalid format.');
  const names = Object.values(ctx.state.instances)
    .filter((i) => status === undefined || (status === 'Registered') === isRegistered(i))
    .filter((i) => filters.length === 0 || matchesTagGroup(i.tags ?? [], filters))
    .map((i) => i.instanceName)
    .sort();
  const scope = `instances:${status ?? ''}:${JSON.stringify(filters)}`;
  const page = paginate(names, optionalString(input, 'nextToken'), PAGE_SIZE, scope);
  return { instanceNames: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

/** Validates a tag call's instance names and tags; returns the registered instances. */
function tagCallTargets(ctx: OpContext, input: Input): { instances: InstanceRecord[]; tags: Wire<Tag>[] } {
  const tags = optionalArray<Wire<Tag>>(input, 'tags');
  if (!tags || tags.length === 0) throw new AwsError('TagRequiredException', 'A tag was not specified.');
  const names = optionalArray<string>(input, 'instanceNames');
  if (!names || names.length === 0) throw new AwsError('InstanceNameRequiredException', 'An on-premises instance name was not specified.');
  if (names.length > MAX_INSTANCES_PER_TAG_CALL) {
    throw new AwsError('InstanceLimitExceededException', 'The maximum number of allowed on-premises instances in a single call was exceeded.');
  }
  for (const tag of tags) {
    if (typeof tag !== 'object' || tag === null || typeof tag.Key !== 'string' || tag.Key.length === 0 || tag.Key.length > 128) {
      throw new AwsError('InvalidTagException', 'The tag was specified in an invalid format.');
    }
    if (tag.Value !== undefined && (typeof tag.Value !== 'string' || tag.Value.length > 256)) {
      throw new AwsError('InvalidTagException', 'The tag was specified in an invalid format.');
    }
  }
  for (const n of names) if (typeof n !== 'string' || !INSTANCE_NAME.test(n)) throw new AwsError('InvalidInstanceNameException', 'The on-premises instance name was specified in an invalid format.');
  return { instances: names.map((n) => requireRegistered(ctx, n)), tags };
}

const addTagsToOnPremisesInstances: Operation = (ctx, input) => {
  const { instances, tags } = tagCallTargets(ctx, input);
  const merged = instances.map((inst) => {
    const byKey = new Map((inst.tags ?? []).map((t) => [t.Key ?? '', t] as const));
    for (const t of tags) byKey.set(t.Key ?? '', { Key: t.Key, Value: t.Value ?? '' });
    return [...byKey.values()];
  });
  if (merged.some((m) => m.length > MAX_TAGS_PER_INSTANCE)) {
    throw new AwsError('TagLimitExceededException', 'The maximum allowed number of tags was exceeded.');
  }
  instances.forEach((inst, i) => {
    inst.tags = merged[i];
  });
  ctx.changed();
  return {};
};

const removeTagsFromOnPremisesInstances: Operation = (ctx, input) => {
  const { instances, tags } = tagCallTargets(ctx, input);
  for (const inst of instances) {
    inst.tags = (inst.tags ?? []).filter((t) => !tags.some((r) => r.Key === t.Key && (r.Value === undefined || r.Value === t.Value)));
  }
  ctx.changed();
  return {};
};

export const onPremisesInstanceOperations: Readonly<Record<string, Operation>> = {
  RegisterOnPremisesInstance: registerOnPremisesInstance,
  DeregisterOnPremisesInstance: deregisterOnPremisesInstance,
  GetOnPremisesInstance: getOnPremisesInstance,
  BatchGetOnPremisesInstances: batchGetOnPremisesInstances,
  ListOnPremisesInstances: listOnPremisesInstances,
  AddTagsToOnPremisesInstances: addTagsToOnPremisesInstances,
  RemoveTagsFromOnPremisesInstances: removeTagsFromOnPremisesInstances,
};
