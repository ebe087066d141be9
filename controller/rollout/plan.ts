// The rollout plan: which targets get the release, wave by wave, with each wave's pace and
// failure budget. The same (application, version, environment) always gives the same rollout
// id, so a retried pipeline step finds the rollout it started. Pure.
import type { FailureBudget, RollbackPolicy, RolloutConfig, Target, WaveGates } from './config-types.js';
import { selectTargets } from './config-parse.js';
import { routeRelease } from './routing.js';

export const PLAN_SCHEMA = 'fleetctl.rollout-plan/v1';

export interface PlannedWave {
  readonly index: number;
  readonly name: string;
  readonly targets: readonly Target[];
  /** Targets deployed at once (never more than the wave has). */
  readonly concurrency: number;
  readonly maxFailed: FailureBudget;
  /** The failure budget as a number of targets. */
  readonly maxFailedTargets: number;
  readonly approval?: 'manual';
  readonly gates: WaveGates;
  readonly bakeMs?: number;
}

export interface RolloutPlan {
  readonly rolloutId: string;
  readonly application: string;
  readonly version: string;
  readonly environment: string;
  readonly waves: readonly PlannedWave[];
  /** What a halted rollout puts back. */
  readonly rollback: RollbackPolicy;
}

export type PlanResult = { readonly ok: true; readonly plan: RolloutPlan } | { readonly ok: false; readonly reason: string };

/** `<application>@<version>@<environment>`: readable, and safe in S3 keys and deployment descriptions. */
export const rolloutIdOf = (application: string, version: string, environment: string): string => `${application}@${version}@${environment}`;

export function parseRolloutId(id: string): { application: string; version: string; environment: string } | undefined {
  const m = /^([\w.+-]{1,100})@([A-Za-z0-9][A-Za-z0-9._+-]{0,127})@([a-z0-9][a-z0-9-]{0,31})$/.exec(id);
  return m ? { application: m[1] ?? '', version: m[2] ?? '', environment: m[3] ?? '' } : undefined;
}

/** How many failed targets a budget allows in a wave of `size` targets (percentages round down). */
export function failureBudgetTargets(budget: FailureBudget, size: number): number {
  return 'count' in budget ? budget.count : Math.floor((budget.percent / 100) * size + 1e-9);
}

export function planRollout(config: RolloutConfig, version: string, environment?: string): PlanResult {
  const route = routeRelease(config, version, environment);
  if (!route.ok) return route;
  const env = route.environment;
  const waves = env.waves.map((w, index): PlannedWave => {
    const targets = selectTargets(w.select, config.targets);
    return {
      index,
      name: w.name,
      targets,
      concurrency: Math.max(1, Math.min(w.concurrency ?? targets.length, targets.length)),
      maxFailed: w.maxFailed,
      maxFailedTargets: failureBudgetTargets(w.maxFailed, targets.length),
      ...(w.approval ? { approval: w.approval } : {}),
      gates: w.gates,
      ...(w.bakeMs !== undefined ? { bakeMs: w.bakeMs } : {}),
    };
  });
  return { ok: true, plan: { rolloutId: rolloutIdOf(config.application, version, env.name), application: config.application, version, environment: env.name, waves, rollback: env.rollback } };
}
