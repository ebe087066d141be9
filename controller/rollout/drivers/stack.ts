// The release's CloudFormation stack in a tenant account, deployed with a change set named after
// the attempt's token (create when there is no stack, update otherwise) and executed with that name
// as ClientRequestToken, so both the change set and the stack events it causes can be found again
// after a crash. A change set without changes is a success. Before touching the stack the driver
// saves its template next to the journal, so a rollback can put it back (rollback-stack.ts, with
// the same change set steps).
import { EdgeError, isEdgeError } from '../../../shared/errors.js';
import type { ChangeSetInfo, CloudFormationPort, CreateChangeSetInput, StackInfo, StackParameterInput } from '../../aws/ports.js';
import type { ReleaseManifest, StackPart } from '../../release/manifest.js';
import type { StackTarget } from '../config-types.js';
import type { Previous, TargetRef } from '../journal-model.js';
import type { ObjectStore } from '../object-store.js';
import type { DeployContext, FollowResult, TargetDriver } from '../runner.js';
import { pollDelay } from '../poll-schedule.js';
import { stackRollback } from './rollback-stack.js';
import { changeSetNameFor, releaseSession, sessionFor, targetOf, waitFor, type DriverDeps } from './session.js';
import {
  FAILED, SUCCEEDED, UPDATABLE, finalStatus, firstFailure, inProgress, operationEvents, operationTookMs, rollbackReason,
} from './stack-events.js';

export interface StackDriverDeps extends DriverDeps {
  /** Where the templates a rollout replaced are kept: `<prefix>before/<target>.template`. */
  readonly store: ObjectStore;
  readonly prefix: string;
  /** Change set creation: the longest poll interval (pollDelay starts shorter) and how long to wait before trying again later. */
  readonly changeSetPollMs?: number;
  readonly changeSetWaitMs?: number;
}

/** The reason of a FAILED change set that only says there is nothing to change. */
export const NO_CHANGES = /didn't contain changes|No updates are to be performed/i;
/** Change set statuses while CloudFormation is still computing it. */
export const CREATING: ReadonlySet<string> = new Set(['CREATE_PENDING', 'CREATE_IN_PROGRESS']);

/** A stack in this status (or none) is created by a CREATE change set; others are updated. */
export const createsStack = (status: string | undefined): boolean =>
  !status || status === 'REVIEW_IN_PROGRESS' || status === 'DELETE_COMPLETE';

/** `https://<bucket>.s3.<region>.amazonaws.com/<key>`: the form CloudFormation reads a TemplateURL in. */
export const templateUrl = (bucket: string, region: string, key: string): string =>
  `https://${bucket}.s3.${region}.amazonaws.com/${key.split('/').map(encodeURIComponent).join('/')}`;

/** The target's literal parameters, the release's own where the template declares them, the rest kept as they are. */
export function stackParameters(
  t: StackTarget,
  part: StackPart,
  release: { version: string; bucket: string },
  current?: StackInfo,
): StackParameterInput[] {
  const declared = new Set(part.parameters);
  const values: Record<string, string> = { ...t.parameters };
  const rp = t.releaseParameters;
  if (rp.version && declared.has(rp.version)) values[rp.version] = release.version;
  if (part.package && rp.bucket && declared.has(rp.bucket)) values[rp.bucket] = release.bucket;
  if (part.package && rp.key && declared.has(rp.key)) values[rp.key] = part.package.key;
  const given: StackParameterInput[] = Object.entries(values).map(([key, value]) => ({ key, value }));
  const keep = (k: string): boolean => current !== undefined && !(k in values) && k in current.parameters;
  const kept = part.parameters.filter(keep).map((key) => ({ key, usePreviousValue: true }));
  return [...given, ...kept];
}

/** The release's change set for the target, as the rollout creates it (the plan's preview makes the very same one). */
export function changeSetInput(
  t: StackTarget,
  manifest: ReleaseManifest,
  part: StackPart,
  current: StackInfo | undefined,
  name: { changeSetName: string; description: string },
): CreateChangeSetInput {
  const create = createsStack(current?.status);
  return {
    stackName: t.stack,
    changeSetName: name.changeSetName,
    changeSetType: create ? 'CREATE' : 'UPDATE',
    templateUrl: templateUrl(manifest.bucket, manifest.region, part.template.key),
    parameters: stackParameters(t, part, manifest, create ? undefined : current),
    capabilities: [...new Set([...t.capabilities, ...part.capabilities])],
    ...(t.cfnRoleArn ? { roleArn: t.cfnRoleArn } : {}),
    tags: Object.entries(t.tags).map(([Key, Value]) => ({ Key, Value })),
    description: name.description.slice(0, 1024),
  };
}

