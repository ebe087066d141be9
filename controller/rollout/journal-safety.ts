// The journal entries of a rollout's safety machinery and what they fold into: gate results, the
// bake, approvals, pause and resume, and the rollback of a halted rollout (planned once, then an
// intent before and a fact after each target's rollback, as for deployments). Pure.
import type { GateKind, RollbackPolicy } from './config-types.js';
import type { GatePhase, GateResult } from './gates/types.js';
import type { TargetRef } from './journal-model.js';

export type RollbackAction = 'rollback' | 'skip' | 'by-service';

export interface PlannedRollback {
  readonly target: string;
  readonly action: RollbackAction;
  /** Why a target is skipped or left to its service (no previous revision, CodeDeploy rolled back itself). */
  readonly reason?: string;
}

export type SafetyEntry =
  | { readonly type: 'gates-checked'; readonly wave: string; readonly phase: GatePhase; readonly passed: boolean; readonly results: readonly GateResult[] }
  | { readonly type: 'bake-started'; readonly wave: string; readonly until: string }
  | { readonly type: 'approval-requested'; readonly wave: string }
  | { readonly type: 'approved'; readonly wave: string; readonly by: string; readonly comment?: string }
  | { readonly type: 'pause-requested'; readonly by: string; readonly reason?: string }
  | { readonly type: 'resumed'; readonly by: string }
  | { readonly type: 'rollback-planned'; readonly policy: RollbackPolicy; readonly targets: readonly PlannedRollback[] }
  | { readonly type: 'rollback-intent'; readonly target: string; readonly token: string }
  | { readonly type: 'rollback-started'; readonly target: string; readonly ref: TargetRef; readonly adopted?: boolean }
  | { readonly type: 'rollback-finished'; readonly target: string; readonly outcome: 'succeeded' | 'failed'; readonly reason?: string };

/** Entries anyone with access may write while a controller drives the rollout (it reads them in). */
export const REQUEST_ENTRY_TYPES: ReadonlySet<string> = new Set(['abort-requested', 'pause-requested', 'resumed', 'approved']);

export interface GateCheck {
  readonly phase: GatePhase;
  readonly passed: boolean;
  readonly results: readonly GateResult[];
  readonly at: string;
}

export interface WaveSafetyState {
  checks: GateCheck[];
  bakeUntil?: string;
  approvalRequested?: boolean;
  approved?: { by: string; at: string; comment?: string };
}

export type RollbackStatus = 'pending' | 'intent' | 'in-progress' | 'succeeded' | 'failed' | 'skipped' | 'by-service';

export interface RollbackTargetState {
  readonly name: string;
  status: RollbackStatus;
  token?: string;
  ref?: TargetRef;
  adopted?: boolean;
  reason?: string;
}

export interface RollbackState {
  readonly policy: RollbackPolicy;
  /** In the order planned. */
  readonly targets: Map<string, RollbackTargetState>;
}

/** The failing results of a check, for a halt reason: `device-health: 1 of 3 devices unhealthy (33%) (at most 0 unhealthy)`. */
export function gateFailureText(results: readonly GateResult[]): string {
  return results
    .filter((r) => !r.passed)
    .map((r) => `${r.gate}${r.target ? ` on ${r.target}` : ''}: ${r.value} (${r.threshold})`)
    .join('; ');
}

export const gateKindOrder = (k: GateKind): number => ['device-health', 'deployment-outcome', 'alarms', 'command'].indexOf(k);
