// The demo's reading of its rollouts' `fleetctl rollout status --json` documents (the parts it
// uses) and its judgement of them: what the successful rollout (v1.1.0) and the halted one (v1.2.0)
// must show for the demo to exit 0. Pure.
/** The example's ring targets (fleet.yml: rings of the stations, seeded so the canary is pi-01). */
export const CANARY_RING = 'stations@ring1';
export const OTHER_RING = 'stations@ring2';
export const CANARY = 'pi-01';

export interface StatusTarget {
  readonly name: string;
  readonly status: string;
  readonly ref?: { readonly kind: string; readonly deploymentId?: string };
  readonly reason?: string;
}
export interface GateValue {
  readonly gate: string;
  readonly passed: boolean;
  readonly value: string;
  readonly threshold: string;
  readonly detail?: string;
}
export interface StatusWave {
  readonly name: string;
  readonly status: string;
  readonly reason?: string;
  readonly checks?: readonly { readonly phase: string; readonly passed: boolean; readonly results: readonly GateValue[] }[];
  readonly targets: readonly StatusTarget[];
}
export interface RollbackTarget {
  readonly name: string;
  readonly action: string;
  readonly status: string;
  readonly ref?: StatusTarget['ref'];
  readonly reason?: string;
}
export interface StatusDoc {
  readonly state: string;
  readonly journal: string;
  readonly waves: readonly StatusWave[];
  readonly halt?: { readonly wave: string; readonly reason: string; readonly gates: readonly GateValue[] };
  readonly rollback?: {
    readonly policy: string;
    readonly targets: readonly RollbackTarget[];
  };
}

/** `device-health: 0 of 1 devices unhealthy (0%), 0 unknown (at most 0 unhealthy)`. */
export const gateLine = (r: GateValue): string => `${r.gate}: ${r.value} (${r.threshold})${r.passed ? '' : ' FAILED'}`;

/** What is wrong with the rollout's status document (pure): empty when every wave, gate and target passed. */
export function statusProblems(doc: StatusDoc): string[] {
  const problems = doc.state === 'succeeded' ? [] : [`the rollout is ${doc.state}`];
  const names = doc.waves.map((w) => w.name).join(',');
  if (names !== 'canaries,devices,tenants') problems.push(`waves ${names}, expected canaries,devices,tenants`);
  const [canaries, devices] = doc.waves;
  const deploys = (w: StatusWave | undefined, ring: string): boolean => w?.targets.map((t) => t.name).join(',') === ring;
  if (!deploys(canaries, CANARY_RING)) problems.push(`the canaries wave does not deploy ${CANARY_RING} alone`);
  if (!deploys(devices, OTHER_RING)) problems.push(`the devices wave does not deploy ${OTHER_RING} alone`);
  // the canary's health gate was read after its deployment and again once the bake was over
  const health = (phase: string): boolean | undefined =>
    canaries?.checks?.find((c) => c.phase === phase)?.results.find((r) => r.gate === 'device-health')?.passed;
  if (health('deployed') !== true || health('baked') !== true) {
    problems.push('the canaries wave has no passed device-health check after its deployment and its bake');
  }
  for (const w of doc.waves) {
    for (const t of w.targets) {
      if (t.status !== 'succeeded') problems.push(`${w.name}/${t.name} ${t.status}${t.reason ? `: ${t.reason}` : ''}`);
    }
  }
  const tenants = doc.waves.find((w) => w.name === 'tenants')?.targets.length ?? 0;
  if (tenants !== 9) problems.push(`${tenants} tenant targets, expected 9`);
  return problems;
}

/**
 * What is wrong with the halted rollout's status document (pure): empty when the canary's health
 * gate halted it and the canary alone was rolled back.
 */
export function haltProblems(doc: StatusDoc): string[] {
  const problems = doc.state === 'halted' ? [] : [`the rollout is ${doc.state}, expected halted`];
  if (doc.halt?.wave !== 'canaries') problems.push(`the halted wave is ${doc.halt?.wave ?? 'none'}, expected canaries`);
  const gateFailed = doc.halt?.gates.some((g) => g.gate === 'device-health' && !g.passed) === true;
  if (!gateFailed) problems.push('the halt does not quote a failed device-health gate');
  const rollback = doc.rollback?.targets ?? [];
  const names = rollback.map((r) => r.name);
  if (names.join(',') !== CANARY_RING) problems.push(`rolled back: ${names.join(', ') || 'nothing'}, expected ${CANARY_RING} alone`);
  const canary = rollback.find((r) => r.name === CANARY_RING);
  if (canary && (canary.status !== 'succeeded' || canary.ref?.kind !== 'deployment')) {
    problems.push(`the rollback of ${CANARY_RING} is ${canary.status}${canary.reason ? `: ${canary.reason}` : ''}`);
  }
  for (const w of doc.waves.filter((x) => x.name !== 'canaries')) {
    if (w.status !== 'pending') problems.push(`wave ${w.name} is ${w.status}, expected pending`);
    const touched = w.targets.filter((x) => x.status !== 'pending' || x.ref);
    for (const t of touched) problems.push(`${w.name}/${t.name} was touched (${t.status})`);
  }
  return problems;
}
