// The rollout journal as data: an append-only list of entries, each side effect written as an
// intent before the call and a fact after it. `foldJournal` turns the entries into the rollout's
// state; a restarted controller reads the journal, folds it, and knows exactly what it did. Pure.

import type { RollbackState, SafetyEntry, WaveSafetyState } from './journal-safety.js';

export const JOURNAL_SCHEMA = 'fleetctl.rollout-journal/v1';

/** What a target ran before this rollout touched it (what a rollback puts back). */
export type Previous =
  | {
      readonly kind: 'revision';
      readonly revision?: { readonly bucket: string; readonly key: string; readonly bundleType: string; readonly eTag?: string; readonly version?: string };
      /** The group whose deployment installed it, when not the target's own (a ring's base group). */
      readonly fromGroup?: string;
    }
  | { readonly kind: 'stack'; readonly exists: boolean; readonly status?: string; readonly parameters?: Readonly<Record<string, string>>; readonly templateKey?: string }
  | { readonly kind: 'web'; readonly release?: string };

/** How a started deployment is found again: a CodeDeploy deployment, a change set, a copy. */
export type TargetRef =
  | { readonly kind: 'deployment'; readonly deploymentId: string }
  | { readonly kind: 'change-set'; readonly stackId: string; readonly changeSetName: string }
  | { readonly kind: 'copy'; readonly objects: number }
  /** Nothing to deploy (a ring without devices): the target succeeds without a call, and changed nothing. */
  | { readonly kind: 'none'; readonly reason: string };

export type EntryBody =
  | { readonly type: 'started'; readonly by: string; readonly waves: readonly { readonly name: string; readonly targets: readonly string[] }[] }
  | { readonly type: 'wave-started'; readonly wave: string }
  | { readonly type: 'target-before'; readonly target: string; readonly previous: Previous }
  | { readonly type: 'target-intent'; readonly target: string; readonly attempt: number; readonly token: string }
  | { readonly type: 'target-started'; readonly target: string; readonly attempt: number; readonly ref: TargetRef; readonly adopted?: boolean }
  /**
   * `outputs`: what a succeeded target exposes (a stack's outputs), bounded by `boundOutputs`;
   * `outputsOmitted`: how many did not fit. Both absent in journals written before they existed.
   */
  | {
      readonly type: 'target-finished';
      readonly target: string;
      readonly outcome: 'succeeded' | 'failed';
      readonly reason?: string;
      readonly outputs?: Readonly<Record<string, string>>;
      readonly outputsOmitted?: number;
    }
  | { readonly type: 'wave-finished'; readonly wave: string; readonly outcome: 'passed' | 'halted'; readonly failed: number; readonly allowed: number; readonly reason?: string }
  /** `rollback`: put back what the rollout changed (per the environment's policy, `all` when that is none). */
  | { readonly type: 'abort-requested'; readonly by: string; readonly reason: string; readonly rollback?: boolean }
  | { readonly type: 'finished'; readonly outcome: RolloutOutcome; readonly reason?: string }
  | SafetyEntry;

export type JournalEntry = EntryBody & { readonly seq: number; readonly at: string };

/**
 * Bytes of output keys and values one journal entry carries at most. CloudFormation allows 200
 * outputs of up to 4 KiB each; the whole list in every entry would make each snapshot (which holds
 * every entry) and each `status` read grow by up to ~850 KB per stack. Real outputs (ARNs, URLs,
 * ids) fit many times over; the rest is counted, and DescribeStacks still has them.
 */
export const OUTPUTS_JOURNAL_BYTES = 64 * 1024;

