// Request limits of the sandbox (pure): per-(service, operation) TPS with a burst, injected
// latency and injected throttle and server-error probabilities. What a rule applies to is named by a key:
//   `default`            every operation of every service except the CodeDeploy Commands API
//   `service:*`          every operation of one service (REST services count as one operation `*`)
//   `Operation`          that operation in any service (including the Commands API)
//   `service:Operation`  that operation of that service
// Each setting is resolved on its own, most specific key first.
import { EdgeError } from '../../shared/errors.js';
import type { SigningService } from '../types.js';

export interface LimitRule {
  /** Sustained requests per second admitted (token bucket refill rate); > 0. */
  readonly tps?: number;
  /** Bucket size: requests admitted at once after an idle period (default max(1, tps)). */
  readonly burst?: number;
  /** Delay added before each request is answered, in milliseconds. */
  readonly latencyMs?: number;
  /** Probability (0..1) that a request is answered with the throttling error regardless of the bucket. */
  readonly throttleRate?: number;
  /** Probability (0..1) that a request is answered with a retryable server error (5xx) before it runs. */
  readonly errorRate?: number;
}

export interface LimitsConfig {
  /** Seed of the throttleRate and errorRate draws: the same seed and request order give the same decisions. */
  readonly seed?: number;
  readonly default?: LimitRule;
  /** Keyed `Operation`, `service:Operation` or `service:*`. */
  readonly operations?: Readonly<Record<string, LimitRule>>;
}

/** The services a key may name; a new SigningService must be added here (the compiler insists). */
const SERVICES: Readonly<Record<SigningService, true>> = {
  codedeploy: true,
  'codedeploy-commands': true,
  s3: true,
  sts: true,
  iam: true,
  iot: true,
  iotdata: true,
  kms: true,
  cloudformation: true,
  monitoring: true,
};

/** The service defaults never apply to (its long polls would be cut short). */
export const UNLIMITED_BY_DEFAULT = 'codedeploy-commands';

const RULE_FIELDS = ['tps', 'burst', 'latencyMs', 'throttleRate', 'errorRate'] as const;
const KEY = /^(?:([a-z0-9-]+):)?([A-Za-z][A-Za-z0-9]*|\*)$/;

const invalid = (where: string, what: string): EdgeError => new EdgeError('CONFIG_INVALID', `${where}: ${what}`);

function checkKey(key: string, where: string): void {
  const m = KEY.exec(key);
  if (!m || (m[1] === undefined && m[2] === '*')) {
    throw invalid(where, `bad operation key ${JSON.stringify(key)}: use Operation, service:Operation or service:* (use 'default' for every service)`);
  }
  if (m[1] !== undefined && !Object.hasOwn(SERVICES, m[1])) {
    throw invalid(where, `unknown service ${JSON.stringify(m[1])} in ${JSON.stringify(key)} (known: ${Object.keys(SERVICES).join(', ')})`);
  }
}

function checkRule(value: unknown, where: string): LimitRule {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(where, `expected a map with ${RULE_FIELDS.join(', ')}`);
  const r = value as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!(RULE_FIELDS as readonly string[]).includes(k)) throw invalid(where, `unknown setting ${k} (known: ${RULE_FIELDS.join(', ')})`);
  const num = (k: string, ok: (n: number) => boolean, want: string): number | undefined => {
    const v = r[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw invalid(`${where}.${k}`, `expected ${want}, got ${JSON.stringify(v)}`);
    return v;
  };
  const tps = num('tps', (n) => n > 0, 'a number of requests per second above 0');
  const burst = num('burst', (n) => Number.isInteger(n) && n >= 1, 'a whole number of requests, at least 1');
  const latencyMs = num('latencyMs', (n) => n >= 0 && n <= 600_000, 'milliseconds between 0 and 600000');
  const throttleRate = num('throttleRate', (n) => n >= 0 && n <= 1, 'a probability between 0 and 1');
  const errorRate = num('errorRate', (n) => n >= 0 && n <= 1, 'a probability between 0 and 1');
  return {
    ...(tps !== undefined ? { tps } : {}),
    ...(burst !== undefined ? { burst } : {}),
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    ...(throttleRate !== undefined ? { throttleRate } : {}),
    ...(errorRate !== undefined ? { errorRate } : {}),
  };
}

/** Validates a limits config (from YAML, options or `limits.set()`); throws CONFIG_INVALID naming the bad key. */
export function parseLimits(value: unknown, where = 'limits'): LimitsConfig {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(where, 'expected a map with seed, default, operations');
  const d = value as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!['seed', 'default', 'operations'].includes(k)) throw invalid(where, `unknown key ${k} (known: seed, default, operations)`);
  const seed = d['seed'];
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isSafeInteger(seed))) throw invalid(`${where}.seed`, `expected a whole number, got ${JSON.stringify(seed)}`);
  const ops = d['operations'];
  if (ops !== undefined && (typeof ops !== 'object' || ops === null || Array.isArray(ops))) throw invalid(`${where}.operations`, 'expected a map of operation key to settings');
  const operations: Record<string, LimitRule> = {};
  for (const [key, rule] of Object.entries((ops ?? {}) as Record<string, unknown>)) {
    checkKey(key, `${where}.operations`);
    operations[key] = checkRule(rule, `${where}.operations.${key}`);
  }
  return {
    ...(seed !== undefined ? { seed: seed as number } : {}),
    ...(d['default'] !== undefined ? { default: checkRule(d['default'], `${where}.default`) } : {}),
    ...(ops !== undefined ? { operations } : {}),
  };
}

