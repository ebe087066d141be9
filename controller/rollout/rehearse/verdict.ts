// Whether the rehearsed policy behaved (pure).
//
// The rule: each injected bad-release fault (--unhealthy, --alarm, --fail) shows in a wave (the
// wave that deploys the target; for --alarm the wave named) and is caught by the first wave at or
// after it whose gates or failure budget can see it:
//   - unhealthy devices: the same wave's device_health gate, when more devices are unhealthy than
//     its max_unhealthy allows of the wave's devices (later waves judge only their own devices);
//   - an alarm: the first wave from then on whose alarms gate names a firing alarm and has a
//     target in the alarm's account and region (the alarm stays in ALARM once set);
//   - a failing target: its wave, when the wave's failed targets exceed max_failed (or, for a
//     devices target, the wave's deployment_outcome gate sees more failed devices than it allows).
// The policy stops the bad release when the rollout HALTED at or before the earliest such catching
// wave (the earliest wave a fault shows in, when no gate can see it): exit 0. It lets the bad
// release through when it completed or halted later: exit 1. Without bad-release faults (only
// --fail-rate, or nothing) it behaved when the rollout completed.
import type { RolloutPlan } from '../plan.js';
import { allowedOf } from '../gates/text.js';
import type { ResolvedFaults } from './resolve.js';

export interface FaultWindow {
  readonly fault: string;
  /** The wave the fault shows in (0-based) and the one that can catch it, if any. */
  readonly shows: number;
  readonly caughtBy?: number;
  readonly why: string;
}

export interface Verdict {
  readonly behaved: boolean;
  /** The wave the rollout should have halted by (0-based), when a bad release was injected. */
  readonly haltBy?: number;
  readonly haltedAt?: number;
  readonly text: string;
  readonly windows: readonly FaultWindow[];
}

/** Devices per target of the mirrored estate (ring targets: their ring's). */
export type DeviceCounts = ReadonlyMap<string, number>;

function devicesIn(plan: RolloutPlan, wave: number, devices: DeviceCounts): number {
  return (plan.waves[wave]?.targets ?? []).reduce((n, t) => n + (t.kind === 'devices' ? (devices.get(t.name) ?? 0) : 0), 0);
}

/** `pipeline`: the account of targets that name none. */
export function faultWindows(plan: RolloutPlan, faults: ResolvedFaults, devices: DeviceCounts, pipeline: string): FaultWindow[] {
  const out: FaultWindow[] = [];
  const unhealthyPerWave = new Map<number, number>();
  for (const f of faults.unhealthy) unhealthyPerWave.set(f.wave, (unhealthyPerWave.get(f.wave) ?? 0) + f.hosts.length);
  for (const f of faults.unhealthy) {
    const w = plan.waves[f.wave];
    const gate = w?.gates.deviceHealth;
    const n = devicesIn(plan, f.wave, devices);
    const bad = unhealthyPerWave.get(f.wave) ?? 0;
    const allowed = gate ? allowedOf(gate.maxUnhealthy, n) : undefined;
    const caught = allowed !== undefined && bad > allowed;
    const why = !gate
      ? `wave ${w?.name ?? '?'} has no device_health gate`
      : caught
        ? `wave ${w?.name ?? '?'}'s device_health gate allows ${allowed} unhealthy of ${n}`
        : `wave ${w?.name ?? '?'}'s device_health gate tolerates ${bad} unhealthy of ${n} (allows ${allowed})`;
    out.push({ fault: `--unhealthy ${f.fault}`, shows: f.wave, ...(caught ? { caughtBy: f.wave } : {}), why });
  }
  for (const f of faults.alarms) {
    const at = plan.waves.findIndex(
      (w, i) =>
        i >= f.wave &&
        (w.gates.alarms ?? []).some((a) => f.alarms.includes(a)) &&
        w.targets.some((t) => t.region === f.region && (t.account ?? pipeline) === f.account),
    );
    const why =
      at >= 0
        ? `wave ${plan.waves[at]?.name ?? '?'}'s alarms gate watches ${f.alarms.join(', ')} in ${f.account}/${f.region}`
        : `no alarms gate from wave ${plan.waves[f.wave]?.name ?? '?'} on watches ${f.alarms.join(', ')} in ${f.account}/${f.region}`;
    out.push({ fault: `--alarm ${f.fault}`, shows: f.wave, ...(at >= 0 ? { caughtBy: at } : {}), why });
  }
  const failedPerWave = new Map<number, number>();
  for (const f of faults.fail) failedPerWave.set(f.wave, (failedPerWave.get(f.wave) ?? 0) + 1);
  for (const f of faults.fail) {
    const w = plan.waves[f.wave];
    const failed = failedPerWave.get(f.wave) ?? 0;
    const overBudget = w !== undefined && failed > w.maxFailedTargets;
    const outcome = w?.gates.deploymentOutcome;
    const finished = devicesIn(plan, f.wave, devices);
    const byOutcome = f.kind === 'devices' && outcome !== undefined && f.hosts.length > allowedOf(outcome.maxFailed, finished);
    const caught = overBudget || byOutcome;
    const why = overBudget
      ? `wave ${w?.name ?? '?'} allows ${w?.maxFailedTargets ?? 0} failed target(s)`
      : byOutcome
        ? `wave ${w?.name ?? '?'}'s deployment_outcome gate`
        : `wave ${w?.name ?? '?'} tolerates ${failed} failed target(s) (max_failed ${w?.maxFailedTargets ?? 0})`;
    out.push({ fault: `--fail ${f.fault}`, shows: f.wave, ...(caught ? { caughtBy: f.wave } : {}), why });
  }
  return out;
}

export interface Outcome {
  readonly state: string;
  /** The wave that halted (0-based), when the rollout halted. */
  readonly haltedAt?: number;
}

export function judge(plan: RolloutPlan, windows: readonly FaultWindow[], outcome: Outcome): Verdict {
  const name = (i: number | undefined): string => (i === undefined ? '?' : (plan.waves[i]?.name ?? String(i + 1)));
  const halted = outcome.state === 'halted' && outcome.haltedAt !== undefined ? outcome.haltedAt : undefined;
  if (windows.length === 0) {
    const behaved = outcome.state === 'succeeded';
    const text = behaved
      ? 'no bad release injected: the rollout completed'
      : `no bad release injected, yet the rollout ${outcome.state}${halted !== undefined ? ` at wave ${name(halted)}` : ''}`;
    return { behaved, text, windows, ...(halted !== undefined ? { haltedAt: halted } : {}) };
  }
  const haltBy = Math.min(...windows.map((w) => w.caughtBy ?? w.shows));
  const behaved = halted !== undefined && halted <= haltBy;
  const text = behaved
    ? `the policy stops it: halted at wave ${name(halted)} (the bad release had to stop by wave ${name(haltBy)})`
    : halted !== undefined
      ? `the policy lets the bad release through: it should have stopped by wave ${name(haltBy)}, it halted only at wave ${name(halted)}`
      : `the policy lets the bad release through: it should have stopped by wave ${name(haltBy)}, the rollout ${outcome.state}`;
  return { behaved, haltBy, text, windows, ...(halted !== undefined ? { haltedAt: halted } : {}) };
}
