// The client pool: AWS ports per (account, region, credentials source), built lazily, sharing one
// set of limits (global concurrency, per-account and per-service buckets), one retry policy and one
// set of call statistics. Assumed-role targets get a RoleSession (AssumeRole with ExternalId through
// the parent identity, refreshed before expiry). The iot:Data-ATS endpoint of each (account, region)
// is discovered with IoT DescribeEndpoint on first use, unless the root gave one.
// Inputs are plain values from the composition root: no process.env, no Date.now(), no Math.random().
import type { Logger } from '../../shared/log.js';
import { EdgeError } from '../../shared/errors.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../../shared/retry.js';
import { countCall, countRetry, emptyStats, operationStats, type CallStats } from './call-stats.js';
import type { BuiltPort, CredentialProvider, PortFactory } from './clients.js';
import { AwsLimits, type LimitsOptions, type Timers } from './limits.js';
import { SERVICES, type AwsPorts, type PortOf, type Service } from './ports.js';
import { RoleSession } from './role-session.js';

export type CredentialsSource =
  | { readonly kind: 'default' }
  | {
      readonly kind: 'assume-role';
      readonly roleArn: string;
      readonly sessionName: string;
      readonly externalId?: string;
      readonly durationSeconds?: number;
      /** Who assumes the role (default: the default credentials). */
      readonly via?: CredentialsSource;
    };

export interface Target {
  /** Default: the pool's region. */
  readonly region?: string;
  /** Default: the default credentials. */
  readonly credentials?: CredentialsSource;
  /** The account, when known (limits are per account); taken from the role ARN for assumed roles. */
  readonly account?: string;
}

/** The ports of one (account, region, credentials source). */
export interface AwsSession extends AwsPorts {
  readonly key: string;
  readonly account: string;
  readonly region: string;
  /** The role session, for assumed-role targets. */
  readonly roleSession?: RoleSession;
}

export interface PoolOptions {
  /** The default region (from --region / AWS_REGION at the root). */
  readonly region?: string;
  /** The default credentials (absent: the adapter's own default, e.g. the SDK chain or a profile). */
  readonly credentials?: CredentialProvider;
  /** Endpoint URL overrides by service (sandbox, VPC endpoints); `iotdata` skips discovery. */
  readonly endpoints?: Partial<Record<Service, string>>;
  readonly limits?: LimitsOptions;
  readonly retry?: RetryPolicy;
  /** Refresh assumed-role credentials this long before they expire (default 5 minutes). */
  readonly refreshBeforeMs?: number;
}

export interface PoolDeps {
  readonly factory: PortFactory;
  readonly timers: Timers;
  /** Wall-clock ms since the epoch. */
  readonly clock: () => number;
  readonly random: () => number;
  readonly log: Logger;
}

export interface AwsPool {
  session(target?: Target): AwsSession;
  readonly stats: CallStats;
  readonly limits: AwsLimits;
  /** Sessions built so far, by key. */
  readonly size: number;
  destroy(): void;
}

interface Entry {
  readonly session: AwsSession;
  readonly roleSession: RoleSession | undefined;
  readonly built: Map<Service, BuiltPort<unknown>>;
  readonly pending: Map<Service, Promise<unknown>>;
}

const ROLE_ACCOUNT = /^arn:aws[\w-]*:iam::(\d{12}):role\//;

