// Call statistics of a pool, per operation (`service.Operation`) and in total: calls sent (retries
// included), retries, throttled retries, back-off time and calls that failed for good.

export interface OperationStats {
  calls: number;
  retries: number;
  throttled: number;
  backoffMs: number;
  failures: number;
}

export interface CallStats {
  /** Calls sent, by service.Operation (retries included): FleetAws's shape. */
  readonly calls: Record<string, number>;
  retries: number;
  throttled: number;
  backoffMs: number;
  readonly byOperation: Record<string, OperationStats>;
}

export const emptyStats = (): CallStats => ({ calls: {}, retries: 0, throttled: 0, backoffMs: 0, byOperation: {} });

export function operationStats(stats: CallStats, op: string): OperationStats {
  let s = stats.byOperation[op];
  if (!s) {
    s = { calls: 0, retries: 0, throttled: 0, backoffMs: 0, failures: 0 };
    stats.byOperation[op] = s;
  }
  return s;
}

export function countCall(stats: CallStats, op: string): void {
  stats.calls[op] = (stats.calls[op] ?? 0) + 1;
  operationStats(stats, op).calls++;
}

export function countRetry(stats: CallStats, op: string, throttled: boolean, waitMs: number): void {
  const s = operationStats(stats, op);
  stats.retries++;
  s.retries++;
  stats.backoffMs += waitMs;
  s.backoffMs += waitMs;
  if (throttled) {
    stats.throttled++;
    s.throttled++;
  }
}
