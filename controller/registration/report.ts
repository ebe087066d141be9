// What the register and deregister reports share: per-device errors carrying our codes (never an
// AWS exception name), outcome counts, and the run's API call statistics.
import { isEdgeError } from '../../shared/errors.js';
import type { CallStats } from '../aws/call-stats.js';

export interface DeviceError {
  readonly code: string;
  readonly message: string;
  /** The AWS request id of the failed call, for AWS Support. */
  readonly requestId?: string;
}

export interface RunStats {
  readonly apiCalls: number;
  readonly callsByOperation: Readonly<Record<string, number>>;
  readonly retries: number;
  readonly throttledRetries: number;
  readonly backoffMs: number;
}

export function statsOf(s: Pick<CallStats, 'calls' | 'retries' | 'throttled' | 'backoffMs'>): RunStats {
  const sorted = Object.fromEntries(Object.entries(s.calls).sort(([a], [b]) => (a < b ? -1 : 1)));
  const apiCalls = Object.values(s.calls).reduce((a, b) => a + b, 0);
  return { apiCalls, callsByOperation: sorted, retries: s.retries, throttledRetries: s.throttled, backoffMs: Math.round(s.backoffMs) };
}

export function summarize<T extends { outcome: string }>(devices: readonly T[], outcomes: readonly string[]): Record<string, number> & { total: number } {
  const counts: Record<string, number> = Object.fromEntries(outcomes.map((o) => [o, 0]));
  for (const d of devices) counts[d.outcome] = (counts[d.outcome] ?? 0) + 1;
  return { total: devices.length, ...counts };
}

/** A device's failure for the report: our code (INTERNAL for anything that is not an EdgeError). */
export function failureOf(e: unknown): DeviceError {
  if (!isEdgeError(e)) return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
  const requestId = e.details['requestId'];
  return { code: e.code, message: e.message, ...(typeof requestId === 'string' ? { requestId } : {}) };
}
