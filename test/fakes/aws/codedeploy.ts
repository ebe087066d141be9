// Fake CodeDeploy for one account and region: on-premises instances (register, deregister, tags),
// applications and deployment groups (seeded by tests), revisions, and deployments whose targets are
// the registered instances matching the group's tag sets. Deployments move only when a test says so
// (`progress`), so planners and executors can be driven step by step.
import type {
  CodeDeployPort,
  CreateDeploymentGroupInput,
  CreateDeploymentInput,
  DeploymentGroupInfo,
  DeploymentGroupSettings,
  DeploymentInfo,
  DeploymentStatus,
  DeploymentTarget,
  GroupDeployment,
  MinimumHealthyHosts,
  OnPremisesInstance,
  Page,
  RegistrationStatus,
  S3Revision,
  Tag,
  UpdateDeploymentGroupInput,
} from '../../../controller/aws/ports.js';
import { failer } from './errors.js';

const fail = failer('codedeploy');
const ACTIVE: readonly DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'];
const PAGE = 100;
const BUILT_IN_CONFIGS = ['CodeDeployDefault.OneAtATime', 'CodeDeployDefault.HalfAtATime', 'CodeDeployDefault.AllAtOnce'];

function page<T>(all: readonly T[], nextToken: string | undefined): Page<T> {
  const start = nextToken ? Number(nextToken) : 0;
  return { items: all.slice(start, start + PAGE), ...(start + PAGE < all.length ? { nextToken: String(start + PAGE) } : {}) };
}

interface Instance {
  iamUserArn?: string;
  iamSessionArn?: string;
  registerTime: Date;
  deregisterTime?: Date;
  tags: Tag[];
}

interface Deployment {
  info: DeploymentInfo;
  /** As CreateDeployment asked (config, auto rollback). */
  readonly input: CreateDeploymentInput;
  targets: Map<string, { status: string; lastUpdatedAt: Date }>;
}

export interface GroupSeed {
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly onPremisesTagSets?: readonly (readonly Tag[])[];
  readonly deploymentConfigName?: string;
  readonly autoRollbackEvents?: readonly string[];
}

export class FakeCodeDeploy implements CodeDeployPort {
  readonly instances = new Map<string, Instance>();
  readonly applications = new Set<string>();
  readonly groups = new Map<string, DeploymentGroupInfo>();
  readonly revisions = new Map<string, S3Revision[]>();
  readonly deployments = new Map<string, Deployment>();
  readonly configs = new Map<string, MinimumHealthyHosts | undefined>(BUILT_IN_CONFIGS.map((n) => [n, undefined]));
  private ids = 0;

  constructor(private readonly opts: { account: string; region: string; clock: () => Date }) {}

  /** Test set-up: an application and a deployment group. */
  seedGroup(seed: GroupSeed): this {
    this.applications.add(seed.applicationName);
    this.groups.set(`${seed.applicationName}/${seed.deploymentGroupName}`, {
      applicationName: seed.applicationName,
      deploymentGroupName: seed.deploymentGroupName,
      deploymentGroupId: `dg-${this.groups.size + 1}`,
      deploymentConfigName: seed.deploymentConfigName ?? 'CodeDeployDefault.OneAtATime',
      serviceRoleArn: `arn:aws:iam::${this.opts.account}:role/CodeDeployServiceRole`,
      onPremisesTagSets: seed.onPremisesTagSets ?? [],
      autoRollbackEvents: seed.autoRollbackEvents ?? [],
    });
    return this;
  }

  /** Test control: move a deployment (and optionally its targets) on. */
  progress(deploymentId: string, status: DeploymentStatus, targets: Record<string, string> = {}): void {
    const d = this.deployment('Progress', deploymentId);
    const now = this.opts.clock();
    d.info = { ...d.info, status, ...(['Succeeded', 'Failed', 'Stopped'].includes(status) ? { completeTime: now } : {}) };
    for (const [id, s] of Object.entries(targets)) d.targets.set(id, { status: s, lastUpdatedAt: now });
  }

  private instance(operation: string, name: string): Instance {
    const i = this.instances.get(name);
    if (!i) return fail(operation, 'InstanceNotRegisteredException', 400, `The on-premises instance ${name} is not registered.`);
    return i;
  }

