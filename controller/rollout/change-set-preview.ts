// `rollout plan --change-sets`: what CloudFormation would change in a stack, learnt by creating the
// very change set the rollout would create (changeSetInput: same template, parameters,
// capabilities, role), reading its resource changes and deleting it again. These are the plan's
// only writes, and all are undone in a finally (also when reading failed or the plan was
// interrupted): the change set, and the empty REVIEW_IN_PROGRESS stack a CREATE change set leaves
// behind (DeleteChangeSet does not remove it) when the preview made that stack.
// Previews are named `fleetctl-preview-<random>`, never `fleetctl-<hash>` like a rollout attempt's
// change set, so a rollout never adopts one a crash left behind.
import { randomBytes } from 'node:crypto';
import { isEdgeError, toEdgeError } from '../../shared/errors.js';
import type { ChangeSetInfo, CloudFormationPort, CreateChangeSetInput, ResourceChange } from '../aws/ports.js';
import type { ReleaseManifest } from '../release/manifest.js';
import type { StackTarget } from './config-types.js';
import { waitFor } from './drivers/session.js';
import { UPDATABLE, inProgress } from './drivers/stack-events.js';
import { CREATING, NO_CHANGES, changeSetInput, createsStack } from './drivers/stack.js';
import type { Problem } from './inspect.js';

export const PREVIEW_PREFIX = 'fleetctl-preview-';

export interface ChangeSetPreview {
  /** changes: the change set's resource changes; no-changes: the stack runs this release already;
   * failed: CloudFormation refused the change set (the rollout would fail the same way). */
  readonly outcome: 'changes' | 'no-changes' | 'failed' | 'not-previewed';
  readonly type?: 'CREATE' | 'UPDATE';
  /** The preview change set's name (deleted again). */
  readonly changeSet?: string;
  readonly reason?: string;
  readonly changes: readonly ResourceChange[];
  /** What could not be deleted again, with how to delete it by hand. */
  readonly leftBehind?: readonly string[];
}

export interface PreviewResult {
  readonly preview: ChangeSetPreview;
  readonly problems: readonly Problem[];
}

export interface PreviewDeps {
  readonly sleep: (ms: number) => Promise<void>;
  /** Wall-clock ms. */
  readonly now: () => number;
  /** Aborted on an interrupt: waiting for the change set stops, the cleanup still runs. */
  readonly stop?: AbortSignal;
  /** Between two reads of a change set being created (default 2 s, as the stack driver). */
  readonly pollMs?: number;
  /** How long a change set may take to be created (default 5 min). */
  readonly waitMs?: number;
  /** How long the cleanup waits for a change set still being created, which cannot be deleted yet (default 2 min). */
  readonly cleanupWaitMs?: number;
  readonly randomHex?: () => string;
}

const message = (e: unknown): string => toEdgeError(e).message;
const IAM_ACTION =
  "allow the target's role cloudformation:CreateChangeSet, DescribeChangeSet, DeleteChangeSet, ListChangeSets, " +
  'DeleteStack and iam:PassRole on its cfn_role_arn (docs/rollouts.md, IAM)';
const REFUSED_ACTION =
  'fix what the reason names (the template, or parameters/capabilities/cfn_role_arn in fleet.yml), ' +
  'push a new release and plan again: the rollout would fail the same way';

const outcome = (o: ChangeSetPreview['outcome'], reason?: string): ChangeSetPreview => ({
  outcome: o,
  ...(reason ? { reason } : {}),
  changes: [],
});
const result = (preview: ChangeSetPreview, ...problems: Problem[]): PreviewResult => ({ preview, problems });
const blocking = (problem: string, action: string): Problem => ({ problem: `change set preview: ${problem}`, action, blocking: true });
const INTERRUPTED = result(outcome('not-previewed', 'interrupted'));

/** `sleep` that rejects as soon as `stop` aborts. */
function stoppable(sleep: (ms: number) => Promise<void>, stop: AbortSignal | undefined): (ms: number) => Promise<void> {
  if (!stop) return sleep;
  return (ms) =>
    new Promise<void>((resolve, reject) => {
      if (stop.aborted) return reject(stop.reason as Error);
      const onAbort = (): void => reject(stop.reason as Error);
      stop.addEventListener('abort', onAbort, { once: true });
      sleep(ms)
        .then(resolve, reject)
        .finally(() => stop.removeEventListener('abort', onAbort));
    });
}

