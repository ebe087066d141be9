// Poll-loop back-off, as the official agent does it (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/command_poller.rb): after n consecutive errors
// (n capped at 10) wait floor(1.2675^n * 90 / 1.2675^10) seconds: 10, 13, 17, … 90 s. Throttling
// waits `throttleMs` (official 60 s). A successful poll resets n. Pure.

export interface BackoffPolicy {
  /** Longest error back-off (official 90 s). */
  readonly maxMs: number;
  /** Wait after a throttling error (official wait_after_throttle_error, 60 s). */
  readonly throttleMs: number;
}

export const OFFICIAL_BACKOFF: BackoffPolicy = { maxMs: 90_000, throttleMs: 60_000 };

export function errorBackoffMs(consecutiveErrors: number, policy: BackoffPolicy = OFFICIAL_BACKOFF): number {
  if (consecutiveErrors <= 0) return 0;
  const n = Math.min(consecutiveErrors, 10);
  // the official whole-second schedule, scaled to policy.maxMs (identical for the official 90 s)
  const officialSeconds = Math.floor((Math.pow(1.2675, n) * 90) / Math.pow(1.2675, 10));
  return Math.round(officialSeconds * 1000 * (policy.maxMs / OFFICIAL_BACKOFF.maxMs));
}

/** The wait before the next poll after an error: throttling has its own, longer pause. */
export function backoffAfter(consecutiveErrors: number, throttled: boolean, policy: BackoffPolicy = OFFICIAL_BACKOFF): number {
  return Math.max(errorBackoffMs(consecutiveErrors, policy), throttled ? policy.throttleMs : 0);
}