/** How long the stack recordBefore read stands in for the read deploy would make right after it. */
const SEEN_FRESH_MS = 2000;

/** A change set named after a token, created, executed and found again: deploy's steps, which the rollback shares. */
export interface ChangeSetSteps {
  /** Creates the change set (or takes the one an earlier call of this name created), then carries on. */
  createAndExecute(cfn: CloudFormationPort, t: StackTarget, input: CreateChangeSetInput): Promise<TargetRef>;
  /** The operation of the change set `name`: still there (then carried on), or seen in the stack's events. */
  findByName(cfn: CloudFormationPort, t: StackTarget, name: string): Promise<TargetRef | undefined>;
  /** A template for CreateChangeSet: inline up to MAX_TEMPLATE_BODY bytes, else put at `key` in the release bucket and read from there. */
  templateOf(body: string, key: string): Promise<{ templateBody: string } | { templateUrl: string }>;
}

/** CloudFormation's limit on an inline TemplateBody, in bytes. */
export const MAX_TEMPLATE_BODY = 51_200;

export function changeSetSteps(deps: StackDriverDeps): ChangeSetSteps {
  const pollMs = deps.changeSetPollMs ?? 2000;
  const waitMs = deps.changeSetWaitMs ?? 10 * 60_000;
  const ref = (stackId: string, changeSetName: string): TargetRef => ({ kind: 'change-set', stackId, changeSetName });

  /** From a created change set to an executed one (or to nothing to do). */
  async function carryOn(cfn: CloudFormationPort, t: StackTarget, cs: ChangeSetInfo): Promise<TargetRef> {
    const name = cs.changeSetName;
    const read = (): Promise<ChangeSetInfo> => cfn.describeChangeSet(t.stack, name);
    const ready = CREATING.has(cs.status) ? await waitFor(deps, read, (c) => !CREATING.has(c.status), (waited) => pollDelay(waited, pollMs), waitMs) : cs;
    if (!ready) throw new EdgeError('TARGET_BUSY', `stack ${t.stack}: change set ${name} is still being created`);
    if (ready.status === 'FAILED') {
      if (!NO_CHANGES.test(ready.statusReason ?? '')) {
        throw new EdgeError('TARGET_CHANGE_SET_FAILED', `stack ${t.stack}: change set ${name} failed: ${ready.statusReason ?? 'no reason given'}`);
      }
      await cfn.deleteChangeSet(t.stack, name).catch((e: unknown) => {
        if (!isEdgeError(e, 'AWS_NOT_FOUND')) throw e;
      });
      return ref(ready.stackId, name);
    }
    if (ready.executionStatus === 'AVAILABLE') await cfn.executeChangeSet(t.stack, name, name);
    else if (!ready.executionStatus.startsWith('EXECUTE_')) {
      const state = `${ready.status}, ${ready.executionStatus}`;
      throw new EdgeError('TARGET_CHANGE_SET_FAILED', `stack ${t.stack}: change set ${name} cannot be executed (${state})`);
    }
    return ref(ready.stackId, name);
  }

  async function describeChangeSet(cfn: CloudFormationPort, t: StackTarget, name: string): Promise<ChangeSetInfo | undefined> {
    try {
      return await cfn.describeChangeSet(t.stack, name);
    } catch (e) {
      if (isEdgeError(e, 'AWS_NOT_FOUND')) return undefined;
      throw e;
    }
  }

  return {
    async createAndExecute(cfn, t, input) {
      try {
        await cfn.createChangeSet(input);
      } catch (e) {
        // a change set of this name exists: an earlier call with this token went through
        if (!isEdgeError(e, 'AWS_ALREADY_EXISTS') || !(await describeChangeSet(cfn, t, input.changeSetName))) throw e;
      }
      return carryOn(cfn, t, await cfn.describeChangeSet(t.stack, input.changeSetName));
    },

    async findByName(cfn, t, name) {
      const cs = await describeChangeSet(cfn, t, name);
      if (cs) return carryOn(cfn, t, cs);
      // executed change sets may be gone; the stack's events still carry their token
      const s = await cfn.describeStack(t.stack);
      if (!s) return undefined;
      const op = await operationEvents(cfn, s.stackId, name);
      return op.events.length > 0 ? ref(s.stackId, name) : undefined;
    },

    async templateOf(body, key) {
      if (Buffer.byteLength(body) <= MAX_TEMPLATE_BODY) return { templateBody: body };
      // the release bucket: the tenant roles read the release's own templates there already
      const { bucket, region, kmsKeyId } = deps.manifest;
      await releaseSession(deps).s3.putObject({ bucket, key, body, contentType: 'text/plain', ...(kmsKeyId ? { kmsKeyId } : {}) });
      return { templateUrl: templateUrl(bucket, region, key) };
    },
  };
}

