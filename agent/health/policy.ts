// The health policy: readings + configured thresholds → per-check status and reason → verdict.
// Pure: the probes produce Readings, this module judges them.
import { isoUtc } from '../../shared/utc-time.js';
import type { CheckSpec, Thresholds } from './check-specs.js';
import type { CheckStatus, HealthCheckResult, HealthSample, HealthVerdict, SkippedCheck } from './types.js';

export type Reading =
  | { readonly kind: 'number'; readonly value: number; readonly unit?: string; readonly detail?: string }
  | { readonly kind: 'gpio'; readonly value: 0 | 1; readonly detail: string }
  | { readonly kind: 'throttling'; readonly bits: number }
  | { readonly kind: 'unavailable'; readonly reason: string }
  /** The probe could not read (exit 2 of `edge-agent health`). */
  | { readonly kind: 'error'; readonly reason: string }
  /** The probe read something that is wrong in itself (a stale or non-numeric sensor value): fail. */
  | { readonly kind: 'invalid'; readonly reason: string };

const UNITS: Readonly<Record<string, string>> = { cpu_temperature: '°C', cpu_load: '%', memory_available: '%', disk_free: '%', uptime: 's' };

/** Raspberry Pi firmware throttling flags (vcgencmd get_throttled). */
export const THROTTLE_BITS: readonly { readonly bit: number; readonly text: string; readonly status: CheckStatus }[] = [
  { bit: 0, text: 'under-voltage now (check the power supply)', status: 'fail' },
  { bit: 1, text: 'ARM frequency capped now', status: 'warn' },
  { bit: 2, text: 'throttled now', status: 'fail' },
  { bit: 3, text: 'soft temperature limit active now', status: 'warn' },
  { bit: 16, text: 'under-voltage has occurred since boot', status: 'warn' },
  { bit: 17, text: 'ARM frequency capping has occurred since boot', status: 'warn' },
  { bit: 18, text: 'throttling has occurred since boot', status: 'warn' },
  { bit: 19, text: 'soft temperature limit has occurred since boot', status: 'warn' },
];

const SEVERITY: Readonly<Record<CheckStatus, number>> = { ok: 0, warn: 1, error: 2, fail: 3 };

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(n >= 100 ? 0 : 1));
const withUnit = (n: number, unit: string | undefined): string => `${fmt(n)}${unit ? (unit === '%' ? '%' : ` ${unit}`) : ''}`;

/** ok / warn / fail of a number against thresholds, with the reason when not ok. */
export function judgeNumber(value: number, t: Thresholds, unit?: string): { status: CheckStatus; reason?: string } {
  const u = (n: number): string => withUnit(n, unit);
  if (t.failAbove !== undefined && value > t.failAbove) return { status: 'fail', reason: `${u(value)} is above the limit of ${u(t.failAbove)} (fail_above)` };
  if (t.failBelow !== undefined && value < t.failBelow) return { status: 'fail', reason: `${u(value)} is below the limit of ${u(t.failBelow)} (fail_below)` };
  if (t.warnAbove !== undefined && value > t.warnAbove) return { status: 'warn', reason: `${u(value)} is above the warning level of ${u(t.warnAbove)} (warn_above)` };
  if (t.warnBelow !== undefined && value < t.warnBelow) return { status: 'warn', reason: `${u(value)} is below the warning level of ${u(t.warnBelow)} (warn_below)` };
  return { status: 'ok' };
}

export function judgeThrottling(bits: number): { status: CheckStatus; reason?: string } {
  const set = THROTTLE_BITS.filter((b) => (bits & (1 << b.bit)) !== 0);
  if (set.length === 0) return { status: 'ok' };
  const status = set.reduce<CheckStatus>((worst, b) => (SEVERITY[b.status] > SEVERITY[worst] ? b.status : worst), 'ok');
  return { status, reason: set.map((b) => b.text).join('; ') };
}

