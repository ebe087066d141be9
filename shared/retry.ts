// One classification of AWS failures and one jittered back-off, for the agent and the controller.
//   throttled: the service asked us to slow down (names the AWS SDKs treat as throttling, HTTP 429);
//   transient: 5xx (but 501), 408, request timeouts and dropped or refused connections;
//   refresh:   expired credentials or a skewed clock: NOT throttling; retrying can only help once,
//              after the credentials are refreshed or the request is re-signed with the server's time;
//   fatal:     everything else (validation, access denied, not found, conflicts ...).
// Works on errors as the SDK v3 throws them ({ name, $metadata.httpStatusCode, $retryable }),
// on Node system errors ({ code: 'ECONNRESET' }) and on our own EdgeErrors (by code). Pure.
import { isEdgeError, type ErrorCode } from './errors.js';

export type FailureKind = 'throttled' | 'transient' | 'refresh' | 'fatal';

export interface Failure {
  readonly kind: FailureKind;
  /** The AWS error name (or system error code), e.g. ThrottlingException, ECONNRESET. */
  readonly name: string;
  readonly httpStatus: number | undefined;
  /** For kind 'refresh': what to refresh. */
  readonly refresh?: 'credentials' | 'clock';
}

/** The SDKs' throttling names (@smithy/service-error-classification), minus LimitExceededException,
 * which IAM and IoT use for quotas (too many users, certificates): retrying never helps there. */
export const THROTTLING_NAMES: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'PriorRequestNotComplete',
  'BandwidthLimitExceeded',
  'ProvisionedThroughputExceededException',
  'EC2ThrottledException',
  'TransactionInProgressException',
]);
export const TRANSIENT_NAMES: ReadonlySet<string> = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'InternalServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServiceException',
  'ServerException',
]);
export const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
export const EXPIRED_CREDENTIAL_NAMES: ReadonlySet<string> = new Set(['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired']);
export const CLOCK_SKEW_NAMES: ReadonlySet<string> = new Set(['RequestTimeTooSkewed', 'RequestExpired', 'RequestInTheFuture']);
/** Signature errors that mean "skew" only when the message says the signature expired or is not yet current. */
export const SIGNATURE_NAMES: ReadonlySet<string> = new Set(['InvalidSignatureException', 'SignatureDoesNotMatch', 'AuthFailure']);
const SKEW_MESSAGE = /signature expired|not yet current|clock skew|time too skewed|request has expired/i;

/** EdgeError codes that mean throttled, transient or refresh when they come back to a retry loop. */
const EDGE_KINDS: Partial<Record<ErrorCode, FailureKind>> = {
  COMMANDS_THROTTLED: 'throttled',
  AWS_THROTTLED: 'throttled',
};
const EDGE_REFRESH: Partial<Record<ErrorCode, 'credentials' | 'clock'>> = {
  AWS_CREDENTIALS_EXPIRED: 'credentials',
  AWS_CLOCK_SKEW: 'clock',
};

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The AWS error name (SDK v3 `name`, v2 / system `code`), 'Error' when there is none. */
export function awsErrorName(e: unknown): string {
  if (typeof e !== 'object' || e === null) return 'Error';
  const x = e as ErrorShape;
  const name = text(x.name);
  const code = text(x.code);
  if (code && NETWORK_CODES.has(code)) return code;
  return name && name !== 'Error' ? name : (code ?? name ?? 'Error');
}

/** Classifies a failure by AWS name, HTTP status and network error code. */
export function classifyFailure(e: unknown): Failure {
  if (isEdgeError(e)) return classifyEdgeError(e.code, e.retryable, e.details);
  const x = (typeof e === 'object' && e !== null ? e : {}) as ErrorShape;
  const name = awsErrorName(e);
  const status = typeof x.$metadata?.httpStatusCode === 'number' ? x.$metadata.httpStatusCode : undefined;
  const message = text(x.message) ?? '';
  const is = (kind: FailureKind, refresh?: Failure['refresh']): Failure => ({ kind, name, httpStatus: status, ...(refresh ? { refresh } : {}) });
  if (EXPIRED_CREDENTIAL_NAMES.has(name)) return is('refresh', 'credentials');
  if (CLOCK_SKEW_NAMES.has(name) || (SIGNATURE_NAMES.has(name) && SKEW_MESSAGE.test(message))) return is('refresh', 'clock');
  if (THROTTLING_NAMES.has(name) || status === 429 || x.$retryable?.throttling === true) return is('throttled');
  if (NETWORK_CODES.has(name) || TRANSIENT_NAMES.has(name) || status === 408) return is('transient');
  if (status !== undefined && status >= 500 && status !== 501) return is('transient');
  if (x.$retryable !== undefined && status === undefined) return is('transient');
  return is('fatal');
}

function classifyEdgeError(code: ErrorCode, retryable: boolean, details: Record<string, unknown>): Failure {
  const name = text(details['awsName']) ?? code;
  const status = typeof details['httpStatus'] === 'number' ? details['httpStatus'] : undefined;
  const refresh = EDGE_REFRESH[code];
  if (refresh) return { kind: 'refresh', name, httpStatus: status, refresh };
  if (details['throttled'] === true) return { kind: 'throttled', name, httpStatus: status };
  const kind = EDGE_KINDS[code] ?? (retryable ? 'transient' : 'fatal');
  return { kind, name, httpStatus: status };
}

/** True when the failure is the service asking us to slow down. */
export const isThrottling = (e: unknown): boolean => classifyFailure(e).kind === 'throttled';

export interface BackoffPolicy {
  /** The wait before the first retry (before jitter); doubles per retry. */
  readonly baseMs: number;
  /** The longest wait. */
  readonly capMs: number;
  /** full: uniform in [0, w) (spreads a fleet best); equal: w/2 + uniform in [0, w/2] (never retries at once). */
  readonly jitter?: 'full' | 'equal';
}

/** The wait before retry number `retry` (0 = the first retry): w = min(cap, base·2^retry), jittered. */
export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number): number {
  const w = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, retry));
  const r = Math.min(Math.max(random(), 0), 1);
  if (policy.jitter === 'equal') return Math.round(w / 2 + (w / 2) * r);
  return Math.floor(r * w);
}

export interface RetryPolicy extends BackoffPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseMs: 100, capMs: 5000, jitter: 'full' };

export interface RetryHooks {
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  /** Told before each retry (stats, logs). */
  readonly retried?: (failure: Failure, waitMs: number, e: unknown) => void;
  /** Called once before the one retry a 'refresh' failure gets (drop cached credentials ...). */
  readonly refresh?: (failure: Failure, e: unknown) => Promise<void> | void;
}

/**
 * Runs `attempt` until it succeeds or fails for good: throttled and transient failures are retried
 * with jittered back-off up to `maxAttempts`; a 'refresh' failure is retried once, at once, after
 * `hooks.refresh`; anything else is thrown as it is.
 */
export async function withRetry<T>(attempt: () => Promise<T>, policy: RetryPolicy, hooks: RetryHooks): Promise<T> {
  let refreshed = false;
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      const failure = classifyFailure(e);
      if (failure.kind === 'fatal' || n + 1 >= policy.maxAttempts) throw e;
      if (failure.kind === 'refresh') {
        if (refreshed) throw e;
        refreshed = true;
        await hooks.refresh?.(failure, e);
        hooks.retried?.(failure, 0, e);
        continue;
      }
      const wait = backoffDelayMs(n, policy, hooks.random);
      hooks.retried?.(failure, wait, e);
      await hooks.sleep(wait);
    }
  }
}
