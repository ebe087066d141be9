// What the rollout does next, decided from the plan and the journal's state alone. The executor
// takes the steps, journals each one, and asks again; after a crash it asks the same question of
// the journal it reads back, so the answer never repeats a side effect that was recorded. Pure.
import type { RolloutState, TargetRef, TargetState } from './journal-model.js';
import type { RolloutPlan } from './plan.js';

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
  | { readonly kind: 'done' };

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

export function nextSteps(plan: RolloutPlan, state: RolloutState): Step[] {
  if (state.outcome) return [{ kind: 'done' }];
  if (!state.started) return [{ kind: 'start' }];
  const halted = state.waves.find((w) => w.status === 'halted');
  if (halted) return [{ kind: 'finish', outcome: state.abort ? 'aborted' : 'halted', reason: halted.reason ?? `wave ${halted.name} halted` }];
  const index = state.waves.findIndex((w) => w.status !== 'passed');
  if (index < 0) return [{ kind: 'finish', outcome: 'succeeded' }];
  const wave = state.waves[index];
  const planned = plan.waves[index];
  if (!wave || !planned) return [{ kind: 'finish', outcome: 'halted', reason: 'the journal and the plan disagree' }];
  if (wave.status === 'pending') {
    if (state.abort) return [{ kind: 'finish', outcome: 'aborted', reason: state.abort.reason }];
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
  if (targets.every(finished)) return [{ kind: 'finish-wave', wave: wave.name, outcome: 'passed', failed: wave.failed, allowed }];
  return [];
}
