// The health checks as configured: the `checks:` map of the agent config's `health:` section (and
// of a revision's checks file), parsed from YAML values into typed specs. Pure.
//
//   checks:
//     cpu_temperature: { warn_above: 70, fail_above: 80 }     # a built-in check, thresholds changed
//     cpu_load: false                                        # a built-in check, turned off
//     dht11_line: { type: gpio, line: 4, expect: 1 }          # a GPIO input (BCM line 4)
//     humidity: { type: file, path: /opt/station/readings.json, field: humidity, fail_below: 0, fail_above: 100 }
//     pm25: { type: command, command: "/opt/station/read-pm.sh", fail_above: 150 }
import { EdgeError } from '../../shared/errors.js';

export interface Thresholds {
  readonly warnAbove?: number;
  readonly failAbove?: number;
  readonly warnBelow?: number;
  readonly failBelow?: number;
}

export const SYSTEM_CHECK_TYPES = ['cpu_temperature', 'cpu_load', 'memory_available', 'disk_free', 'uptime', 'throttling'] as const;
export type SystemCheckType = (typeof SYSTEM_CHECK_TYPES)[number];
export const CHECK_TYPES = [...SYSTEM_CHECK_TYPES, 'gpio', 'file', 'command'] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

/** What a check does when its source does not exist here (no thermal zone, no GPIO, not a Pi). */
export type IfUnavailable = 'skip' | 'error';

interface CheckBase {
  readonly name: string;
  readonly ifUnavailable: IfUnavailable;
}

export interface SystemCheckSpec extends CheckBase {
  readonly type: SystemCheckType;
  readonly thresholds: Thresholds;
}

export interface GpioCheckSpec extends CheckBase {
  readonly type: 'gpio';
  /** BCM line number (offset on the chip). */
  readonly line: number;
  /** Chip label (pinctrl-bcm2711, pinctrl-rp1...); unset: the health section's gpio_chip, else auto. */
  readonly chip?: string;
  /** The level the line must read; unset: readable is enough. */
  readonly expect?: 0 | 1;
}

export interface ValueCheckSpec extends CheckBase {
  readonly type: 'file' | 'command';
  /** file: the file to read; command: a shell command line run with /bin/sh -c. */
  readonly source: string;
  /** Dotted path into a JSON document (e.g. "sds011.pm25"); unset: the whole output is the number. */
  readonly field?: string;
  readonly unit?: string;
  /** file only: older readings count as missing. */
  readonly maxAgeSeconds?: number;
  /** command only. */
  readonly timeoutSeconds: number;
  readonly thresholds: Thresholds;
}

export type CheckSpec = SystemCheckSpec | GpioCheckSpec | ValueCheckSpec;

export function isSystemCheck(c: CheckSpec): c is SystemCheckSpec {
  return (SYSTEM_CHECK_TYPES as readonly string[]).includes(c.type);
}

/** The built-in checks every device has unless turned off (`name: false`). */
export const DEFAULT_SYSTEM_CHECKS: readonly SystemCheckSpec[] = [
  { name: 'cpu_temperature', type: 'cpu_temperature', ifUnavailable: 'skip', thresholds: { warnAbove: 70, failAbove: 80 } },
  { name: 'cpu_load', type: 'cpu_load', ifUnavailable: 'skip', thresholds: { warnAbove: 90 } },
  { name: 'memory_available', type: 'memory_available', ifUnavailable: 'skip', thresholds: { warnBelow: 15, failBelow: 5 } },
  { name: 'disk_free', type: 'disk_free', ifUnavailable: 'skip', thresholds: { warnBelow: 15, failBelow: 5 } },
  { name: 'uptime', type: 'uptime', ifUnavailable: 'skip', thresholds: {} },
  { name: 'throttling', type: 'throttling', ifUnavailable: 'skip', thresholds: {} },
];

export const CHECK_NAME_PATTERN = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;

export const invalidKey = (key: string, what: string, value: unknown): EdgeError =>
  new EdgeError('CONFIG_INVALID', `config key ${key}: ${what}, got ${JSON.stringify(value)}`, { details: { key } });

export function asMap(key: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidKey(key, 'expected a map of keys', value);
  return value as Record<string, unknown>;
}

export function rejectUnknownKeys(key: string, map: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(map)) {
    if (!allowed.includes(k)) throw invalidKey(`${key}.${k}`, `unknown key (allowed here: ${allowed.join(', ')})`, map[k]);
  }
}

export function numberAt(key: string, value: unknown, opts: { min?: number; integer?: boolean } = {}): number {
  const n = typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || (opts.integer === true && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
    throw invalidKey(key, `expected ${opts.integer ? 'a whole number' : 'a number'}${opts.min !== undefined ? ` of at least ${opts.min}` : ''}`, value);
  }
  return n;
}

export function stringAt(key: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidKey(key, 'expected a non-empty string', value);
  return value.trim();
}

const THRESHOLD_KEYS = { warn_above: 'warnAbove', fail_above: 'failAbove', warn_below: 'warnBelow', fail_below: 'failBelow' } as const;

function parseThresholds(key: string, map: Record<string, unknown>, base: Thresholds): Thresholds {
  const t: { -readonly [K in keyof Thresholds]: Thresholds[K] } = { ...base };
  for (const [k, field] of Object.entries(THRESHOLD_KEYS)) {
    if (map[k] === null) delete t[field];
    else if (map[k] !== undefined) t[field] = numberAt(`${key}.${k}`, map[k]);
  }
  if (t.warnAbove !== undefined && t.failAbove !== undefined && t.warnAbove > t.failAbove) throw invalidKey(`${key}.warn_above`, `must not be above fail_above (${t.failAbove})`, t.warnAbove);
  if (t.warnBelow !== undefined && t.failBelow !== undefined && t.warnBelow < t.failBelow) throw invalidKey(`${key}.warn_below`, `must not be below fail_below (${t.failBelow})`, t.warnBelow);
  return t;
}