  private view(name: string, i: Instance): OnPremisesInstance {
    const arn = i.iamUserArn ? { iamUserArn: i.iamUserArn } : i.iamSessionArn ? { iamSessionArn: i.iamSessionArn } : {};
    return {
      instanceName: name,
      ...arn,
      instanceArn: `arn:aws:codedeploy:${this.opts.region}:${this.opts.account}:instance/${name}`,
      registerTime: i.registerTime,
      ...(i.deregisterTime ? { deregisterTime: i.deregisterTime } : {}),
      tags: i.tags.map((t) => ({ ...t })),
    };
  }

  private deployment(operation: string, id: string): Deployment {
    const d = this.deployments.get(id);
    if (!d) return fail(operation, 'DeploymentDoesNotExistException', 400, `The deployment ${id} could not be found.`);
    return d;
  }

  private group(operation: string, app: string, group: string): DeploymentGroupInfo {
    if (!this.applications.has(app)) fail(operation, 'ApplicationDoesNotExistException', 400, `No application found for name: ${app}`);
    const g = this.groups.get(`${app}/${group}`);
    if (!g) return fail(operation, 'DeploymentGroupDoesNotExistException', 400, `No Deployment Group found for name: ${group}`);
    return g;
  }

  async registerOnPremisesInstance(input: { instanceName: string; iamUserArn?: string; iamSessionArn?: string }) {
    const op = 'RegisterOnPremisesInstance';
    if (!/^[\w.@+=,-]{1,100}$/.test(input.instanceName)) fail(op, 'InvalidInstanceNameException', 400, 'The on-premises instance name was specified in an invalid format.');
    if (input.iamUserArn && input.iamSessionArn) fail(op, 'MultipleIamArnsProvidedException', 400, 'Both an IAM user ARN and an IAM session ARN were included in the request.');
    if (!input.iamUserArn && !input.iamSessionArn) fail(op, 'IamArnRequiredException', 400, 'No IAM ARN was included in the request.');
    const existing = this.instances.get(input.instanceName);
    if (existing && !existing.deregisterTime) fail(op, 'InstanceNameAlreadyRegisteredException', 400, `The on-premises instance name ${input.instanceName} is already registered.`);
    for (const i of this.instances.values()) {
      if (i.deregisterTime) continue;
      if (input.iamUserArn && i.iamUserArn === input.iamUserArn) fail(op, 'IamUserArnAlreadyRegisteredException', 400, 'The specified IAM user ARN is already registered with an on-premises instance.');
      if (input.iamSessionArn && i.iamSessionArn === input.iamSessionArn) fail(op, 'IamSessionArnAlreadyRegisteredException', 400, 'The request included an IAM session ARN that has already been used to register a different instance.');
    }
    this.instances.set(input.instanceName, {
      ...(input.iamUserArn ? { iamUserArn: input.iamUserArn } : { iamSessionArn: input.iamSessionArn as string }),
      registerTime: this.opts.clock(),
      tags: [],
    });
  }

  async deregisterOnPremisesInstance(instanceName: string) {
    const i = this.instance('DeregisterOnPremisesInstance', instanceName);
    i.deregisterTime ??= this.opts.clock();
  }

  async getOnPremisesInstance(instanceName: string) {
    return this.view(instanceName, this.instance('GetOnPremisesInstance', instanceName));
  }

  async batchGetOnPremisesInstances(instanceNames: readonly string[]) {
    if (instanceNames.length > 100) fail('BatchGetOnPremisesInstances', 'BatchLimitExceededException', 400, 'The maximum number of names or IDs allowed for this request (100) was exceeded.');
    return [...new Set(instanceNames)].flatMap((n) => {
      const i = this.instances.get(n);
      return i ? [this.view(n, i)] : [];
    });
  }

  async listOnPremisesInstances(input: { registrationStatus?: RegistrationStatus; tagFilters?: readonly Tag[]; nextToken?: string }) {
    const names = [...this.instances]
      .filter(([, i]) => !input.registrationStatus || (input.registrationStatus === 'Registered') === !i.deregisterTime)
      .filter(([, i]) => !input.tagFilters?.length || input.tagFilters.some((f) => i.tags.some((t) => t.Key === f.Key && t.Value === f.Value)))
      .map(([n]) => n)
      .sort();
    return page(names, input.nextToken);
  }

