// Client-side pacing: a token bucket per service (calls per second, with a burst) and a cap on
// calls in flight, so a fleet run stays under the account's API limits instead of bouncing off them.

export interface Timers {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realTimers: Timers = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

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

/** Parses `service=tps[,service.Operation=tps]` (e.g. codedeploy=20,codedeploy.RegisterOnPremisesInstance=10);
 * unknown services are errors. An operation key adds a bucket for that operation within its service's. */
export function parseTpsOption(text: string, services: readonly string[]): Record<string, number> | { error: string } {
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z0-9-]+(?:\.[A-Z][A-Za-z0-9]*)?)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m) return { error: `'${part}' is not service=calls-per-second (or service.Operation=calls-per-second)` };
    if (!services.includes((m[1] as string).split('.')[0] as string)) return { error: `unknown service '${m[1]}' (known: ${services.join(', ')})` };
    const v = Number(m[2]);
    if (!(v > 0)) return { error: `${m[1]}: calls per second must be above 0` };
    out[m[1] as string] = v;
  }
  return out;
}