/** The outputs a journal entry keeps: whole pairs in key order, each that still fits (as JSON), and how many did not. */
export function boundOutputs(
  outputs: Readonly<Record<string, string>>,
  budget = OUTPUTS_JOURNAL_BYTES,
): { outputs: Record<string, string>; outputsOmitted?: number } {
  const kept: [string, string][] = [];
  let used = 0;
  for (const [key, value] of Object.entries(outputs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const size = Buffer.byteLength(JSON.stringify(key)) + Buffer.byteLength(JSON.stringify(value));
    if (used + size > budget) continue;
    kept.push([key, value]);
    used += size;
  }
  const omitted = Object.keys(outputs).length - kept.length;
  return { outputs: Object.fromEntries(kept), ...(omitted > 0 ? { outputsOmitted: omitted } : {}) };
}

export type RolloutOutcome = 'succeeded' | 'halted' | 'aborted';
export type TargetStatus = 'pending' | 'intent' | 'in-progress' | 'succeeded' | 'failed';
export type WaveStatus = 'pending' | 'in-progress' | 'passed' | 'halted';

export interface TargetState {
  readonly name: string;
  status: TargetStatus;
  attempt: number;
  token?: string;
  ref?: TargetRef;
  adopted?: boolean;
  previous?: Previous;
  reason?: string;
  outputs?: Readonly<Record<string, string>>;
  outputsOmitted?: number;
}

export interface WaveState extends WaveSafetyState {
  readonly name: string;
  status: WaveStatus;
  readonly targets: string[];
  failed: number;
  allowed?: number;
  reason?: string;
}

export interface RolloutState {
  started: boolean;
  startedBy?: string;
  readonly waves: WaveState[];
  readonly targets: Map<string, TargetState>;
  abort?: { by: string; reason: string; rollback?: boolean };
  /** Set by a pause request, cleared by resume: no further wave starts. */
  paused?: { by: string; reason?: string; at: string };
  /** Planned once the rollout halted (and the policy puts something back). */
  rollback?: RollbackState;
  outcome?: RolloutOutcome;
  reason?: string;
  /** The sequence number the next entry takes. */
  nextSeq: number;
}

export class JournalError extends Error {}

/** Folds entries (in sequence order, with no gaps) into the rollout's state. */
export function foldJournal(entries: readonly JournalEntry[]): RolloutState {
  const state: RolloutState = { started: false, waves: [], targets: new Map(), nextSeq: 0 };
  for (const entry of entries) {
    if (entry.seq !== state.nextSeq) throw new JournalError(`journal entry ${entry.seq} found where ${state.nextSeq} was expected`);
    apply(state, entry);
    state.nextSeq++;
  }
  return state;
}

/**
 * The state after one more entry, `state` left as it was: what foldJournal would give for the
 * entries plus this one, without folding them all again (a controller appends hundreds of entries,
 * and refolding on each append made them cost quadratic time). Copies the waves and the entry's
 * target; the other targets are shared, and an entry never changes them.
 */
export function foldNext(state: RolloutState, entry: JournalEntry): RolloutState {
  if (entry.seq !== state.nextSeq) throw new JournalError(`journal entry ${entry.seq} found where ${state.nextSeq} was expected`);
  const waves = state.waves.map((w) => ({ ...w, checks: [...w.checks] }));
  const next: RolloutState = { ...state, waves, targets: new Map(state.targets), ...cloneRollback(state.rollback) };
  const touched = 'target' in entry && !entry.type.startsWith('rollback-') ? state.targets.get(entry.target) : undefined;
  if (touched) next.targets.set(touched.name, { ...touched });
  apply(next, entry);
  next.nextSeq++;
  return next;
}

function target(state: RolloutState, name: string): TargetState {
  const t = state.targets.get(name);
  if (!t) throw new JournalError(`journal names target ${name}, which the rollout does not have`);
  return t;
}

function wave(state: RolloutState, name: string): WaveState {
  const w = state.waves.find((x) => x.name === name);
  if (!w) throw new JournalError(`journal names wave ${name}, which the rollout does not have`);
  return w;
}

function apply(state: RolloutState, e: JournalEntry): void {
  switch (e.type) {
    case 'started':
      if (state.started) throw new JournalError('journal has two started entries');
      state.started = true;
      state.startedBy = e.by;
      for (const w of e.waves) {
        state.waves.push({ name: w.name, status: 'pending', targets: [...w.targets], failed: 0, checks: [] });
        for (const t of w.targets) state.targets.set(t, { name: t, status: 'pending', attempt: 0 });
      }
      return;
    case 'wave-started':
      wave(state, e.wave).status = 'in-progress';
      return;
    case 'target-before':
      target(state, e.target).previous = e.previous;
      return;
    case 'target-intent': {
      const t = target(state, e.target);
      Object.assign(t, { status: 'intent', attempt: e.attempt, token: e.token });
      return;
    }
    case 'target-started': {
      const t = target(state, e.target);
      Object.assign(t, { status: 'in-progress', attempt: e.attempt, ref: e.ref, adopted: e.adopted === true });
      return;
    }
    case 'target-finished': {
      const t = target(state, e.target);
      t.status = e.outcome;
      if (e.reason !== undefined) t.reason = e.reason;
      if (e.outputs !== undefined) t.outputs = e.outputs;
      if (e.outputsOmitted !== undefined) t.outputsOmitted = e.outputsOmitted;
      const w = state.waves.find((x) => x.targets.includes(e.target));
      if (w && e.outcome === 'failed') w.failed++;
      return;
    }
    case 'wave-finished':
      Object.assign(wave(state, e.wave), { status: e.outcome, failed: e.failed, allowed: e.allowed, ...(e.reason ? { reason: e.reason } : {}) });
      return;
    case 'abort-requested':
      state.abort = { by: e.by, reason: e.reason, ...(e.rollback ? { rollback: true } : {}) };
      return;
    case 'finished':
      state.outcome = e.outcome;
      if (e.reason !== undefined) state.reason = e.reason;
      return;
    default:
      applySafety(state, e);
  }
}

function cloneRollback(r: RollbackState | undefined): { rollback?: RollbackState } {
  if (!r) return {};
  return { rollback: { policy: r.policy, targets: new Map([...r.targets].map(([k, v]) => [k, { ...v }])) } };
}

function rollbackTarget(state: RolloutState, name: string): NonNullable<ReturnType<RollbackState['targets']['get']>> {
  const t = state.rollback?.targets.get(name);
  if (!t) throw new JournalError(`journal rolls back target ${name}, which the rollback plan does not have`);
  return t;
}

function applySafety(state: RolloutState, e: SafetyEntry & { readonly at: string }): void {
  switch (e.type) {
    case 'gates-checked':
      wave(state, e.wave).checks.push({ phase: e.phase, passed: e.passed, results: e.results, at: e.at });
      return;
    case 'bake-started':
      wave(state, e.wave).bakeUntil = e.until;
      return;
    case 'approval-requested':
      wave(state, e.wave).approvalRequested = true;
      return;
    case 'approved':
      wave(state, e.wave).approved = { by: e.by, at: e.at, ...(e.comment ? { comment: e.comment } : {}) };
      return;
    case 'pause-requested':
      state.paused = { by: e.by, at: e.at, ...(e.reason ? { reason: e.reason } : {}) };
      return;
    case 'resumed':
      delete state.paused;
      return;
    case 'rollback-planned':
      if (state.rollback) throw new JournalError('journal plans the rollback twice');
      state.rollback = {
        policy: e.policy,
        targets: new Map(
          e.targets.map((p) => {
            const status = p.action === 'rollback' ? 'pending' : p.action === 'skip' ? 'skipped' : 'by-service';
            return [p.target, { name: p.target, status, ...(p.reason ? { reason: p.reason } : {}) }] as const;
          }),
        ),
      };
      return;
    case 'rollback-intent':
      Object.assign(rollbackTarget(state, e.target), { status: 'intent', token: e.token });
      return;
    case 'rollback-started':
      Object.assign(rollbackTarget(state, e.target), { status: 'in-progress', ref: e.ref, adopted: e.adopted === true });
      return;
    case 'rollback-finished': {
      const t = rollbackTarget(state, e.target);
      t.status = e.outcome;
      if (e.reason !== undefined) t.reason = e.reason;
      return;
    }
  }
}