  private retag(operation: string, names: readonly string[], change: (i: Instance) => void): void {
    if (names.length > 10) fail(operation, 'InstanceLimitExceededException', 400, 'The maximum number of allowed on-premises instances in a single call was exceeded.');
    const targets = names.map((n) => this.instance(operation, n));
    targets.forEach(change);
  }

  async addTagsToOnPremisesInstances(instanceNames: readonly string[], tags: readonly Tag[]) {
    this.retag('AddTagsToOnPremisesInstances', instanceNames, (i) => {
      const merged = [...i.tags.filter((t) => !tags.some((n) => n.Key === t.Key)), ...tags.map((t) => ({ ...t }))];
      if (merged.length > 10) fail('AddTagsToOnPremisesInstances', 'TagLimitExceededException', 400, 'The maximum allowed number of tags was exceeded.');
      i.tags = merged;
    });
  }

  async removeTagsFromOnPremisesInstances(instanceNames: readonly string[], tags: readonly Tag[]) {
    this.retag('RemoveTagsFromOnPremisesInstances', instanceNames, (i) => {
      i.tags = i.tags.filter((t) => !tags.some((r) => r.Key === t.Key && r.Value === t.Value));
    });
  }

  async createDeployment(input: CreateDeploymentInput) {
    const g = this.group('CreateDeployment', input.applicationName, input.deploymentGroupName);
    if ((input.description?.length ?? 0) > 100) fail('CreateDeployment', 'DescriptionTooLongException', 400, 'The description is too long.');
    if (input.deploymentConfigName !== undefined && !this.configs.has(input.deploymentConfigName)) {
      fail('CreateDeployment', 'DeploymentConfigDoesNotExistException', 400, `No deployment configuration found for name: ${input.deploymentConfigName}`);
    }
    const busy = [...this.deployments.values()].some(
      (d) => d.info.applicationName === g.applicationName && d.info.deploymentGroupName === g.deploymentGroupName && ACTIVE.includes(d.info.status as DeploymentStatus),
    );
    if (busy) fail('CreateDeployment', 'DeploymentLimitExceededException', 400, `The deployment group ${g.deploymentGroupName} already has an active deployment.`);
    const deploymentId = `d-FAKE${(++this.ids).toString(36).toUpperCase().padStart(5, '0')}`;
    const now = this.opts.clock();
    const matches = (i: Instance): boolean => g.onPremisesTagSets.length > 0 && g.onPremisesTagSets.every((set) => set.some((f) => i.tags.some((t) => t.Key === f.Key && t.Value === f.Value)));
    const targets = new Map([...this.instances].filter(([, i]) => !i.deregisterTime && matches(i)).map(([n]) => [n, { status: 'Pending', lastUpdatedAt: now }]));
    this.deployments.set(deploymentId, {
      info: {
        deploymentId,
        applicationName: g.applicationName,
        deploymentGroupName: g.deploymentGroupName,
        status: 'Created',
        createTime: now,
        revision: { ...input.revision },
        ...(input.description ? { description: input.description } : {}),
      },
      input: structuredClone(input),
      targets,
    });
    return { deploymentId };
  }

  async getDeployment(deploymentId: string) {
    return this.summarise(this.deployment('GetDeployment', deploymentId));
  }

  private summarise(d: Deployment): DeploymentInfo {
    const count = (s: string): number => [...d.targets.values()].filter((t) => t.status === s).length;
    return { ...d.info, overview: { Pending: count('Pending'), InProgress: count('InProgress'), Succeeded: count('Succeeded'), Failed: count('Failed'), Skipped: count('Skipped'), Ready: count('Ready') } };
  }

  async batchGetDeployments(deploymentIds: readonly string[]) {
    if (deploymentIds.length > 25) fail('BatchGetDeployments', 'BatchLimitExceededException', 400, 'The maximum number of names or IDs allowed for this request (25) was exceeded.');
    return deploymentIds.flatMap((id) => {
      const d = this.deployments.get(id);
      return d ? [this.summarise(d)] : [];
    });
  }

