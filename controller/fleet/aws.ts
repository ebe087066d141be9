// The AWS side of fleetctl: SDK clients built from the global options, and one `send` that every
// call goes through: paced per service (token bucket + concurrency cap), retried on throttling,
// 5xx and connection errors with jittered back-off, and counted.
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { IAMClient } from '@aws-sdk/client-iam';
import { IoTClient } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { STSClient } from '@aws-sdk/client-sts';
import type { Logger } from '../../shared/log.js';
import { Semaphore, TokenBucket, type LimitSpec, type Timers } from './rate-limit.js';
import { DEFAULT_RETRY, errorName, withRetry, type RetryPolicy } from './retry.js';

export const SERVICES = ['codedeploy', 'iot', 'iotdata', 'iam', 'sts'] as const;
export type Service = (typeof SERVICES)[number];

/** Conservative defaults: well under the published/observed limits of each service. */
export const DEFAULT_TPS: Readonly<Record<Service, number>> = { codedeploy: 10, iot: 10, iotdata: 20, iam: 5, sts: 5 };
export const DEFAULT_CONCURRENCY = 32;

export interface AwsOptions {
  readonly region?: string;
  readonly profile?: string;
  readonly endpointUrl?: string;
  /** Calls per second by service, and optionally by `service.Operation` (a bucket within the service's). */
  readonly tps?: Readonly<Record<string, number>>;
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
}

export interface CallStats {
  /** Calls sent, by Service.Operation (retries included). */
  readonly calls: Record<string, number>;
  retries: number;
  throttled: number;
  backoffMs: number;
}

interface Sendable {
  send(command: unknown): Promise<unknown>;
}
type AnyCommand = { readonly input: unknown; constructor: { name: string } };
type OutputOf<C> = C extends { resolveMiddleware(...a: never[]): infer H } ? (H extends (...a: never[]) => Promise<{ output: infer O }> ? O : never) : never;

export interface FleetAws {
  readonly region: string;
  readonly stats: CallStats;
  send<C extends AnyCommand>(service: Service, command: C): Promise<OutputOf<C>>;
  /** The iotdata client needs the account's data endpoint; set once it is known. */
  setIotDataEndpoint(url: string): void;
  destroy(): void;
}

export interface FleetAwsDeps {
  readonly log: Logger;
  readonly timers: Timers;
  readonly random: () => number;
}

export async function resolveRegion(opts: AwsOptions): Promise<string> {
  const probe = new STSClient({ ...(opts.region ? { region: opts.region } : {}), ...(opts.profile ? { profile: opts.profile } : {}) });
  try {
    return await probe.config.region();
  } finally {
    probe.destroy();
  }
}

export function createFleetAws(opts: AwsOptions & { region: string }, deps: FleetAwsDeps): FleetAws {
  const base = {
    region: opts.region,
    maxAttempts: 1,
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(opts.endpointUrl ? { endpoint: opts.endpointUrl } : {}),
  };
  let dataEndpoint: string | undefined = opts.endpointUrl;
  const clients: Partial<Record<Service, Sendable & { destroy(): void }>> = {};
  const client = (s: Service): Sendable => {
    const existing = clients[s];
    if (existing) return existing;
    const made =
      s === 'codedeploy'
        ? new CodeDeployClient(base)
        : s === 'iot'
          ? new IoTClient(base)
          : s === 'iam'
            ? new IAMClient(base)
            : s === 'sts'
              ? new STSClient(base)
              : new IoTDataPlaneClient({ ...base, ...(dataEndpoint && !process.env['AWS_ENDPOINT_URL_IOT_DATA_PLANE'] ? { endpoint: dataEndpoint } : {}) });
    clients[s] = made;
    return made;
  };
  const limits = new Map<Service, { bucket: TokenBucket; gate: Semaphore }>();
  const limiter = (s: Service): { bucket: TokenBucket; gate: Semaphore } => {
    let l = limits.get(s);
    if (!l) {
      const tps = opts.tps?.[s] ?? DEFAULT_TPS[s];
      const spec: LimitSpec = { tps, burst: Math.max(1, Math.min(tps, 10)), concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY };
      l = { bucket: new TokenBucket(spec, deps.timers), gate: new Semaphore(spec.concurrency) };
      limits.set(s, l);
    }
    return l;
  };
  const opBuckets = new Map<string, TokenBucket>();
  const opBucket = (op: string): TokenBucket | undefined => {
    const tps = opts.tps?.[op];
    if (tps === undefined) return undefined;
    let b = opBuckets.get(op);
    if (!b) {
      b = new TokenBucket({ tps, burst: Math.max(1, Math.min(tps, 10)) }, deps.timers);
      opBuckets.set(op, b);
    }
    return b;
  };
  const stats: CallStats = { calls: {}, retries: 0, throttled: 0, backoffMs: 0 };
  const log = deps.log.child({ component: 'aws' });
  return {
    region: opts.region,
    stats,
    async send<C extends AnyCommand>(service: Service, command: C): Promise<OutputOf<C>> {
      const op = `${service}.${command.constructor.name.replace(/Command$/, '')}`;
      const { bucket, gate } = limiter(service);
      const once = async (): Promise<unknown> => {
        await opBucket(op)?.take();
        await bucket.take();
        stats.calls[op] = (stats.calls[op] ?? 0) + 1;
        return gate.run(() => client(service).send(command));
      };
      const observer = {
        retried(kind: 'throttle' | 'transient', waitMs: number, e: unknown): void {
          stats.retries++;
          stats.backoffMs += waitMs;
          if (kind === 'throttle') stats.throttled++;
          log.debug({ op, kind, error: errorName(e), waitMs }, 'retrying');
        },
      };
      return (await withRetry(once, opts.retry ?? DEFAULT_RETRY, deps.timers, deps.random, observer)) as OutputOf<C>;
    },
    setIotDataEndpoint(url) {
      dataEndpoint ??= url;
    },
    destroy() {
      for (const c of Object.values(clients)) c.destroy();
    },
  };
}

/** True when the error is the named AWS error (by exception name). */
export const isAwsError = (e: unknown, ...names: string[]): boolean => names.includes(errorName(e));
