// Pure: minimum-healthy-hosts batching, as CodeDeploy applies it to EC2/on-premises in-place
// deployments.
//
// - HOST_COUNT n: at least n instances stay healthy; FLEET_PERCENT p: ceil(total * p / 100).
// - CodeDeployDefault.OneAtATime is MOST_CONCURRENCY 1: all instances but one stay healthy, so a
//   failure on the last instance still lets the deployment succeed (documented AWS behaviour).
// - An instance being deployed, or that failed, is not healthy. Instances are started while
//   `inFlight + failed < total - minimumHealthy`; when nothing runs and nothing may start, the
//   deployment fails (HEALTH_CONSTRAINTS) and the rest are skipped.
// - Success needs at least max(minimumHealthy, 1) succeeded instances.
// - A minimum that is not below the instance count fails at once (HEALTH_CONSTRAINTS_INVALID).

export type MinimumHealthyHostsKind = 'HOST_COUNT' | 'FLEET_PERCENT' | 'MOST_CONCURRENCY';

export interface MinimumHealthyHostsSpec {
  readonly type: MinimumHealthyHostsKind;
  readonly value: number;
}

export interface HealthPlan {
  readonly total: number;
  readonly minimumHealthy: number;
  /** How many instances may be unhealthy (deploying or failed) at once. */
  readonly maxUnhealthy: number;
  readonly requiredSuccesses: number;
  /** False when the constraint can never be met (HEALTH_CONSTRAINTS_INVALID). */
  readonly valid: boolean;
}

export function planHealth(spec: MinimumHealthyHostsSpec, total: number): HealthPlan {
  let minimumHealthy: number;
  switch (spec.type) {
    case 'MOST_CONCURRENCY':
      minimumHealthy = Math.max(total - Math.max(spec.value, 1), 0);
      break;
    case 'FLEET_PERCENT':
      minimumHealthy = Math.ceil((total * spec.value) / 100);
      break;
    case 'HOST_COUNT':
      minimumHealthy = spec.value;
      break;
  }
  const valid = total > 0 && (spec.type === 'MOST_CONCURRENCY' || minimumHealthy < total);
  return {
    total,
    minimumHealthy,
    maxUnhealthy: Math.max(total - minimumHealthy, 0),
    requiredSuccesses: Math.max(minimumHealthy, 1),
    valid,
  };
}

export interface BatchCounts {
  readonly pending: number;
  readonly inFlight: number;
  readonly succeeded: number;
  readonly failed: number;
}

export type BatchStep =
  | { readonly kind: 'start'; readonly count: number }
  | { readonly kind: 'wait' }
  | { readonly kind: 'finish'; readonly outcome: 'Succeeded' | 'Failed' };

/** What the orchestrator does next, given where the deployment's instances stand. */
export function nextBatchStep(plan: HealthPlan, counts: BatchCounts): BatchStep {
  if (!plan.valid) return counts.inFlight > 0 ? { kind: 'wait' } : { kind: 'finish', outcome: 'Failed' };
  if (counts.pending === 0 && counts.inFlight === 0) {
    return { kind: 'finish', outcome: counts.succeeded >= plan.requiredSuccesses ? 'Succeeded' : 'Failed' };
  }
  const capacity = plan.maxUnhealthy - counts.inFlight - counts.failed;
  if (counts.pending > 0 && capacity > 0) return { kind: 'start', count: Math.min(capacity, counts.pending) };
  if (counts.inFlight > 0) return { kind: 'wait' };
  return { kind: 'finish', outcome: 'Failed' };
}

/** The batches a run would use if every instance succeeded (for previews and tests). */
export function batchSizes(plan: HealthPlan): number[] {
  if (!plan.valid || plan.maxUnhealthy === 0) return [];
  const sizes: number[] = [];
  for (let left = plan.total; left > 0; left -= plan.maxUnhealthy) sizes.push(Math.min(left, plan.maxUnhealthy));
  return sizes;
}
