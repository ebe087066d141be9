// What `status` and `start` show of a rollout's safety machinery, read from the journal alone: per
// wave its gate checks, bake and approval; a pause; what the rollout waits for (a person: exit 3
// for start); why it halted with the gate values that did it; the rollback per target. Pure.
import type { RollbackPolicy } from './config-types.js';
import type { GatePhase, GateResult } from './gates/types.js';
import type { RolloutState, TargetRef, WaveState } from './journal-model.js';
import type { RollbackAction, RollbackStatus } from './journal-safety.js';

export interface GateCheckSummary {
  readonly phase: GatePhase;
  readonly passed: boolean;
  readonly at: string;
  readonly results: readonly GateResult[];
}

export interface ApprovalSummary {
  /** The controller reached the wave and stopped for the approval. */
  readonly requested: boolean;
  readonly approved?: { readonly by: string; readonly at: string; readonly comment?: string };
}

export interface WaveSafetySummary {
  /** Every journaled gate check, oldest first (a bake's passing looks are not journaled). */
  readonly checks: readonly GateCheckSummary[];
  readonly bakeUntil?: string;
  readonly approval?: ApprovalSummary;
}

/** What the rollout waits for: a person must act; `command` is what they run. */
export interface WaitingSummary {
  readonly for: 'approval' | 'resume';
  readonly wave: string;
  readonly message: string;
  readonly command: string;
}

export interface HaltSummary {
  readonly wave: string;
  readonly reason: string;
  /** The failing results of the gate check that halted the wave (none when the budget or an abort did). */
  readonly gates: readonly GateResult[];
}

export interface RollbackTargetSummary {
  readonly name: string;
  readonly action: RollbackAction;
  readonly status: RollbackStatus;
  readonly ref?: TargetRef;
  readonly adopted?: boolean;
  readonly reason?: string;
}

export interface RollbackSummary {
  readonly policy: RollbackPolicy;
  readonly targets: readonly RollbackTargetSummary[];
}

export function waveSafety(w: WaveState): WaveSafetySummary {
  const approval: ApprovalSummary | undefined =
    w.approvalRequested || w.approved
      ? { requested: w.approvalRequested === true, ...(w.approved ? { approved: { ...w.approved } } : {}) }
      : undefined;
  return {
    checks: w.checks.map((c) => ({ phase: c.phase, passed: c.passed, at: c.at, results: c.results })),
    ...(w.bakeUntil ? { bakeUntil: w.bakeUntil } : {}),
    ...(approval ? { approval } : {}),
  };
}

/**
 * What the rollout waits for, as nextSteps decides it: between waves (none in progress, none
 * halted, no abort), a pause waits for a resume, and a wave whose approval was requested and not
 * given waits for it. A pause asked for during a wave takes effect once the wave ends.
 */
export function waitingOf(rolloutId: string, state: RolloutState): WaitingSummary | undefined {
  if (state.outcome || !state.started || state.abort) return undefined;
  if (state.waves.some((w) => w.status === 'halted' || w.status === 'in-progress')) return undefined;
  const next = state.waves.find((w) => w.status === 'pending');
  if (!next) return undefined;
  if (state.paused) {
    const command = `fleetctl rollout resume ${rolloutId}`;
    return { for: 'resume', wave: next.name, message: `paused before wave ${next.name}; run \`${command}\``, command };
  }
  if (next.approvalRequested && !next.approved) {
    const command = `fleetctl rollout approve ${rolloutId} --wave ${next.name}`;
    return { for: 'approval', wave: next.name, message: `waiting for approval of wave ${next.name}; run \`${command}\``, command };
  }
  return undefined;
}

export function haltOf(state: RolloutState): HaltSummary | undefined {
  const w = state.waves.find((x) => x.status === 'halted');
  if (!w) return undefined;
  const last = w.checks.at(-1);
  const gates = last && !last.passed ? last.results.filter((r) => !r.passed) : [];
  return { wave: w.name, reason: w.reason ?? `wave ${w.name} halted`, gates };
}

const actionOf = (s: RollbackStatus): RollbackAction => (s === 'skipped' ? 'skip' : s === 'by-service' ? 'by-service' : 'rollback');

export function rollbackOf(state: RolloutState): RollbackSummary | undefined {
  const r = state.rollback;
  if (!r) return undefined;
  const targets = [...r.targets.values()].map(
    (t): RollbackTargetSummary => ({
      name: t.name,
      action: actionOf(t.status),
      status: t.status,
      ...(t.ref ? { ref: t.ref } : {}),
      ...(t.adopted ? { adopted: true } : {}),
      ...(t.reason ? { reason: t.reason } : {}),
    }),
  );
  return { policy: r.policy, targets };
}
