// `rollout plan --change-sets`: after the targets were inspected, the change set of every stack
// target the plan resolves is previewed (change-set-preview.ts), at most `width` at once. A target
// the inspection found blocked is not previewed (its change set would fail or wait), nor is any when
// the release is not pushed (there is no template yet) or the plan was interrupted. Each preview and
// its problems land on the target's inspection, so text and JSON show them under the target.
import { toEdgeError } from '../../shared/errors.js';
import type { AwsPool } from '../aws/pool.js';
import { forEachLimited } from '../fleet/pool.js';
import type { ReleaseManifest } from '../release/manifest.js';
import { previewStack, type PreviewDeps } from '../rollout/change-set-preview.js';
import type { StackTarget } from '../rollout/config-types.js';
import { sessionFor } from '../rollout/drivers/session.js';
import type { Problem, TargetInspection } from '../rollout/inspect.js';
import type { RolloutPlan } from '../rollout/plan.js';

export interface PreviewsInput {
  readonly plan: RolloutPlan;
  readonly pool: Pick<AwsPool, 'session'>;
  /** Undefined when the release is not pushed. */
  readonly manifest: ReleaseManifest | undefined;
  readonly inspected: ReadonlyMap<string, TargetInspection>;
  /** Previews at once. */
  readonly width: number;
  readonly deps: PreviewDeps;
}

/** Previews the stack targets' change sets; returns the problems that belong to no single target. */
export async function previewChangeSets(input: PreviewsInput): Promise<Problem[]> {
  const { plan, manifest, inspected } = input;
  const byName = new Map<string, StackTarget>();
  for (const w of plan.waves) for (const t of w.targets) if (t.kind === 'stack') byName.set(t.name, t);
  const stacks = [...byName.values()];
  const skip = (t: StackTarget, reason: string): void => {
    const seen = inspected.get(t.name);
    if (seen) seen.changeSet = { outcome: 'not-previewed', reason, changes: [] };
  };
  if (stacks.length === 0) return [];
  if (!manifest) {
    for (const t of stacks) skip(t, 'the release is not pushed yet');
    const v = plan.version;
    const problem = `--change-sets: release ${v} is not pushed, so there is no template to preview`;
    return [{ problem, action: `push it (fleetctl release push --version ${v}), then plan again`, blocking: true }];
  }
  await forEachLimited(stacks, input.width, async (t) => {
    const seen = inspected.get(t.name);
    if (!seen) return;
    if (seen.problems.some((p) => p.blocking)) return skip(t, 'the target is blocked (see its problems)');
    if (input.deps.stop?.aborted) return skip(t, 'interrupted');
    try {
      const cfn = sessionFor(input.pool, t, plan.rolloutId).cloudformation;
      const r = await previewStack(cfn, t, manifest, plan.rolloutId, input.deps);
      seen.changeSet = r.preview;
      seen.problems.push(...r.problems);
    } catch (e) {
      // not an AWS failure (previewStack reports those): a bug; the other previews still finish and clean up
      const reason = toEdgeError(e).message;
      seen.changeSet = { outcome: 'failed', reason, changes: [] };
      seen.problems.push({ problem: `change set preview failed: ${reason}`, action: 'report it with this output', blocking: true });
    }
  });
  if (!input.deps.stop?.aborted) return [];
  const problem = 'interrupted: not every change set was previewed (those created were deleted again)';
  return [{ problem, action: 'plan again', blocking: true }];
}