export function sourceKey(c: CredentialsSource): string {
  if (c.kind === 'default') return 'default';
  const via = c.via ? sourceKey(c.via) : 'default';
  return `assume(${c.roleArn}|${c.externalId ?? ''}|${c.sessionName}|${c.durationSeconds ?? ''}|${via})`;
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const withScheme = (address: string): string => (/^https?:\/\//.test(address) ? address : `https://${address}`);

export function createAwsPool(opts: PoolOptions, deps: PoolDeps): AwsPool {
  const limits = new AwsLimits(opts.limits ?? {}, deps.timers);
  const stats = emptyStats();
  const entries = new Map<string, Entry>();
  const log = deps.log.child({ component: 'aws-pool' });
  const retry = opts.retry ?? DEFAULT_RETRY;

  function build<S extends Service>(entry: Entry, service: S, endpoint: string | undefined): PortOf<S> {
    const credentials: CredentialProvider | undefined = entry.roleSession ? entry.roleSession.credentials : opts.credentials;
    const made = deps.factory[service]({
      region: entry.session.region,
      ...(credentials ? { credentials } : {}),
      ...(endpoint ? { endpoint } : {}),
    }) as BuiltPort<PortOf<S>>;
    entry.built.set(service, made);
    return made.port;
  }

  async function portOf<S extends Service>(entry: Entry, service: S): Promise<PortOf<S>> {
    const have = entry.built.get(service);
    if (have) return have.port as PortOf<S>;
    if (service !== 'iotdata' || opts.endpoints?.iotdata) return build(entry, service, opts.endpoints?.[service]);
    // discover the data endpoint once per session; concurrent first calls share the lookup
    let p = entry.pending.get(service) as Promise<PortOf<S>> | undefined;
    if (!p) {
      p = entry.session.iot.describeEndpoint('iot:Data-ATS').then((address) => build(entry, service, withScheme(address)));
      entry.pending.set(service, p);
      p.catch(() => entry.pending.delete(service));
    }
    return p;
  }

  /** Drop the clients (and cached role credentials) so the next call builds them afresh. */
  function renew(entry: Entry): void {
    entry.roleSession?.invalidate();
    for (const b of entry.built.values()) b.destroy();
    entry.built.clear();
    entry.pending.clear();
  }

  async function call(entry: Entry, service: Service, method: string, args: unknown[]): Promise<unknown> {
    const operation = capital(method);
    const op = `${service}.${operation}`;
    const key = { service, operation, account: entry.session.account, region: entry.session.region };
    try {
      return await withRetry(
        async () => {
          const port = (await portOf(entry, service)) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
          const fn = port[method];
          if (typeof fn !== 'function') throw new EdgeError('INTERNAL', `${service} has no operation ${method}`);
          // The role's credentials first, outside the concurrency cap: the SDK asks for them inside
          // the call, and an AssumeRole waiting for a slot held by calls waiting for it deadlocks
          // once more new roles than slots are in use at once (a fan-out to many tenant accounts).
          await entry.roleSession?.get();
          return limits.run(key, () => {
            countCall(stats, op);
            return fn.apply(port, args);
          });
        },
        retry,
        {
          sleep: (ms) => deps.timers.sleep(ms),
          random: deps.random,
          retried: (failure, waitMs) => {
            countRetry(stats, op, failure.kind === 'throttled', waitMs);
            log.debug({ op, key: entry.session.key, kind: failure.kind, error: failure.name, waitMs }, 'retrying');
          },
          refresh: (failure) => {
            if (failure.refresh === 'credentials') renew(entry);
          },
        },
      );
    } catch (e) {
      operationStats(stats, op).failures++;
      throw e;
    }
  }

  function portProxy(entry: Entry, service: Service): unknown {
    return new Proxy(
      {},
      {
        get: (_t, prop) => (typeof prop !== 'string' || prop === 'then' ? undefined : (...args: unknown[]) => call(entry, service, prop, args)),
      },
    );
  }

  function session(target: Target = {}): AwsSession {
    const region = target.region ?? opts.region;
    if (!region) throw new EdgeError('CLI_AWS_CONFIG', 'no AWS region: set AWS_REGION or pass --region');
    const source = target.credentials ?? { kind: 'default' };
    const account =
      source.kind === 'assume-role'
        ? (ROLE_ACCOUNT.exec(source.roleArn)?.[1] ?? target.account ?? 'unknown')
        : (target.account ?? 'default');
    const key = `${account}|${region}|${sourceKey(source)}`;
    const existing = entries.get(key);
    if (existing) return existing.session;
    let roleSession: RoleSession | undefined;
    if (source.kind === 'assume-role') {
      const parent = session({ region, ...(source.via ? { credentials: source.via } : {}) });
      roleSession = new RoleSession(
        {
          roleArn: source.roleArn,
          sessionName: source.sessionName,
          ...(source.externalId !== undefined ? { externalId: source.externalId } : {}),
          ...(source.durationSeconds !== undefined ? { durationSeconds: source.durationSeconds } : {}),
        },
        { sts: () => parent.sts, clock: deps.clock, ...(opts.refreshBeforeMs !== undefined ? { refreshBeforeMs: opts.refreshBeforeMs } : {}) },
      );
    }
    const ports = {} as Record<Service, unknown>;
    const s = { key, account, region, ...(roleSession ? { roleSession } : {}) } as AwsSession;
    const entry: Entry = { session: s, roleSession, built: new Map(), pending: new Map() };
    for (const service of SERVICES) ports[service] = portProxy(entry, service);
    Object.assign(s, ports);
    entries.set(key, entry);
    return s;
  }

  return {
    session,
    stats,
    limits,
    get size() {
      return entries.size;
    },
    destroy() {
      for (const e of entries.values()) for (const b of e.built.values()) b.destroy();
      entries.clear();
      deps.factory.destroy?.();
    },
  };
}
