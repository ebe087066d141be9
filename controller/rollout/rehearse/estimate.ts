// How long the rehearsed rollout would take for real (pure). The rehearsal runs bakes scaled down
// and deployments on virtual hosts that finish in milliseconds, so its wall time says little; the
// estimate adds, per wave, the real bake (from the config) and the deployment steps the rehearsal
// measured (how many targets it deployed, in rounds of the wave's concurrency), each round costing
// what one deployment of the slowest kind in it typically takes in AWS (STEP_MS). A halted
// rollout's rollback adds one round of its targets. A manual approval waits for a person: counted
// apart, not in the time.
import type { TargetKind } from '../config-types.js';
import type { RolloutPlan } from '../plan.js';

/** Typical time of one deployment in AWS, by kind (on-premises CodeDeploy to devices; a stack update; a web copy). */
export const STEP_MS: Readonly<Record<TargetKind, number>> = {
  devices: 5 * 60_000,
  codedeploy: 5 * 60_000,
  stack: 4 * 60_000,
  web: 30_000,
};

export interface WaveSteps {
  /** Targets the rehearsal deployed in the wave (not those it skipped or never reached), by kind. */
  readonly deployed: readonly TargetKind[];
  /** The wave's bake started (a wave halted before it never bakes). */
  readonly baked: boolean;
}

export interface EstimatePart {
  readonly wave: string;
  readonly rounds: number;
  readonly deployMs: number;
  readonly bakeMs: number;
  readonly approval: boolean;
}

export interface Estimate {
  /** The rehearsed path (to the halt and through the rollback), for real. */
  readonly ms: number;
  readonly approvals: number;
  readonly rollbackMs: number;
  readonly waves: readonly EstimatePart[];
}

const slowest = (kinds: readonly TargetKind[]): number => kinds.reduce((m, k) => Math.max(m, STEP_MS[k]), 0);

/** `steps` by wave name: the waves the rehearsal reached; `rolledBack`: the kinds of the targets it put back. */
export function estimateDuration(plan: RolloutPlan, steps: ReadonlyMap<string, WaveSteps>, rolledBack: readonly TargetKind[]): Estimate {
  const waves: EstimatePart[] = [];
  for (const w of plan.waves) {
    const s = steps.get(w.name);
    if (!s) continue;
    const rounds = Math.ceil(s.deployed.length / Math.max(1, w.concurrency));
    waves.push({
      wave: w.name,
      rounds,
      deployMs: rounds * slowest(s.deployed),
      bakeMs: s.baked ? (w.bakeMs ?? 0) : 0,
      approval: w.approval === 'manual',
    });
  }
  const rollbackMs = slowest(rolledBack);
  const ms = waves.reduce((n, p) => n + p.deployMs + p.bakeMs, 0) + rollbackMs;
  return { ms, approvals: waves.filter((p) => p.approval).length, rollbackMs, waves };
}

export function durationText(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 1) return `${Math.round(ms / 1000)} s`;
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
