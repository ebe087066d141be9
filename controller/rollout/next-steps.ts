// What the rollout does next, decided from the plan and the journal's state alone. The executor
// takes the steps, journals each one, and asks again; after a crash it asks the same question of
// the journal it reads back, so the answer never repeats a side effect that was recorded. Pure.
import type { RollbackPolicy } from './config-types.js';
import type { GatePhase } from './gates/types.js';
import type { RolloutState, TargetRef, TargetState, WaveState } from './journal-model.js';
import { gateFailureText, type PlannedRollback } from './journal-safety.js';
import type { PlannedWave, RolloutPlan } from './plan.js';
import { effectivePolicy, planRollback, rollbackToken } from './rollback-plan.js';

export type Step =
  | { readonly kind: 'start' }
  | { readonly kind: 'start-wave'; readonly wave: string }
  | { readonly kind: 'record-before'; readonly target: string }
  | { readonly kind: 'deploy'; readonly target: string; readonly attempt: number; readonly token: string }
  /**
   * An intent without a fact: find what the call did (by its token) before deploying again. While the
   * rollout is being aborted, a call that never happened is not made now (`deployIfMissing` false).
   */
  | { readonly kind: 'adopt'; readonly target: string; readonly attempt: number; readonly token: string; readonly deployIfMissing: boolean }
  | { readonly kind: 'follow'; readonly target: string; readonly ref: TargetRef }
  | { readonly kind: 'finish-wave'; readonly wave: string; readonly outcome: 'passed' | 'halted'; readonly failed: number; readonly allowed: number; readonly reason?: string }
  | { readonly kind: 'finish'; readonly outcome: 'succeeded' | 'halted' | 'aborted'; readonly reason?: string }
  | { readonly kind: 'done' }
  // the safety machinery: approvals, pause, gates, bake, rollback
  | { readonly kind: 'request-approval'; readonly wave: string }
  /** Nothing to do until a person acts (approves the wave, resumes the rollout): the controller stops, exit 3. */
  | { readonly kind: 'wait'; readonly for: 'approval' | 'resume'; readonly wave: string }
  | { readonly kind: 'check-gates'; readonly wave: string; readonly phase: GatePhase }
  | { readonly kind: 'start-bake'; readonly wave: string; readonly bakeMs: number }
  /** The wave bakes until `until` (ms since the epoch): quick gate reads meanwhile. */
  | { readonly kind: 'bake'; readonly wave: string; readonly until: number }
  | { readonly kind: 'plan-rollback'; readonly policy: RollbackPolicy; readonly targets: readonly PlannedRollback[] }
  | { readonly kind: 'rollback'; readonly target: string; readonly token: string }
  | { readonly kind: 'adopt-rollback'; readonly target: string; readonly token: string }
  | { readonly kind: 'follow-rollback'; readonly target: string; readonly ref: TargetRef };

/** The token that names one deployment attempt of one target: written into its description. */
export const attemptToken = (rolloutId: string, target: string, attempt: number): string => `${rolloutId}#${target}#${attempt}`;

/** Problems when a journal was started from a different plan (the config changed in between). */
export function planDrift(plan: RolloutPlan, state: RolloutState): string[] {
  if (!state.started) return [];
  const planned = plan.waves.map((w) => `${w.name}: ${w.targets.map((t) => t.name).join(', ')}`);
  const journaled = state.waves.map((w) => `${w.name}: ${w.targets.join(', ')}`);
  if (planned.join('\n') === journaled.join('\n')) return [];
  return [`the rollout started with waves [${journaled.join('; ')}] but the config now plans [${planned.join('; ')}]`];
}

const inFlight = (t: TargetState): boolean => t.status === 'intent' || t.status === 'in-progress';
const finished = (t: TargetState): boolean => t.status === 'succeeded' || t.status === 'failed';

/**
 * What to do next. `now` (ms since the epoch) only matters while a wave bakes; everything else is
 * decided from the journal alone.
 */
