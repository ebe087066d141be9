// How long to wait before asking AWS again about something that is still running (a stack
// operation, a deployment, a change set being computed). A fixed interval is either slow for short
// operations (a 2 s stack seen done up to 2 s late) or costly for long ones. Waiting a fraction of
// the time already waited bounds the lateness to that fraction of the operation's own length and
// grows geometrically, so a long operation costs few more calls than a fixed interval would: the
// waits are capped at the configured poll interval, which long operations settle on. Looks at an
// operation just started can do better: the targets of one rollout mostly run the same thing (one
// template in every tenant account), so once some of the same kind have ended, the new one is
// looked at just after the time most of them took, then just after the slowest. Pure.

/** The share of the time waited so far that the next wait lasts. */
export const POLL_FRACTION = 0.2;
/** The shortest wait, as a share of the cap (250 ms under the default 2 s): at most 4 looks a second per target, for its first second or so. */
export const POLL_FLOOR_SHARE = 1 / 8;

/** The wait before the next look, after `elapsedMs` of waiting on the same thing: a fifth of that, between capMs/8 and capMs. */
export function pollDelay(elapsedMs: number, capMs: number): number {
  const floor = capMs * POLL_FLOOR_SHARE;
  return Math.min(capMs, Math.max(floor, Math.max(0, elapsedMs) * POLL_FRACTION));
}

/** How far past a time earlier operations took a predicted look comes: clock rounding, not spread. */
export const LOOK_MARGIN = 0.01;

/** Looks at an operation just started, in ms after its start, predicted from the times earlier ones took. */
export interface PredictedLooks {
  /** Just past the time three in four of them took (at least the floor). */
  readonly mostMs: number;
  /** Just past the slowest of them, when that is later. */
  readonly slowestMs?: number;
}

/**
 * The predicted looks at a new operation of a kind whose earlier operations in this rollout took
 * `tookMs` (as AWS timed them); none known: undefined, and the schedule alone decides.
 */
export function predictLooks(tookMs: readonly number[], capMs: number): PredictedLooks | undefined {
  if (tookMs.length === 0) return undefined;
  const sorted = [...tookMs].sort((a, b) => a - b);
  const most = sorted[Math.floor(0.75 * (sorted.length - 1))] ?? 0;
  const mostMs = Math.max(capMs * POLL_FLOOR_SHARE, most * (1 + LOOK_MARGIN));
  const slowestMs = (sorted.at(-1) ?? 0) * (1 + LOOK_MARGIN);
  return slowestMs > mostMs ? { mostMs, slowestMs } : { mostMs };
}

/** How far past the cap a wait toward a predicted look may go, rather than spend a look before it. */
export const PREDICTED_STRETCH = 1.25;

/**
 * The wait before the next look at an operation `elapsedMs` after its start. Before the predicted
 * time most took: straight toward it, in equal steps of at most the cap × PREDICTED_STRETCH (so a
 * failure is still seen about as soon as the cap promises, and no look is spent early otherwise).
 * Past it: the schedule (pollDelay), but no later than just past the slowest. Nothing predicted:
 * the schedule.
 */
export function nextLookDelay(elapsedMs: number, predicted: PredictedLooks | undefined, capMs: number): number {
  const elapsed = Math.max(0, elapsedMs);
  const schedule = pollDelay(elapsed, capMs);
  if (!predicted) return schedule;
  const left = predicted.mostMs - elapsed;
  if (left > 0) return capMs > 0 ? left / Math.ceil(left / (capMs * PREDICTED_STRETCH)) : left;
  const toSlowest = (predicted.slowestMs ?? 0) - elapsed;
  return toSlowest > 0 ? Math.min(schedule, toSlowest) : schedule;
}