  async listDeployments(input: {
    applicationName?: string;
    deploymentGroupName?: string;
    includeOnlyStatuses?: readonly DeploymentStatus[];
    createTimeRange?: { start?: Date; end?: Date };
    nextToken?: string;
  }) {
    if (input.applicationName && input.deploymentGroupName) this.group('ListDeployments', input.applicationName, input.deploymentGroupName);
    const ids = [...this.deployments.values()]
      .filter((d) => !input.applicationName || d.info.applicationName === input.applicationName)
      .filter((d) => !input.deploymentGroupName || d.info.deploymentGroupName === input.deploymentGroupName)
      .filter((d) => !input.includeOnlyStatuses?.length || input.includeOnlyStatuses.includes(d.info.status as DeploymentStatus))
      .filter((d) => !input.createTimeRange?.start || (d.info.createTime?.getTime() ?? 0) >= input.createTimeRange.start.getTime())
      .filter((d) => !input.createTimeRange?.end || (d.info.createTime?.getTime() ?? 0) <= input.createTimeRange.end.getTime())
      .reverse()
      .map((d) => d.info.deploymentId);
    return page(ids, input.nextToken);
  }

  async stopDeployment(deploymentId: string) {
    const d = this.deployment('StopDeployment', deploymentId);
    if (!ACTIVE.includes(d.info.status as DeploymentStatus)) fail('StopDeployment', 'DeploymentAlreadyCompletedException', 400, `The deployment ${deploymentId} has already completed.`);
    this.progress(deploymentId, 'Stopped');
    return { status: 'Pending', statusMessage: 'Stopping Active Deployment' };
  }

  async registerApplicationRevision(input: { applicationName: string; revision: S3Revision; description?: string }) {
    if (!this.applications.has(input.applicationName)) fail('RegisterApplicationRevision', 'ApplicationDoesNotExistException', 400, `No application found for name: ${input.applicationName}`);
    this.revisions.set(input.applicationName, [...(this.revisions.get(input.applicationName) ?? []), { ...input.revision }]);
  }

  async getDeploymentGroup(applicationName: string, deploymentGroupName: string): Promise<DeploymentGroupInfo> {
    const g = this.group('GetDeploymentGroup', applicationName, deploymentGroupName);
    const mine = [...this.deployments.values()].filter((d) => d.info.applicationName === applicationName && d.info.deploymentGroupName === deploymentGroupName);
    const last = (d: Deployment | undefined): GroupDeployment | undefined =>
      d ? { deploymentId: d.info.deploymentId, status: d.info.status, ...(d.info.completeTime ? { endTime: d.info.completeTime } : {}) } : undefined;
    const attempted = last(mine.at(-1));
    const succeeded = last(mine.filter((d) => d.info.status === 'Succeeded').at(-1));
    const revision = mine.at(-1)?.info.revision;
    return {
      ...g,
      ...(succeeded ? { lastSuccessfulDeployment: succeeded } : {}),
      ...(attempted ? { lastAttemptedDeployment: attempted } : {}),
      ...(revision ? { targetRevision: revision } : {}),
    };
  }

  /** Checks a group's settings as CreateDeploymentGroup / UpdateDeploymentGroup do. */
  private checkSettings(operation: string, s: Partial<DeploymentGroupSettings>): void {
    if (s.serviceRoleArn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(s.serviceRoleArn)) {
      fail(operation, 'InvalidRoleException', 400, 'The service role ARN was specified in an invalid format.');
    }
    if (s.deploymentConfigName !== undefined && !this.configs.has(s.deploymentConfigName)) {
      const message = `No deployment configuration found for name: ${s.deploymentConfigName}`;
      fail(operation, 'DeploymentConfigDoesNotExistException', 400, message);
    }
    if ((s.onPremisesTagSet?.length ?? 0) > 3) {
      const message = 'The number of tag groups included in the tag set list exceeded the maximum allowed limit of 3.';
      fail(operation, 'TagSetListLimitExceededException', 400, message);
    }
  }

  private applySettings(g: DeploymentGroupInfo, s: Partial<DeploymentGroupSettings>): DeploymentGroupInfo {
    return {
      ...g,
      ...(s.serviceRoleArn !== undefined ? { serviceRoleArn: s.serviceRoleArn } : {}),
      ...(s.deploymentConfigName !== undefined ? { deploymentConfigName: s.deploymentConfigName } : {}),
      ...(s.onPremisesTagSet ? { onPremisesTagSets: s.onPremisesTagSet.map((set) => set.map((t) => ({ ...t }))) } : {}),
      ...(s.autoRollback ? { autoRollbackEvents: s.autoRollback.enabled ? [...s.autoRollback.events] : [] } : {}),
    };
  }

