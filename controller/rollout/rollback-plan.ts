// Which targets a halted rollout puts back, and how: decided once from the journal (then journaled,
// so a restarted controller rolls back the same targets). A target is put back to what it ran
// before this rollout touched it (journaled as `target-before`); a target with nothing recorded
// before is reported, not guessed; a failed deployment its own service already undid (CodeDeploy's
// automatic rollback, CloudFormation's rollback of a failed update) is left to it. Pure.
import type { RollbackPolicy, Target } from './config-types.js';
import type { RolloutState, TargetState } from './journal-model.js';
import type { PlannedRollback } from './journal-safety.js';
import type { RolloutPlan } from './plan.js';

/** The policy that applies: an abort rolls back only when asked to (then per the environment, `all` when that is none). */
export function effectivePolicy(plan: RolloutPlan, state: RolloutState): RollbackPolicy {
  if (state.abort) return state.abort.rollback ? (plan.rollback === 'none' ? 'all' : plan.rollback) : 'none';
  return plan.rollback;
}

/** Whether the rollout changed the target: a deployment was started for it (an empty ring changed nothing). */
export const changed = (t: TargetState): boolean => t.ref !== undefined && t.ref.kind !== 'none';

export function planRollback(plan: RolloutPlan, state: RolloutState, policy: RollbackPolicy, haltedWave: string): PlannedRollback[] {
  if (policy === 'none') return [];
  const byName = new Map(plan.waves.flatMap((w) => w.targets.map((t) => [t.name, t] as const)));
  const waves = policy === 'wave' ? state.waves.filter((w) => w.name === haltedWave) : state.waves;
  const out: PlannedRollback[] = [];
  for (const w of waves) {
    for (const name of w.targets) {
      const s = state.targets.get(name);
      const t = byName.get(name);
      // a web copy that failed partway has no reference but may have replaced files: put them back too
      const attempted = t?.kind === 'web' && s?.token !== undefined;
      if (!s || !t || !(changed(s) || attempted)) continue;
      if (policy === 'failed' && s.status !== 'failed') continue;
      out.push(decide(t, s, plan.version));
    }
  }
  return out;
}

function decide(t: Target, s: TargetState, version: string): PlannedRollback {
  const skip = (reason: string): PlannedRollback => ({ target: t.name, action: 'skip', reason });
  const p = s.previous;
  if (!p) return skip('nothing was recorded of what it ran before');
  // CodeDeploy rolls back to its group's own last success: a ring whose devices got their revision
  // from the base group has none, so the controller puts that revision back itself
  const ownRevision = p.kind !== 'revision' || p.fromGroup === undefined;
  if (s.status === 'failed' && (t.kind === 'devices' || t.kind === 'codedeploy') && t.autoRollback && ownRevision) {
    return { target: t.name, action: 'by-service', reason: 'CodeDeploy rolls a failed deployment back itself (automatic rollback)' };
  }
  if (s.status === 'failed' && t.kind === 'stack' && p.kind === 'stack' && p.exists) {
    return { target: t.name, action: 'by-service', reason: 'CloudFormation rolled the failed update back itself' };
  }
  switch (p.kind) {
    case 'revision':
      return p.revision ? { target: t.name, action: 'rollback' } : skip('it had no successful deployment before this rollout: nothing to put back');
    case 'stack':
      return p.exists && p.templateKey ? { target: t.name, action: 'rollback' } : skip('the stack did not exist before this rollout: it is left as it is');
    case 'web':
      if (!p.release) return skip('the prefix held no release before this rollout: its files are left as they are');
      return p.release === version ? skip(`it held release ${version} already`) : { target: t.name, action: 'rollback' };
  }
}

/** The token that names the rollback of one target (one per rollout: a rollback is not retried under a new name). */
export const rollbackToken = (rolloutId: string, target: string): string => `${rolloutId}#${target}#rollback`;
