// The safety part of a wave in `fleet.yml`: approval, gates and bake; and an environment's
// rollback policy. Validated with the rest of the config, every problem with its line. Pure.
//
//   waves:
//     - name: canary
//       targets: [eu-pis@ring1]
//       approval: manual
//       bake: 15m
//       gates:
//         device_health: { max_unhealthy: 0, degraded: healthy, unknown: fail, wait: 5m }
//         deployment_outcome: { max_failed: 10%, min_finished: 3 }
//         alarms: [api-5xx, api-latency]
//         command: { run: ./smoke.sh, timeout: 2m }
import {
  ROLLBACK_POLICIES,
  type CommandGate,
  type DeploymentOutcomeGate,
  type DeviceHealthGate,
  type RollbackPolicy,
  type WaveGates,
} from './config-types.js';
import { parseFailureBudget, parsePositiveInt } from './config-rules.js';
import type { Cursor } from './yaml-cursor.js';

export const SAFETY_WAVE_KEYS = ['approval', 'gates', 'bake'] as const;

/** The longest bake, gate wait or command timeout: a day. */
const MAX_DURATION_MS = 24 * 3600_000;
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000 };

/** `90s`, `15m`, `1h30m`, `2h`, `500ms` → milliseconds; a reason when it is not a duration. */
export function parseDuration(v: string): number | string {
  const text = v.trim();
  const parts = [...text.matchAll(/(\d{1,6})(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    return `expected a duration such as 90s, 15m or 1h30m, got ${JSON.stringify(v)}`;
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS[p[2] ?? 's'] ?? 1000), 0);
  return ms <= MAX_DURATION_MS ? ms : 'at most 24h';
}

/** A duration field: its milliseconds, or `fallback` when absent (a problem is recorded when it is bad). */
export function durationAt(at: Cursor, fallback?: number): number | undefined {
  if (!at.present) return fallback;
  const v = at.string({ test: (x) => (typeof parseDuration(x) === 'string' ? (parseDuration(x) as string) : undefined) });
  return v === undefined ? fallback : (parseDuration(v) as number);
}

export interface WaveSafety {
  readonly approval?: 'manual';
  readonly gates: WaveGates;
  readonly bakeMs?: number;
}

export function parseWaveSafety(w: Cursor): WaveSafety {
  const approval = w.get('approval').string({ test: (v) => (v === 'manual' || v === 'none' ? undefined : 'expected manual or none') });
  const bakeMs = durationAt(w.get('bake'));
  return {
    ...(approval === 'manual' ? { approval: 'manual' as const } : {}),
    gates: parseGates(w.get('gates')),
    ...(bakeMs !== undefined && bakeMs > 0 ? { bakeMs } : {}),
  };
}

export function parseRollbackPolicy(at: Cursor): RollbackPolicy {
  const known = ROLLBACK_POLICIES as readonly string[];
  const v = at.string({ test: (x) => (known.includes(x) ? undefined : `expected one of ${known.join(', ')}`) });
  return (v as RollbackPolicy | undefined) ?? 'all';
}

function parseGates(at: Cursor): WaveGates {
  if (!at.present) return {};
  if (!at.isMap()) return at.problem('expected a map of gates: device_health, deployment_outcome, alarms, command') ?? {};
  at.onlyKeys(['device_health', 'deployment_outcome', 'alarms', 'command']);
  const deviceHealth = parseDeviceHealth(at.get('device_health'));
  const deploymentOutcome = parseOutcome(at.get('deployment_outcome'));
  const alarms = parseAlarms(at.get('alarms'));
  const command = parseCommand(at.get('command'));
  return {
    ...(deviceHealth ? { deviceHealth } : {}),
    ...(deploymentOutcome ? { deploymentOutcome } : {}),
    ...(alarms ? { alarms } : {}),
    ...(command ? { command } : {}),
  };
}

function threshold(at: Cursor, fallback: string): { count: number } | { percent: number } {
  const v = at.string() ?? fallback;
  const t = parseFailureBudget(v);
  if (typeof t === 'string') {
    at.problem(t);
    return { count: 0 };
  }
  return t;
}

function parseDeviceHealth(at: Cursor): DeviceHealthGate | undefined {
  if (!at.present) return undefined;
  if (!at.isMap()) return at.problem('expected a map, e.g. { max_unhealthy: 0, unknown: fail, wait: 5m }');
  at.onlyKeys(['max_unhealthy', 'degraded', 'unknown', 'wait']);
  const degraded = at.get('degraded').string({ test: (v) => (v === 'healthy' || v === 'unhealthy' ? undefined : 'expected healthy or unhealthy') });
  const unknown = at.get('unknown').string({ test: (v) => (v === 'fail' || v === 'ignore' ? undefined : 'expected fail or ignore') });
  return {
    maxUnhealthy: threshold(at.get('max_unhealthy'), '0'),
    degradedIsUnhealthy: degraded === 'unhealthy',
    unknown: unknown === 'ignore' ? 'ignore' : 'fail',
    waitMs: durationAt(at.get('wait'), 5 * 60_000) ?? 5 * 60_000,
  };
}

function parseOutcome(at: Cursor): DeploymentOutcomeGate | undefined {
  if (!at.present) return undefined;
  if (!at.isMap()) return at.problem('expected a map, e.g. { max_failed: 10%, min_finished: 5 }');
  at.onlyKeys(['max_failed', 'min_finished']);
  const min = at.get('min_finished').string({ test: (v) => (typeof parsePositiveInt(v) === 'string' ? (parsePositiveInt(v) as string) : undefined) });
  return { maxFailed: threshold(at.get('max_failed'), '0'), minFinished: min ? Number(min) : 1 };
}

const ALARM_NAME = /^[^\p{Cc}]{1,255}$/u;

function parseAlarms(at: Cursor): string[] | undefined {
  if (!at.present) return undefined;
  const names = at.stringList();
  if (names.length === 0) return at.problem('expected a list of CloudWatch alarm names');
  if (names.length > 100) return at.problem('at most 100 alarms (DescribeAlarms takes 100 names)');
  const bad = names.find((n) => !ALARM_NAME.test(n));
  if (bad !== undefined) return at.problem(`alarm name ${JSON.stringify(bad)}: expected 1 to 255 characters without control characters`);
  return names;
}

function parseCommand(at: Cursor): CommandGate | undefined {
  if (!at.present) return undefined;
  const plain = !at.isMap();
  if (!plain) at.onlyKeys(['run', 'timeout']);
  const run = plain ? at.string() : at.get('run').string({ required: true });
  if (run === undefined) return undefined;
  if (run.trim() === '' || run.includes('\0')) return at.problem('expected a command line to run with /bin/sh -c');
  const timeoutMs = plain ? 5 * 60_000 : (durationAt(at.get('timeout'), 5 * 60_000) ?? 5 * 60_000);
  return { run, timeoutMs };
}