  async createDeploymentGroup(input: CreateDeploymentGroupInput) {
    const op = 'CreateDeploymentGroup';
    if (!this.applications.has(input.applicationName)) {
      fail(op, 'ApplicationDoesNotExistException', 400, `No application found for name: ${input.applicationName}`);
    }
    if (this.groups.has(`${input.applicationName}/${input.deploymentGroupName}`)) {
      fail(op, 'DeploymentGroupAlreadyExistsException', 400, `The deployment group already exists: ${input.deploymentGroupName}`);
    }
    this.checkSettings(op, input);
    const base: DeploymentGroupInfo = {
      applicationName: input.applicationName,
      deploymentGroupName: input.deploymentGroupName,
      deploymentGroupId: `dg-${this.groups.size + 1}`,
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      onPremisesTagSets: [],
      autoRollbackEvents: [],
    };
    this.groups.set(`${input.applicationName}/${input.deploymentGroupName}`, this.applySettings(base, input));
    return { deploymentGroupId: base.deploymentGroupId ?? '' };
  }

  async updateDeploymentGroup(input: UpdateDeploymentGroupInput) {
    const op = 'UpdateDeploymentGroup';
    const g = this.group(op, input.applicationName, input.currentDeploymentGroupName);
    this.checkSettings(op, input);
    const name = input.newDeploymentGroupName ?? g.deploymentGroupName;
    if (name !== g.deploymentGroupName && this.groups.has(`${input.applicationName}/${name}`)) {
      fail(op, 'DeploymentGroupAlreadyExistsException', 400, `The deployment group already exists: ${name}`);
    }
    this.groups.delete(`${input.applicationName}/${g.deploymentGroupName}`);
    this.groups.set(`${input.applicationName}/${name}`, { ...this.applySettings(g, input), deploymentGroupName: name });
  }

  async createDeploymentConfig(input: { deploymentConfigName: string; minimumHealthyHosts: MinimumHealthyHosts }) {
    const op = 'CreateDeploymentConfig';
    if (!/^[\w.@+=,-]{1,100}$/.test(input.deploymentConfigName)) fail(op, 'InvalidDeploymentConfigNameException', 400, 'The deployment configuration name was specified in an invalid format.');
    if (this.configs.has(input.deploymentConfigName)) fail(op, 'DeploymentConfigAlreadyExistsException', 400, `A deployment configuration with the name ${input.deploymentConfigName} already exists.`);
    const { type, value } = input.minimumHealthyHosts;
    if (value < 0 || (type === 'FLEET_PERCENT' && value > 99)) fail(op, 'InvalidMinimumHealthyHostValueException', 400, 'The minimum healthy instance value was specified in an invalid format.');
    this.configs.set(input.deploymentConfigName, { type, value });
    return { deploymentConfigId: `dc-${this.configs.size}` };
  }

  async listDeploymentTargets(input: { deploymentId: string; nextToken?: string }) {
    const d = this.deployment('ListDeploymentTargets', input.deploymentId);
    if (d.info.status === 'Created') fail('ListDeploymentTargets', 'DeploymentNotStartedException', 400, 'The specified deployment has not started.');
    return page([...d.targets.keys()].sort(), input.nextToken);
  }

  async batchGetDeploymentTargets(deploymentId: string, targetIds: readonly string[]): Promise<DeploymentTarget[]> {
    const d = this.deployment('BatchGetDeploymentTargets', deploymentId);
    if (targetIds.length > 25) fail('BatchGetDeploymentTargets', 'BatchLimitExceededException', 400, 'The maximum number of names or IDs allowed for this request (25) was exceeded.');
    return targetIds.map((id) => {
      const t = d.targets.get(id);
      if (!t) return fail('BatchGetDeploymentTargets', 'DeploymentTargetDoesNotExistException', 400, `The target ${id} does not exist.`);
      return { deploymentId, targetId: id, status: t.status, lastUpdatedAt: t.lastUpdatedAt, lifecycleEvents: [] };
    });
  }
}