/** An AWS failure of the preview: the role's permissions when access was denied, else what the reason names. */
const failed = (e: unknown, what: string): PreviewResult =>
  result(
    outcome('failed', message(e)),
    blocking(`${what}: ${message(e)}`, isEdgeError(e, 'AWS_ACCESS_DENIED') ? IAM_ACTION : REFUSED_ACTION),
  );

interface Made {
  stackId: string | undefined;
  /** CreateChangeSet answered. */
  created: boolean;
  /** There was no stack: a CREATE change set makes an empty one. */
  readonly madeStack: boolean;
}

/** Creates the release's change set for `t`, reads it and deletes what it made. AWS failures are problems, never thrown. */
export async function previewStack(
  cfn: CloudFormationPort,
  t: StackTarget,
  manifest: ReleaseManifest,
  rolloutId: string,
  deps: PreviewDeps,
): Promise<PreviewResult> {
  const part = manifest.parts.stack;
  if (!part) {
    const problem = `release ${manifest.version} has no stack to preview`;
    return result(outcome('failed', problem), blocking(problem, 'add release.parts.stack to fleet.yml and push a new release'));
  }
  if (deps.stop?.aborted) return INTERRUPTED;
  let current;
  try {
    current = await cfn.describeStack(t.stack);
  } catch (e) {
    return failed(e, `reading stack ${t.stack} failed`);
  }
  const status = current?.status;
  if (status && (inProgress(status) || (!createsStack(status) && !UPDATABLE.has(status)))) {
    const reason = `stack ${t.stack} is ${status}`;
    return result(outcome('not-previewed', reason), blocking(reason, 'plan again once the stack can be updated'));
  }
  const name = `${PREVIEW_PREFIX}${deps.randomHex?.() ?? randomBytes(8).toString('hex')}`;
  const description = `fleetctl rollout plan preview of ${rolloutId} ${t.name}`;
  const input = changeSetInput(t, manifest, part, current, { changeSetName: name, description });
  const made: Made = { stackId: undefined, created: false, madeStack: !current || status === 'DELETE_COMPLETE' };
  let found: PreviewResult;
  let leftBehind: string[];
  try {
    found = await createAndRead(cfn, t, input, made, deps);
  } finally {
    leftBehind = await cleanUp(cfn, t, name, made, deps);
  }
  const left = leftBehind.map((l): Problem => ({
    problem: `change set preview left ${l}`,
    action: 'delete it with the command shown',
    blocking: false,
  }));
  return {
    preview: { type: input.changeSetType, changeSet: name, ...found.preview, ...(leftBehind.length > 0 ? { leftBehind } : {}) },
    problems: [...found.problems, ...left],
  };
}

async function createAndRead(
  cfn: CloudFormationPort,
  t: StackTarget,
  input: CreateChangeSetInput,
  made: Made,
  deps: PreviewDeps,
): Promise<PreviewResult> {
  try {
    made.stackId = (await cfn.createChangeSet(input)).stackId;
    made.created = true;
  } catch (e) {
    return failed(e, 'CloudFormation refused the change set');
  }
  const stack = made.stackId || t.stack;
  const read = (): Promise<ChangeSetInfo> => cfn.describeChangeSet(stack, input.changeSetName);
  const waitMs = deps.waitMs ?? 5 * 60_000;
  let cs: ChangeSetInfo | undefined;
  try {
    const waitDeps = { now: deps.now, sleep: stoppable(deps.sleep, deps.stop) };
    cs = await waitFor(waitDeps, read, (c) => !CREATING.has(c.status), deps.pollMs ?? 2000, waitMs);
  } catch (e) {
    return deps.stop?.aborted ? INTERRUPTED : failed(e, 'reading the change set failed');
  }
  if (!cs) {
    const reason = `the change set was still being created after ${Math.round(waitMs / 1000)} s`;
    return result(outcome('not-previewed', reason), { ...blocking(reason, 'plan again (CloudFormation was slow)'), blocking: false });
  }
  if (cs.status === 'FAILED') {
    const reason = cs.statusReason ?? 'no reason given';
    if (NO_CHANGES.test(reason)) return result(outcome('no-changes'));
    return result(outcome('failed', reason), blocking(`the change set failed: ${reason}`, REFUSED_ACTION));
  }
  return result({ outcome: 'changes', changes: cs.changes });
}

