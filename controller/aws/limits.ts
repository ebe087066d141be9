// Client-side pacing shared by every client of a pool, so a run across many accounts stays under
// AWS's API limits instead of bouncing off them:
//   - one global cap on calls in flight;
//   - a token bucket per (account, region, service), since AWS rate limits are per account and region
//     (`tps.codedeploy`), and optionally per (account, region, service.Operation) (`tps['iot.CreateThing']`);
//   - optionally a bucket per service across all accounts (`globalTps.iam`: IAM is global, for one).
// Time comes from injected Timers (monotonic ms + sleep); nothing here reads a clock itself.

export interface Timers {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface LimitSpec {
  /** Calls per second (tokens added per second). */
  readonly tps: number;
  /** Tokens the bucket holds: calls that may go out at once after a quiet spell. */
  readonly burst: number;
  /** Calls in flight at most. */
  readonly concurrency: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly spec: Pick<LimitSpec, 'tps' | 'burst'>,
    private readonly timers: Timers,
  ) {
    this.tokens = spec.burst;
    this.last = timers.now();
  }

  private refill(): void {
    const now = this.timers.now();
    this.tokens = Math.min(this.spec.burst, this.tokens + ((now - this.last) * this.spec.tps) / 1000);
    this.last = now;
  }

  /** Resolves when a token is taken; callers are served in order. */
  take(): Promise<void> {
    const turn = this.tail.then(async () => {
      this.refill();
      while (this.tokens < 1) {
        await this.timers.sleep(((1 - this.tokens) * 1000) / this.spec.tps);
        this.refill();
      }
      this.tokens -= 1;
    });
    this.tail = turn;
    return turn;
  }
}

export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}

  get inFlight(): number {
    return this.active;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Conservative defaults: well under the published/observed limits of each service. */
export const DEFAULT_TPS: Readonly<Record<string, number>> = { codedeploy: 10, iot: 10, iotdata: 20, iam: 5, sts: 5, s3: 50 };
export const DEFAULT_CONCURRENCY = 32;

/**
 * Releases and rollouts (laid over DEFAULT_TPS). A fan-out assumes one role per tenant account,
 * every AssumeRole from the pipeline account (then cached for the session's hour), and writes its
 * journal under one prefix of the release bucket: at registration's 5 AssumeRole and 50 S3 calls a
 * second, 200 tenants would wait 40 s for their roles alone. S3 takes 3,500 writes a second per
 * prefix; STS is the service every SDK client calls for its credentials, and a throttled call is
 * retried with back-off anyway. CloudFormation, not limited by default, gets a bucket per tenant
 * account for its polls.
 */
export const ROLLOUT_TPS: Readonly<Record<string, number>> = { sts: 100, s3: 300, cloudformation: 10 };

export interface LimitsOptions {
  /** Calls in flight across the whole pool. */
  readonly concurrency?: number;
  /** Per account and region: `service` or `service.Operation` → calls per second. */
  readonly tps?: Readonly<Record<string, number>>;
  /** Across all accounts: `service` → calls per second. */
  readonly globalTps?: Readonly<Record<string, number>>;
}

export interface CallKey {
  readonly service: string;
  readonly operation: string;
  readonly account: string;
  readonly region: string;
}

export const burstFor = (tps: number): number => Math.max(1, Math.min(tps, 10));

export class AwsLimits {
  private readonly gate: Semaphore;
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly opts: LimitsOptions,
    private readonly timers: Timers,
  ) {
    this.gate = new Semaphore(opts.concurrency ?? DEFAULT_CONCURRENCY);
  }

  /** Calls in flight now (for tests and progress). */
  get inFlight(): number {
    return this.gate.inFlight;
  }

  private bucket(key: string, tps: number | undefined): TokenBucket | undefined {
    if (tps === undefined) return undefined;
    let b = this.buckets.get(key);
    if (!b) {
      b = new TokenBucket({ tps, burst: burstFor(tps) }, this.timers);
      this.buckets.set(key, b);
    }
    return b;
  }

  /** Waits for the call's tokens (operation, account, global), then runs it within the global cap. */
  async run<T>(key: CallKey, fn: () => Promise<T>): Promise<T> {
    const where = `${key.account}|${key.region}`;
    const op = `${key.service}.${key.operation}`;
    await this.bucket(`${where}|${op}`, this.opts.tps?.[op])?.take();
    await this.bucket(`${where}|${key.service}`, this.opts.tps?.[key.service] ?? DEFAULT_TPS[key.service])?.take();
    await this.bucket(`*|${key.service}`, this.opts.globalTps?.[key.service])?.take();
    return this.gate.run(fn);
  }
}