/** One check's result, or a skip when its source does not exist here and the check allows that. */
export function evaluateCheck(spec: CheckSpec, reading: Reading): HealthCheckResult | SkippedCheck {
  const { name } = spec;
  switch (reading.kind) {
    case 'unavailable':
      return spec.ifUnavailable === 'skip' ? { name, reason: reading.reason } : { name, status: 'error', reason: reading.reason };
    case 'error':
      return { name, status: 'error', reason: reading.reason };
    case 'invalid':
      return { name, status: 'fail', reason: reading.reason };
    case 'throttling': {
      const j = judgeThrottling(reading.bits);
      return { name, status: j.status, value: `0x${reading.bits.toString(16)}`, ...(j.reason ? { reason: j.reason } : {}) };
    }
    case 'gpio': {
      const expect = spec.type === 'gpio' ? spec.expect : undefined;
      if (expect !== undefined && reading.value !== expect) {
        return { name, status: 'fail', value: reading.value, reason: `${reading.detail} reads ${reading.value}, expected ${expect} (is the sensor connected and powered?)` };
      }
      return { name, status: 'ok', value: reading.value };
    }
    case 'number': {
      const unit = reading.unit ?? ('unit' in spec ? spec.unit : undefined) ?? UNITS[spec.type];
      const thresholds = 'thresholds' in spec ? spec.thresholds : {};
      const j = judgeNumber(reading.value, thresholds, unit);
      const reason = j.reason && reading.detail ? `${j.reason}; ${reading.detail}` : j.reason;
      return { name, status: j.status, value: Math.round(reading.value * 100) / 100, ...(unit ? { unit } : {}), ...(reason ? { reason } : {}) };
    }
  }
}

/** unhealthy when a check fails; degraded when one warns or cannot be read; else healthy. */
export function verdictOf(checks: readonly HealthCheckResult[]): HealthVerdict {
  if (checks.some((c) => c.status === 'fail')) return 'unhealthy';
  if (checks.some((c) => c.status === 'warn' || c.status === 'error')) return 'degraded';
  return 'healthy';
}

export function evaluate(specs: readonly CheckSpec[], readings: ReadonlyMap<string, Reading>, sampledAt: Date): HealthSample {
  const checks: HealthCheckResult[] = [];
  const skipped: SkippedCheck[] = [];
  for (const spec of specs) {
    const r = evaluateCheck(spec, readings.get(spec.name) ?? { kind: 'error', reason: 'no reading was taken' });
    if ('status' in r) checks.push(r);
    else skipped.push(r);
  }
  return { verdict: verdictOf(checks), checks, sampledAt: isoUtc(sampledAt.getTime()), ...(skipped.length > 0 ? { skipped } : {}) };
}

/** `edge-agent health` exit code: 1 when a check fails, else 2 when one could not be read, else 0. */
export function healthExitCode(report: Pick<HealthSample, 'checks'>): 0 | 1 | 2 {
  if (report.checks.some((c) => c.status === 'fail')) return 1;
  if (report.checks.some((c) => c.status === 'error')) return 2;
  return 0;
}

/** Whether the gate lets a deployment through. */
export function gateAllows(verdict: HealthVerdict, failOn: 'unhealthy' | 'degraded'): boolean {
  return failOn === 'degraded' ? verdict === 'healthy' : verdict !== 'unhealthy';
}

/** "name: 84 °C is above the limit of 80 °C (fail_above)" for every check that is not ok, worst first. */
export function problemLines(checks: readonly HealthCheckResult[]): string[] {
  return [...checks]
    .filter((c) => c.status !== 'ok')
    .sort((a, b) => SEVERITY[b.status] - SEVERITY[a.status])
    .map((c) => `${c.name} [${c.status}]: ${c.reason ?? (c.value !== undefined ? String(c.value) : 'not ok')}`);
}

/** The diagnostics message of a refused deployment: which checks, values and thresholds. */
export function gateRefusalMessage(report: Pick<HealthSample, 'verdict' | 'checks'>, failOn: 'unhealthy' | 'degraded'): string {
  return [
    `Health gate: the device is ${report.verdict} (the gate refuses ${failOn === 'degraded' ? 'degraded or unhealthy' : 'unhealthy'} devices), so the revision was not downloaded or installed.`,
    ...problemLines(report.checks).map((l) => `- ${l}`),
    'Fix the device (or change health.checks thresholds / health.gate in the agent config), then redeploy. Run `edge-agent health` on the device to re-check.',
  ].join('\n');
}