/** Deletes the change set (and the empty stack a CREATE preview made); returns what is left behind. Waits ignore `stop`. */
async function cleanUp(cfn: CloudFormationPort, t: StackTarget, name: string, made: Made, deps: PreviewDeps): Promise<string[]> {
  const left: string[] = [];
  const waitMs = deps.cleanupWaitMs ?? 2 * 60_000;
  const pollMs = deps.pollMs ?? 2000;
  let stackId = made.stackId;
  let changeSetLeft: string | undefined;
  try {
    // CreateChangeSet failed: the request may still have gone through (a lost answer)
    if (!made.created) stackId = (await describeOrNothing(cfn, t.stack, name))?.stackId;
    if (stackId) await deleteChangeSet(cfn, stackId, name, { ...deps, pollMs, waitMs });
  } catch (e) {
    const command = `aws cloudformation delete-change-set --stack-name ${stackId ?? t.stack} --change-set-name ${name}`;
    changeSetLeft = `change set ${name} on stack ${t.stack} (${message(e)}): ${command}`;
  }
  if (!made.madeStack) return changeSetLeft ? [changeSetLeft] : [];
  try {
    const s = await cfn.describeStack(stackId ?? t.stack);
    // only the empty stack our CREATE change set made, and not once someone else's change set is on it too
    const review = s?.status === 'REVIEW_IN_PROGRESS' ? s : undefined;
    const others = review ? (await cfn.listChangeSets(review.stackId)).items.filter((c) => c.changeSetName !== name) : [];
    if (review && others.length === 0) {
      stackId = review.stackId;
      await cfn.deleteStack(review.stackId); // takes its change sets along: ours too, should deleting it have failed
      const gone = await waitFor(deps, () => cfn.describeStack(review.stackId), (x) => x?.status !== 'DELETE_IN_PROGRESS', pollMs, waitMs);
      if (gone && gone.status !== 'DELETE_COMPLETE') throw new Error(`it is ${gone.status}`);
      changeSetLeft = undefined;
    }
  } catch (e) {
    const command = `aws cloudformation delete-stack --stack-name ${stackId ?? t.stack}`;
    left.push(`the empty stack ${t.stack} in REVIEW_IN_PROGRESS (${message(e)}): ${command}`);
  }
  return changeSetLeft ? [changeSetLeft, ...left] : left;
}

async function describeOrNothing(cfn: CloudFormationPort, stack: string, name: string): Promise<ChangeSetInfo | undefined> {
  try {
    return await cfn.describeChangeSet(stack, name);
  } catch (e) {
    if (isEdgeError(e, 'AWS_NOT_FOUND')) return undefined;
    throw e;
  }
}

/** DeleteChangeSet; one still being created cannot be deleted yet (InvalidChangeSetStatus), so wait for it first. */
async function deleteChangeSet(
  cfn: CloudFormationPort,
  stackId: string,
  name: string,
  deps: PreviewDeps & { pollMs: number; waitMs: number },
): Promise<void> {
  try {
    await cfn.deleteChangeSet(stackId, name);
    return;
  } catch (e) {
    if (isEdgeError(e, 'AWS_NOT_FOUND')) return;
    if (!isEdgeError(e, 'AWS_REQUEST_INVALID')) throw e;
  }
  const read = async (): Promise<{ cs?: ChangeSetInfo }> => {
    const cs = await describeOrNothing(cfn, stackId, name);
    return cs ? { cs } : {};
  };
  const settled = await waitFor(deps, read, (r) => !r.cs || !CREATING.has(r.cs.status), deps.pollMs, deps.waitMs);
  if (settled && !settled.cs) return;
  // settled, or still being created after the wait: try anyway (a failure is reported as left behind)
  await cfn.deleteChangeSet(stackId, name).catch((e: unknown) => {
    if (!isEdgeError(e, 'AWS_NOT_FOUND')) throw e;
  });
}
