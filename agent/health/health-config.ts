// The `health:` section of the agent config. Pure.
//
//   health:
//     sys_root: /                  # where /sys and /proc are (a fake tree in tests)
//     gpio_chip: pinctrl-bcm2711   # default chip label for GPIO lines (unset: the Pi's header chip)
//     checks: { ... }              # see check-specs.ts
//     gate: { enabled: true, checks: [cpu_temperature, disk_free], fail_on: unhealthy }
//     led: { line: 17, active_low: false, health_interval_seconds: 60 }
import { asMap, CHECK_NAME_PATTERN, DEFAULT_SYSTEM_CHECKS, describeCheck, invalidKey, numberAt, parseChecks, rejectUnknownKeys, stringAt, type CheckSpec } from './check-specs.js';

export interface HealthGateConfig {
  readonly enabled: boolean;
  /** Checks the gate samples; unset: all configured checks. */
  readonly checks?: readonly string[];
  /** The verdict from which a deployment is refused. */
  readonly failOn: 'unhealthy' | 'degraded';
}

export interface LedConfig {
  readonly line: number;
  readonly chip?: string;
  /** The LED lights when the line is low. */
  readonly activeLow: boolean;
  /** How often the daemon samples health for the LED's "unhealthy" pattern (s). */
  readonly healthIntervalSeconds: number;
}

export interface HealthConfig {
  readonly sysRoot: string;
  readonly gpioChip?: string;
  readonly checks: readonly CheckSpec[];
  readonly gate: HealthGateConfig;
  readonly led?: LedConfig;
}

export const DEFAULT_HEALTH_CONFIG: HealthConfig = {
  sysRoot: '/',
  checks: DEFAULT_SYSTEM_CHECKS,
  gate: { enabled: false, failOn: 'unhealthy' },
};

function parseGate(key: string, value: unknown, checks: readonly CheckSpec[]): HealthGateConfig {
  if (value === undefined || value === null) return DEFAULT_HEALTH_CONFIG.gate;
  if (typeof value === 'boolean') return { ...DEFAULT_HEALTH_CONFIG.gate, enabled: value };
  const map = asMap(key, value);
  rejectUnknownKeys(key, map, ['enabled', 'checks', 'fail_on']);
  const enabled = map['enabled'] ?? true;
  if (typeof enabled !== 'boolean') throw invalidKey(`${key}.enabled`, 'expected true or false', enabled);
  const failOn = map['fail_on'] ?? 'unhealthy';
  if (failOn !== 'unhealthy' && failOn !== 'degraded') throw invalidKey(`${key}.fail_on`, 'expected unhealthy or degraded', failOn);
  let names: string[] | undefined;
  if (map['checks'] !== undefined && map['checks'] !== null) {
    if (!Array.isArray(map['checks']) || map['checks'].length === 0) throw invalidKey(`${key}.checks`, 'expected a non-empty list of check names', map['checks']);
    names = map['checks'].map((n, i) => stringAt(`${key}.checks[${i}]`, n));
    const unknown = names.filter((n) => !checks.some((c) => c.name === n));
    if (unknown.length > 0) throw invalidKey(`${key}.checks`, `names checks that are not configured (${unknown.join(', ')}); configured: ${checks.map((c) => c.name).join(', ')}`, map['checks']);
  }
  return { enabled, failOn, ...(names ? { checks: names } : {}) };
}

function parseLed(key: string, value: unknown): LedConfig | undefined {
  if (value === undefined || value === null || value === false) return undefined;
  const map = asMap(key, value);
  rejectUnknownKeys(key, map, ['line', 'chip', 'active_low', 'health_interval_seconds']);
  const activeLow = map['active_low'] ?? false;
  if (typeof activeLow !== 'boolean') throw invalidKey(`${key}.active_low`, 'expected true or false', activeLow);
  return {
    line: numberAt(`${key}.line`, map['line'], { min: 0, integer: true }),
    activeLow,
    healthIntervalSeconds: map['health_interval_seconds'] === undefined ? 60 : numberAt(`${key}.health_interval_seconds`, map['health_interval_seconds'], { min: 1 }),
    ...(map['chip'] !== undefined ? { chip: stringAt(`${key}.chip`, map['chip']) } : {}),
  };
}

/** Parses the value of the `health` key; errors name the key, e.g. "config key health.gate.fail_on". */
export function parseHealthSection(value: unknown, key = 'health'): HealthConfig {
  if (value === undefined || value === null) return DEFAULT_HEALTH_CONFIG;
  const map = asMap(key, value);
  rejectUnknownKeys(key, map, ['sys_root', 'gpio_chip', 'checks', 'gate', 'led']);
  const sysRoot = map['sys_root'] === undefined ? '/' : stringAt(`${key}.sys_root`, map['sys_root']);
  if (!sysRoot.startsWith('/')) throw invalidKey(`${key}.sys_root`, 'expected an absolute path', sysRoot);
  const checks = parseChecks(`${key}.checks`, map['checks'], DEFAULT_SYSTEM_CHECKS);
  const led = parseLed(`${key}.led`, map['led']);
  return {
    sysRoot: sysRoot.length > 1 ? sysRoot.replace(/\/+$/, '') : sysRoot,
    checks,
    gate: parseGate(`${key}.gate`, map['gate'], checks),
    ...(map['gpio_chip'] !== undefined ? { gpioChip: stringAt(`${key}.gpio_chip`, map['gpio_chip']) } : {}),
    ...(led ? { led } : {}),
  };
}

/** A revision's checks file: only a `checks:` map, merged over the agent's checks. */
export function parseChecksFile(doc: unknown, source: string, base: readonly CheckSpec[]): CheckSpec[] {
  const map = asMap(source, doc);
  rejectUnknownKeys(source, map, ['checks']);
  return parseChecks(`${source}: checks`, map['checks'], base);
}

/** The names asked for on the command line, checked against the configured ones. */
export function selectChecks(checks: readonly CheckSpec[], names: readonly string[] | undefined): { selected: CheckSpec[]; unknown: string[] } {
  if (!names || names.length === 0) return { selected: [...checks], unknown: [] };
  const unknown = names.filter((n) => !CHECK_NAME_PATTERN.test(n) || !checks.some((c) => c.name === n));
  return { selected: checks.filter((c) => names.includes(c.name)), unknown };
}

/** Flat rows for check-config, e.g. "health.checks.cpu_temperature": "cpu_temperature warn>70 fail>80". */
export function healthConfigView(config: HealthConfig): Record<string, string | number | boolean | null> {
  const view: Record<string, string | number | boolean | null> = {
    'health.sys_root': config.sysRoot,
    'health.gpio_chip': config.gpioChip ?? null,
  };
  for (const c of config.checks) view[`health.checks.${c.name}`] = describeCheck(c);
  view['health.gate.enabled'] = config.gate.enabled;
  view['health.gate.checks'] = config.gate.checks ? config.gate.checks.join(', ') : 'all';
  view['health.gate.fail_on'] = config.gate.failOn;
  view['health.led'] = config.led ? `line ${config.led.line}${config.led.chip ? ` on ${config.led.chip}` : ''}${config.led.activeLow ? ' active-low' : ''}, health every ${config.led.healthIntervalSeconds} s` : null;
  return view;
}