function parseIfUnavailable(key: string, value: unknown, fallback: IfUnavailable): IfUnavailable {
  if (value === undefined || value === null) return fallback;
  if (value !== 'skip' && value !== 'error') throw invalidKey(`${key}.if_unavailable`, 'expected skip or error', value);
  return value;
}

const COMMON_KEYS = ['type', 'if_unavailable'];
const THRESHOLD_KEY_NAMES = Object.keys(THRESHOLD_KEYS);

function parseOne(key: string, name: string, map: Record<string, unknown>, builtIn: SystemCheckSpec | undefined): CheckSpec {
  const rawType = map['type'] ?? builtIn?.type;
  if (rawType === undefined) throw invalidKey(`${key}.type`, `missing: a check that is not built in needs a type (${CHECK_TYPES.join(', ')})`, map);
  if (typeof rawType !== 'string' || !(CHECK_TYPES as readonly string[]).includes(rawType)) throw invalidKey(`${key}.type`, `expected one of ${CHECK_TYPES.join(', ')}`, rawType);
  const type = rawType as CheckType;
  if (type === 'gpio') {
    rejectUnknownKeys(key, map, [...COMMON_KEYS, 'line', 'chip', 'expect']);
    const line = numberAt(`${key}.line`, map['line'], { min: 0, integer: true });
    const expect = map['expect'];
    if (expect !== undefined && expect !== 0 && expect !== 1) throw invalidKey(`${key}.expect`, 'expected 0 or 1', expect);
    return {
      name,
      type,
      line,
      ifUnavailable: parseIfUnavailable(key, map['if_unavailable'], 'error'),
      ...(map['chip'] !== undefined ? { chip: stringAt(`${key}.chip`, map['chip']) } : {}),
      ...(expect !== undefined ? { expect } : {}),
    };
  }
  if (type === 'file' || type === 'command') {
    rejectUnknownKeys(key, map, [...COMMON_KEYS, ...THRESHOLD_KEY_NAMES, type === 'file' ? 'path' : 'command', 'field', 'unit', type === 'file' ? 'max_age_seconds' : 'timeout_seconds']);
    const source = stringAt(`${key}.${type === 'file' ? 'path' : 'command'}`, map[type === 'file' ? 'path' : 'command']);
    const thresholds = parseThresholds(key, map, {});
    return {
      name,
      type,
      source,
      ifUnavailable: parseIfUnavailable(key, map['if_unavailable'], 'error'),
      thresholds,
      timeoutSeconds: map['timeout_seconds'] === undefined ? 10 : numberAt(`${key}.timeout_seconds`, map['timeout_seconds'], { min: 1 }),
      ...(map['field'] !== undefined ? { field: stringAt(`${key}.field`, map['field']) } : {}),
      ...(map['unit'] !== undefined ? { unit: stringAt(`${key}.unit`, map['unit']) } : {}),
      ...(map['max_age_seconds'] !== undefined ? { maxAgeSeconds: numberAt(`${key}.max_age_seconds`, map['max_age_seconds'], { min: 1 }) } : {}),
    };
  }
  rejectUnknownKeys(key, map, [...COMMON_KEYS, ...THRESHOLD_KEY_NAMES]);
  return { name, type, ifUnavailable: parseIfUnavailable(key, map['if_unavailable'], builtIn?.ifUnavailable ?? 'error'), thresholds: parseThresholds(key, map, builtIn?.thresholds ?? {}) };
}

/**
 * The `checks:` map at `key` (e.g. "health.checks"), merged over `base`: an entry named like a base
 * check changes it (false removes it), any other name adds a check.
 */
export function parseChecks(key: string, value: unknown, base: readonly CheckSpec[]): CheckSpec[] {
  const result = new Map<string, CheckSpec>(base.map((c) => [c.name, c]));
  if (value === undefined || value === null) return [...result.values()];
  for (const [name, raw] of Object.entries(asMap(key, value))) {
    const at = `${key}.${name}`;
    if (!CHECK_NAME_PATTERN.test(name)) throw invalidKey(at, 'a check name is a letter then letters, digits, _ or - (at most 64)', name);
    if (raw === false) {
      result.delete(name);
      continue;
    }
    const previous = result.get(name);
    const builtIn = DEFAULT_SYSTEM_CHECKS.find((c) => c.name === name);
    const over = previous !== undefined && isSystemCheck(previous) ? previous : builtIn;
    result.set(name, parseOne(at, name, raw === true || raw === null ? {} : asMap(at, raw), over));
  }
  return [...result.values()];
}

function thresholdText(t: Thresholds): string {
  const parts: string[] = [];
  if (t.warnBelow !== undefined) parts.push(`warn<${t.warnBelow}`);
  if (t.failBelow !== undefined) parts.push(`fail<${t.failBelow}`);
  if (t.warnAbove !== undefined) parts.push(`warn>${t.warnAbove}`);
  if (t.failAbove !== undefined) parts.push(`fail>${t.failAbove}`);
  return parts.join(' ');
}

/** One line per check for check-config. */
export function describeCheck(c: CheckSpec): string {
  if (c.type === 'gpio') return `gpio line ${c.line}${c.chip ? ` on ${c.chip}` : ''}${c.expect !== undefined ? ` expect ${c.expect}` : ''}`;
  if (c.type === 'file' || c.type === 'command') return `${c.type} ${c.source}${c.field ? ` field ${c.field}` : ''} ${thresholdText(c.thresholds)}`.trim();
  return `${c.type} ${thresholdText(c.thresholds)}`.trim();
}