export function nextSteps(plan: RolloutPlan, state: RolloutState, now: number): Step[] {
  if (state.outcome) return [{ kind: 'done' }];
  if (!state.started) return [{ kind: 'start' }];
  const halted = state.waves.find((w) => w.status === 'halted');
  if (halted) return haltSteps(plan, state, halted);
  const index = state.waves.findIndex((w) => w.status !== 'passed');
  if (index < 0) return [{ kind: 'finish', outcome: 'succeeded' }];
  const wave = state.waves[index];
  const planned = plan.waves[index];
  if (!wave || !planned) return [{ kind: 'finish', outcome: 'halted', reason: 'the journal and the plan disagree' }];
  if (wave.status === 'pending') {
    if (state.abort) {
      // an abort that rolls back ends the waiting wave as halted, which is where rollbacks start
      if (effectivePolicy(plan, state) === 'none') return [{ kind: 'finish', outcome: 'aborted', reason: state.abort.reason }];
      const reason = `aborted by ${state.abort.by}: ${state.abort.reason}`;
      return [{ kind: 'finish-wave', wave: wave.name, outcome: 'halted', failed: 0, allowed: planned.maxFailedTargets, reason }];
    }
    if (state.paused) return [{ kind: 'wait', for: 'resume', wave: wave.name }];
    if (planned.approval === 'manual' && !wave.approved) {
      return wave.approvalRequested ? [{ kind: 'wait', for: 'approval', wave: wave.name }] : [{ kind: 'request-approval', wave: wave.name }];
    }
    return [{ kind: 'start-wave', wave: wave.name }];
  }
  const targets = wave.targets.map((name) => state.targets.get(name)).filter((t): t is TargetState => t !== undefined);
  const steps: Step[] = [];
  for (const t of targets) {
    if (t.status === 'intent') {
      const token = t.token ?? attemptToken(plan.rolloutId, t.name, t.attempt);
      steps.push({ kind: 'adopt', target: t.name, attempt: t.attempt, token, deployIfMissing: state.abort === undefined });
    }
    if (t.status === 'in-progress' && t.ref) steps.push({ kind: 'follow', target: t.name, ref: t.ref });
  }
  const allowed = planned.maxFailedTargets;
  const stopping = wave.failed > allowed || state.abort !== undefined;
  if (!stopping) {
    let free = planned.concurrency - targets.filter(inFlight).length;
    for (const t of targets) {
      if (free <= 0) break;
      if (t.status !== 'pending') continue;
      free--;
      if (t.previous === undefined) steps.push({ kind: 'record-before', target: t.name });
      else steps.push({ kind: 'deploy', target: t.name, attempt: t.attempt + 1, token: attemptToken(plan.rolloutId, t.name, t.attempt + 1) });
    }
  }
  if (steps.length > 0) return steps;
  if (targets.some(inFlight)) return [];
  if (state.abort) return [{ kind: 'finish-wave', wave: wave.name, outcome: 'halted', failed: wave.failed, allowed, reason: `aborted by ${state.abort.by}: ${state.abort.reason}` }];
  if (wave.failed > allowed) {
    const names = targets.filter((t) => t.status === 'failed').map((t) => t.name);
    return [{ kind: 'finish-wave', wave: wave.name, outcome: 'halted', failed: wave.failed, allowed, reason: `wave ${wave.name}: ${wave.failed} failed (${names.join(', ')}), ${allowed} allowed` }];
  }
  if (targets.every(finished)) return gateSteps(planned, wave, now);
  return [];
}

const hasGates = (w: PlannedWave): boolean => Object.keys(w.gates).length > 0;

/** A wave whose deployments ended within budget: its gates, its bake, its gates again, then it passes. */
function gateSteps(planned: PlannedWave, wave: WaveState, now: number): Step[] {
  const last = wave.checks.at(-1);
  const allowed = planned.maxFailedTargets;
  if (last && !last.passed) {
    const during = last.phase === 'bake' ? 'during the bake' : last.phase === 'baked' ? 'after the bake' : 'after its deployments';
    const reason = `wave ${wave.name}: gate failed ${during}: ${gateFailureText(last.results)}`;
    return [{ kind: 'finish-wave', wave: wave.name, outcome: 'halted', failed: wave.failed, allowed, reason }];
  }
  const checked = (phase: GatePhase): boolean => wave.checks.some((c) => c.phase === phase);
  if (hasGates(planned) && !checked('deployed')) return [{ kind: 'check-gates', wave: wave.name, phase: 'deployed' }];
  if (planned.bakeMs !== undefined) {
    if (wave.bakeUntil === undefined) return [{ kind: 'start-bake', wave: wave.name, bakeMs: planned.bakeMs }];
    const until = Date.parse(wave.bakeUntil);
    if (now < until) return [{ kind: 'bake', wave: wave.name, until }];
    if (hasGates(planned) && !checked('baked')) return [{ kind: 'check-gates', wave: wave.name, phase: 'baked' }];
  }
  return [{ kind: 'finish-wave', wave: wave.name, outcome: 'passed', failed: wave.failed, allowed }];
}

/** A halted wave: the rollback its policy asks for (planned once, then per target), then the rollout ends. */
function haltSteps(plan: RolloutPlan, state: RolloutState, halted: WaveState): Step[] {
  const finish: Step = { kind: 'finish', outcome: state.abort ? 'aborted' : 'halted', reason: halted.reason ?? `wave ${halted.name} halted` };
  const policy = effectivePolicy(plan, state);
  if (!state.rollback) {
    if (policy === 'none') return [finish];
    const targets = planRollback(plan, state, policy, halted.name);
    return targets.length > 0 ? [{ kind: 'plan-rollback', policy, targets }] : [finish];
  }
  const all = [...state.rollback.targets.values()];
  const steps: Step[] = [];
  const busy = all.filter((t) => t.status === 'intent' || t.status === 'in-progress').length;
  let free = Math.max(1, ...plan.waves.map((w) => w.concurrency)) - busy;
  for (const t of all) {
    const token = t.token ?? rollbackToken(plan.rolloutId, t.name);
    if (t.status === 'intent') steps.push({ kind: 'adopt-rollback', target: t.name, token });
    else if (t.status === 'in-progress' && t.ref) steps.push({ kind: 'follow-rollback', target: t.name, ref: t.ref });
    else if (t.status === 'pending' && free > 0) {
      free--;
      steps.push({ kind: 'rollback', target: t.name, token });
    }
  }
  if (steps.length > 0) return steps;
  return all.some((t) => t.status === 'pending' || t.status === 'intent' || t.status === 'in-progress') ? [] : [finish];
}