export function stackDriver(deps: StackDriverDeps): TargetDriver {
  // recordBefore's read of each stack, taken once by the deploy that follows it (one DescribeStacks, not two)
  const seen = new Map<string, { readonly at: number; readonly stack: StackInfo | undefined }>();
  const currentStack = (cfn: CloudFormationPort, t: StackTarget): Promise<StackInfo | undefined> => {
    const s = seen.get(t.name);
    seen.delete(t.name);
    return s && deps.now() - s.at < SEEN_FRESH_MS ? Promise.resolve(s.stack) : cfn.describeStack(t.stack);
  };
  const cfnOf = (t: StackTarget): CloudFormationPort => sessionFor(deps.pool, t, deps.rolloutId).cloudformation;
  const steps = changeSetSteps(deps);

  return {
    async recordBefore(target): Promise<Previous> {
      const t = targetOf(target, 'stack');
      const cfn = cfnOf(t);
      const s = await cfn.describeStack(t.stack);
      seen.set(t.name, { at: deps.now(), stack: s });
      if (!s || s.status === 'REVIEW_IN_PROGRESS' || s.status === 'DELETE_COMPLETE') {
        return { kind: 'stack', exists: false, ...(s ? { status: s.status } : {}) };
      }
      const body = await cfn.getTemplate(s.stackId);
      const templateKey = `${deps.prefix}before/${t.name}.template`;
      await deps.store.put(templateKey, Buffer.from(body, 'utf8'));
      return { kind: 'stack', exists: true, status: s.status, parameters: s.parameters, templateKey };
    },

    async deploy(target, ctx: DeployContext) {
      const t = targetOf(target, 'stack');
      const part = deps.manifest.parts.stack;
      if (!part) throw new EdgeError('TARGET_PART_MISSING', `target ${t.name} deploys the stack, but release ${deps.manifest.version} has none`);
      const cfn = cfnOf(t);
      const current = await currentStack(cfn, t);
      const status = current?.status;
      if (status && inProgress(status)) throw new EdgeError('TARGET_BUSY', `stack ${t.stack} is ${status}`);
      if (!createsStack(status) && !UPDATABLE.has(status ?? '')) {
        throw new EdgeError('TARGET_STACK_BLOCKED', `stack ${t.stack} is ${status}${current?.statusReason ? ` (${current.statusReason})` : ''}`);
      }
      const name = { changeSetName: changeSetNameFor(ctx.token), description: `fleetctl ${ctx.rolloutId} ${t.name} attempt ${ctx.attempt}` };
      return steps.createAndExecute(cfn, t, changeSetInput(t, deps.manifest, part, current, name));
    },

    async find(target, ctx) {
      const t = targetOf(target, 'stack');
      return steps.findByName(cfnOf(t), t, changeSetNameFor(ctx.token));
    },

    ...stackRollback(deps, steps),

    async follow(target, r): Promise<FollowResult> {
      const t = targetOf(target, 'stack');
      if (r.kind !== 'change-set') throw new EdgeError('ROLLOUT_JOURNAL_CORRUPT', `target ${t.name} has a ${r.kind} reference, not a change set`);
      const cfn = cfnOf(t);
      const s = await cfn.describeStack(r.stackId);
      if (!s) return { state: 'failed', reason: `stack ${t.stack} (${r.stackId}) no longer exists` };
      if (inProgress(s.status)) return { state: 'running', progress: s.status };
      const op = await operationEvents(cfn, s.stackId, r.changeSetName);
      const ended = finalStatus(op);
      if (!ended && op.events.length === 0 && op.complete) {
        // never executed: the change set had no changes, the stack runs this release already
        return { state: 'succeeded', progress: `no changes (${s.status})`, outputs: s.outputs };
      }
      const status = ended ?? s.status;
      if (SUCCEEDED.has(status)) {
        const tookMs = operationTookMs(op);
        return { state: 'succeeded', progress: status, outputs: s.outputs, ...(tookMs !== undefined ? { tookMs } : {}) };
      }
      if (FAILED.has(status)) {
        // no end under our token: another operation (a CancelUpdateStack) took over, and its rollback event says why
        const why = firstFailure(op) ?? (ended ? undefined : await rollbackReason(cfn, s.stackId)) ?? s.statusReason;
        return { state: 'failed', reason: `stack ${t.stack} ${status}: ${why ?? 'no resource reported a reason'}` };
      }
      return { state: 'failed', reason: `stack ${t.stack} is ${status}: the change set ${r.changeSetName} was not executed` };
    },
  };
}
