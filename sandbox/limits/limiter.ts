// The request limiter the sandbox server consults after a request is authenticated and before its
// handler runs: injected latency, injected throttling and server errors (seeded), then the operation's
// token bucket. Everything is decided before the handler runs, so a refused request changed nothing and
// a retry cannot duplicate work. Counters per `service:Operation` show what was served and refused.
import { setTimeout as sleepFor } from 'node:timers/promises';
import { parseLimits, resolveRule, type LimitsConfig } from './limits-config.js';
import { TokenBucket, seededRandom } from './token-bucket.js';
import { serverError, throttleError } from './wire.js';

export interface OperationStats {
  /** Requests passed on to the service. */
  served: number;
  /** Requests answered with the throttling error (bucket empty or injected). */
  throttled: number;
  /** Of `throttled`, those decided by `throttleRate`. */
  injected: number;
  /** Requests answered with an injected server error (`errorRate`). */
  errors: number;
}

/** The runtime face of the limits (`sandbox.limits`). */
export interface SandboxLimits {
  /** Replace the limits (validated; buckets refill, the seeded sequence restarts). */
  set(config: LimitsConfig): void;
  get(): LimitsConfig;
  /** Counters by `service:Operation` (REST services: `service:*`), since start or `resetStats()`. */
  stats(): Record<string, OperationStats>;
  resetStats(): void;
}

export interface LimitedCall {
  readonly service: string;
  readonly operation: string;
}

export interface RequestLimiter extends SandboxLimits {
  /** Resolves when the request may be served; throws the service's throttling or server AwsError otherwise. */
  admit(call: LimitedCall, signal: AbortSignal): Promise<void>;
}

export interface LimiterDeps {
  readonly config?: LimitsConfig;
  /** Milliseconds (default Date.now). */
  readonly now?: () => number;
  /** Used for throttleRate and errorRate when the config has no seed (default Math.random). */
  readonly random?: () => number;
  /** Waits `ms` or until `signal` aborts (default: a timer). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> => sleepFor(ms, undefined, { signal }).catch(() => undefined);

export function createRequestLimiter(deps: LimiterDeps = {}): RequestLimiter {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? defaultSleep;
  let config: LimitsConfig = parseLimits(deps.config ?? {});
  let random = config.seed !== undefined ? seededRandom(config.seed) : (deps.random ?? Math.random);
  let buckets = new Map<string, TokenBucket>();
  let counters = new Map<string, OperationStats>();

  const counter = (key: string): OperationStats => {
    let c = counters.get(key);
    if (!c) counters.set(key, (c = { served: 0, throttled: 0, injected: 0, errors: 0 }));
    return c;
  };

  return {
    async admit(call, signal) {
      const rule = resolveRule(config, call.service, call.operation);
      if (rule.latencyMs) await sleep(rule.latencyMs, signal);
      const key = `${call.service}:${call.operation}`;
      const c = counter(key);
      if (rule.throttleRate && random() < rule.throttleRate) {
        c.throttled++;
        c.injected++;
        throw throttleError(call.service);
      }
      // Drawn only when set, so a seeded throttleRate sequence stays what it was without errorRate.
      if (rule.errorRate && random() < rule.errorRate) {
        c.errors++;
        throw serverError(call.service);
      }
      if (rule.tps !== undefined) {
        const capacity = rule.burst ?? Math.max(1, Math.floor(rule.tps));
        let bucket = buckets.get(key);
        if (!bucket || bucket.rate !== rule.tps || bucket.capacity !== capacity) buckets.set(key, (bucket = new TokenBucket(rule.tps, capacity, now())));
        if (!bucket.take(now())) {
          c.throttled++;
          throw throttleError(call.service);
        }
      }
      c.served++;
    },
    set(next) {
      config = parseLimits(next);
      random = config.seed !== undefined ? seededRandom(config.seed) : (deps.random ?? Math.random);
      buckets = new Map();
    },
    get: () => config,
    stats: () => Object.fromEntries([...counters].map(([k, v]) => [k, { ...v }])),
    resetStats() {
      counters = new Map();
    },
  };
}
