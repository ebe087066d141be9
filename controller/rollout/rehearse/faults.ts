// The faults `fleetctl rollout rehearse` injects, as the command line gives them (pure):
//   --fail-rate 0.05            that share of CodeDeploy, S3, STS and CloudFormation calls is refused
//                               (half throttled, half 5xx) while the rollout runs
//   --unhealthy ring1:2         2 devices of ring 1 report unhealthy once they run the release
//   --unhealthy pis@ring2:1     the same for one ring of one target; `lab-a:1` for a target without rings
//   --alarm t1-stack@wave2      the alarms the config's alarm gates watch go to ALARM in t1-stack's
//                               account and region when wave 2 starts (a wave name works too)
//   --fail lab-a                every deployment of the release to that target fails
// Parsing only checks the shape; resolve.ts checks the names against the plan.
import { EdgeError } from '../../../shared/errors.js';

export interface UnhealthyFault {
  readonly raw: string;
  /** A target name (`pis@ring2`, `lab-a`), or absent with `ring`: that ring of the one ringed target. */
  readonly target?: string;
  readonly ring?: number;
  readonly count: number;
}

export interface AlarmFault {
  readonly raw: string;
  readonly target: string;
  /** As given: a wave name, `waveN`, `wave-N` or `N` (1-based). */
  readonly wave: string;
}

export interface FailFault {
  readonly raw: string;
  readonly target: string;
}

export interface FaultSpecs {
  readonly failRate: number;
  readonly unhealthy: readonly UnhealthyFault[];
  readonly alarms: readonly AlarmFault[];
  readonly fail: readonly FailFault[];
}

/** The highest --fail-rate: beyond it the retries, not the policy, would be rehearsed. */
export const MAX_FAIL_RATE = 0.5;

const usage = (message: string): EdgeError => new EdgeError('CLI_USAGE', message);

export function parseUnhealthy(raw: string): UnhealthyFault {
  const ring = /^(?:(.+)@)?ring(\d+):(\d+)$/.exec(raw);
  if (ring) {
    const [, target, index, count] = ring;
    const n = Number(count);
    const r = Number(index);
    if (r < 1 || n < 1) throw usage(`--unhealthy ${raw}: the ring and the device count start at 1`);
    // `pis@ring2:1` names the ring target itself
    return target ? { raw, target: `${target}@ring${r}`, count: n } : { raw, ring: r, count: n };
  }
  const plain = /^(.+):(\d+)$/.exec(raw);
  if (plain && Number(plain[2]) >= 1) return { raw, target: plain[1] ?? '', count: Number(plain[2]) };
  throw usage(`--unhealthy ${raw}: expected ringN:K, TARGET@ringN:K or TARGET:K (K devices report unhealthy)`);
}

export function parseAlarm(raw: string): AlarmFault {
  const at = raw.lastIndexOf('@');
  const target = raw.slice(0, Math.max(0, at));
  const wave = raw.slice(at + 1);
  // `pis@ring1@wave1`: the last @ separates the wave, so ring targets can be named
  if (at <= 0 || wave === '' || /^ring\d+$/.test(wave)) throw usage(`--alarm ${raw}: expected TARGET@WAVE (a wave name, or waveN)`);
  return { raw, target, wave };
}

export function parseFail(raw: string): FailFault {
  if (raw.trim() === '') throw usage('--fail: expected a target name');
  return { raw, target: raw.trim() };
}

export function parseFailRate(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const p = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw) || !Number.isFinite(p) || p < 0 || p > MAX_FAIL_RATE) {
    throw usage(`--fail-rate ${raw}: expected a probability from 0 to ${MAX_FAIL_RATE}, e.g. 0.05`);
  }
  return p;
}

/** The default: a 15 minute bake takes 0.9 s, a 5 minute health wait 0.3 s (with a floor). */
export const DEFAULT_TIME_SCALE = 0.001;

export function parseTimeScale(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_TIME_SCALE;
  const s = Number(raw);
  if (!/^\d*\.?\d+(e-?\d+)?$/i.test(raw) || !Number.isFinite(s) || s <= 0 || s > 1) {
    throw usage(`--time-scale ${raw}: expected a factor above 0 and at most 1 applied to bakes and gate waits, e.g. 0.001`);
  }
  return s;
}

export interface FaultFlags {
  readonly failRate?: string;
  readonly unhealthy?: readonly string[];
  readonly alarm?: readonly string[];
  readonly fail?: readonly string[];
}

export function parseFaults(flags: FaultFlags): FaultSpecs {
  return {
    failRate: parseFailRate(flags.failRate),
    unhealthy: (flags.unhealthy ?? []).map(parseUnhealthy),
    alarms: (flags.alarm ?? []).map(parseAlarm),
    fail: (flags.fail ?? []).map(parseFail),
  };
}

/** A fault that makes the release bad (as opposed to --fail-rate, which only makes AWS flaky). */
export const hasBadRelease = (f: FaultSpecs): boolean => f.unhealthy.length + f.alarms.length + f.fail.length > 0;