/** Overlays `over` on `base`, setting by setting. */
export function mergeLimits(base: LimitsConfig, over: LimitsConfig): LimitsConfig {
  const operations: Record<string, LimitRule> = { ...base.operations };
  for (const [k, r] of Object.entries(over.operations ?? {})) operations[k] = { ...operations[k], ...r };
  const seed = over.seed ?? base.seed;
  const def = base.default || over.default ? { ...base.default, ...over.default } : undefined;
  return {
    ...(seed !== undefined ? { seed } : {}),
    ...(def ? { default: def } : {}),
    ...(Object.keys(operations).length > 0 ? { operations } : {}),
  };
}

/** The settings that apply to one operation of one service. */
export function resolveRule(config: LimitsConfig, service: string, operation: string): LimitRule {
  const ops = config.operations ?? {};
  const chain: (LimitRule | undefined)[] = [ops[`${service}:${operation}`], operation === '*' ? undefined : ops[operation], ops[`${service}:*`]];
  if (service !== UNLIMITED_BY_DEFAULT) chain.push(config.default);
  const out: Record<string, number> = {};
  for (const field of RULE_FIELDS) {
    const hit = chain.find((r) => r?.[field] !== undefined);
    if (hit) out[field] = hit[field] as number;
  }
  return out as LimitRule;
}

/** `fleetctl sandbox start` flags, as given on the command line. */
export interface LimitFlags {
  /** `Op=N,service:Op=N,…` */
  readonly tps?: string;
  readonly tpsDefault?: string;
  /** `N` (every operation) or `Op=N,…` */
  readonly latencyMs?: string;
  readonly throttleRate?: string;
  readonly throttleSeed?: string;
}

function flagNumber(flag: string, text: string): number {
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(n)) throw invalid(flag, `expected a number, got ${JSON.stringify(text)}`);
  return n;
}

function flagPairs(flag: string, text: string): [string, number][] {
  return text
    .split(',')
    .filter((p) => p.trim() !== '')
    .map((pair) => {
      const eq = pair.lastIndexOf('=');
      if (eq <= 0) throw invalid(flag, `expected Operation=N or service:Operation=N, got ${JSON.stringify(pair)}`);
      return [pair.slice(0, eq).trim(), flagNumber(flag, pair.slice(eq + 1))];
    });
}

/** The limits the flags describe (validated like a config file). */
export function limitsFromFlags(flags: LimitFlags): LimitsConfig {
  const def: Record<string, number> = {};
  const operations: Record<string, Record<string, number>> = {};
  const put = (key: string, field: string, n: number): void => {
    operations[key] = { ...operations[key], [field]: n };
  };
  if (flags.tps !== undefined) for (const [k, n] of flagPairs('--tps', flags.tps)) put(k, 'tps', n);
  if (flags.tpsDefault !== undefined) def['tps'] = flagNumber('--tps-default', flags.tpsDefault);
  if (flags.latencyMs !== undefined) {
    if (flags.latencyMs.includes('=')) for (const [k, n] of flagPairs('--latency-ms', flags.latencyMs)) put(k, 'latencyMs', n);
    else def['latencyMs'] = flagNumber('--latency-ms', flags.latencyMs);
  }
  if (flags.throttleRate !== undefined) def['throttleRate'] = flagNumber('--throttle-rate', flags.throttleRate);
  const raw: Record<string, unknown> = {};
  if (flags.throttleSeed !== undefined) raw['seed'] = flagNumber('--throttle-seed', flags.throttleSeed);
  if (Object.keys(def).length > 0) raw['default'] = def;
  if (Object.keys(operations).length > 0) raw['operations'] = operations;
  return parseLimits(raw, 'flags');
}

/** One line describing the limits (empty config → undefined). */
export function describeLimits(config: LimitsConfig): string | undefined {
  const parts: string[] = [];
  const rule = (r: LimitRule): string =>
    RULE_FIELDS.filter((f) => r[f] !== undefined)
      .map((f) => `${f} ${r[f]}`)
      .join(', ');
  if (config.default && rule(config.default)) parts.push(`default: ${rule(config.default)}`);
  for (const [k, r] of Object.entries(config.operations ?? {})) parts.push(`${k}: ${rule(r)}`);
  if (parts.length === 0) return undefined;
  return parts.join('; ') + (config.seed !== undefined ? ` (seed ${config.seed})` : '');
}
