// A rollout as `status`, `start` and `ls` show it: its state, each wave and target with what was
// deployed (the deployment id or change set), what it replaced and why it failed, each wave's
// gates, bake and approval, what it waits for, why it halted and its rollback, read from the
// journal alone. Pure.
import type { JournalEntry, Previous, RolloutState, TargetRef } from './journal-model.js';
import {
  haltOf,
  rollbackOf,
  waitingOf,
  waveSafety,
  type HaltSummary,
  type RollbackSummary,
  type WaitingSummary,
  type WaveSafetySummary,
} from './summary-safety.js';

/** `waiting-approval` and `paused`: the rollout waits for a person (approve, resume) between two waves. */
export type RolloutStateName = 'not-started' | 'running' | 'waiting-approval' | 'paused' | 'succeeded' | 'halted' | 'aborted';

export interface TargetSummary {
  readonly name: string;
  readonly status: string;
  readonly attempt: number;
  readonly ref?: TargetRef;
  readonly adopted?: boolean;
  readonly previous?: Previous;
  readonly reason?: string;
  /** A succeeded stack's outputs as journaled; `outputsOmitted` did not fit the journal entry. */
  readonly outputs?: Readonly<Record<string, string>>;
  readonly outputsOmitted?: number;
}

export interface WaveSummary extends WaveSafetySummary {
  readonly name: string;
  readonly status: string;
  readonly failed: number;
  readonly allowed?: number;
  readonly reason?: string;
  readonly targets: readonly TargetSummary[];
}

export interface LeaseSummary {
  readonly holder: string;
  readonly until: string;
  /** Unexpired at the time of reading. */
  readonly live: boolean;
}

export interface RolloutSummary {
  readonly rolloutId: string;
  readonly state: RolloutStateName;
  readonly reason?: string;
  readonly startedBy?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly abort?: { readonly by: string; readonly reason: string; readonly rollback?: boolean };
  /** A pause in force: no further wave starts until `rollout resume`. */
  readonly paused?: { readonly by: string; readonly at: string; readonly reason?: string };
  /** What a person must do for the rollout to go on (start and resume exit 3). */
  readonly waiting?: WaitingSummary;
  /** The wave that halted, why, and the failing gate values. */
  readonly halt?: HaltSummary;
  /** What a halted rollout puts back, per target. */
  readonly rollback?: RollbackSummary;
  /** s3://bucket/prefix/journal/ */
  readonly journal: string;
  readonly lease?: LeaseSummary;
  readonly counts: { readonly targets: number; readonly succeeded: number; readonly failed: number; readonly inProgress: number; readonly pending: number };
  readonly waves: readonly WaveSummary[];
}

export function stateName(state: RolloutState): RolloutStateName {
  if (state.outcome) return state.outcome;
  if (!state.started) return 'not-started';
  const waiting = waitingOf('', state);
  if (waiting) return waiting.for === 'approval' ? 'waiting-approval' : 'paused';
  return 'running';
}

export function summarize(rolloutId: string, state: RolloutState, entries: readonly JournalEntry[], journal: string, lease?: LeaseSummary): RolloutSummary {
  const targets = [...state.targets.values()];
  const count = (pred: (s: string) => boolean): number => targets.filter((t) => pred(t.status)).length;
  const waves = state.waves.map(
    (w): WaveSummary => ({
      name: w.name,
      status: w.status,
      failed: w.failed,
      ...(w.allowed !== undefined ? { allowed: w.allowed } : {}),
      ...(w.reason ? { reason: w.reason } : {}),
      ...waveSafety(w),
      targets: w.targets.map((name): TargetSummary => {
        const t = state.targets.get(name);
        return {
          name,
          status: t?.status ?? 'pending',
          attempt: t?.attempt ?? 0,
          ...(t?.ref ? { ref: t.ref } : {}),
          ...(t?.adopted ? { adopted: true } : {}),
          ...(t?.previous ? { previous: t.previous } : {}),
          ...(t?.reason ? { reason: t.reason } : {}),
          ...(t?.outputs ? { outputs: t.outputs } : {}),
          ...(t?.outputsOmitted ? { outputsOmitted: t.outputsOmitted } : {}),
        };
      }),
    }),
  );
  const started = entries.find((e) => e.type === 'started');
  const finished = entries.find((e) => e.type === 'finished');
  const waiting = waitingOf(rolloutId, state);
  const halt = haltOf(state);
  const rollback = rollbackOf(state);
  return {
    rolloutId,
    state: stateName(state),
    ...(state.reason ? { reason: state.reason } : {}),
    ...(state.startedBy ? { startedBy: state.startedBy } : {}),
    ...(started ? { startedAt: started.at } : {}),
    ...(finished ? { finishedAt: finished.at } : {}),
    ...(state.abort ? { abort: { ...state.abort } } : {}),
    ...(state.paused ? { paused: { ...state.paused } } : {}),
    ...(waiting ? { waiting } : {}),
    ...(halt ? { halt } : {}),
    ...(rollback ? { rollback } : {}),
    journal,
    ...(lease ? { lease } : {}),
    counts: {
      targets: targets.length,
      succeeded: count((s) => s === 'succeeded'),
      failed: count((s) => s === 'failed'),
      inProgress: count((s) => s === 'intent' || s === 'in-progress'),
      pending: count((s) => s === 'pending'),
    },
    waves,
  };
}

/** For start and resume: 0 succeeded (or running), 1 halted or aborted, 3 waiting for a person (approve, resume). */
export const exitOfState = (state: RolloutStateName): 0 | 1 | 3 =>
  state === 'halted' || state === 'aborted' ? 1 : state === 'waiting-approval' || state === 'paused' ? 3 : 0;

/**
 * For status: 1 halted or aborted, else 0 (a rollout waiting for a person reads fine: its state
 * and `waiting` say so; only the command that stopped to wait exits 3).
 */
export const statusExitOfState = (state: RolloutStateName): 0 | 1 => (state === 'halted' || state === 'aborted' ? 1 : 0);
