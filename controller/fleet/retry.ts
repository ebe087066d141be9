// Retries for AWS calls: throttling, 5xx and connection failures, with full-jitter exponential
// back-off. The SDK clients are built with maxAttempts 1, so this is the only retry layer and the
// number of attempts is bounded by `maxAttempts` here.
import type { Timers } from './rate-limit.js';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseMs: number;
  readonly capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseMs: 100, capMs: 5000 };

const THROTTLE_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

export interface AwsLikeError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

export function errorName(e: unknown): string {
  const x = e as AwsLikeError;
  return x?.name ?? x?.code ?? 'Error';
}

export function classify(e: unknown): 'throttle' | 'transient' | 'fatal' {
  const x = e as AwsLikeError;
  const status = x?.$metadata?.httpStatusCode;
  if (THROTTLE_CODES.has(errorName(e)) || status === 429 || x?.$retryable?.throttling) return 'throttle';
  if ((status !== undefined && status >= 500) || NETWORK_CODES.has(errorName(e)) || NETWORK_CODES.has(x?.code ?? '')) return 'transient';
  return 'fatal';
}

/** Full jitter: a random wait in [0, min(cap, base·2^attempt)). */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number): number {
  return Math.floor(random() * Math.min(policy.capMs, policy.baseMs * 2 ** attempt));
}

export interface RetryObserver {
  retried(kind: 'throttle' | 'transient', waitMs: number, e: unknown): void;
}

/** Runs `attempt` (which paces itself) until it succeeds, fails fatally, or attempts run out. */
export async function withRetry<T>(attempt: () => Promise<T>, policy: RetryPolicy, timers: Timers, random: () => number, observer: RetryObserver): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      const kind = classify(e);
      if (kind === 'fatal' || n + 1 >= policy.maxAttempts) throw e;
      const wait = backoffMs(policy, n, random);
      observer.retried(kind, wait, e);
      await timers.sleep(wait);
    }
  }
}
