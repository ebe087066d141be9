// How long to wait before asking AWS again about something that is still running (a stack
// operation, a deployment, a change set being computed). A fixed interval is either slow for short
// operations (a 2 s stack seen done up to 2 s late) or costly for long ones. Waiting a fraction of
// the time already waited bounds the lateness to that fraction of the operation's own length and
// grows geometrically, so a long operation costs few more calls than a fixed interval would: the
// waits are capped at the configured poll interval, which long operations settle on. The first
// look at an operation just started can do better: the targets of one rollout mostly run the same
// thing (one template in every tenant account), so once some of the same kind have ended, the new
// one is first looked at just after the time they took. Pure.

/** The share of the time waited so far that the next wait lasts. */
export const POLL_FRACTION = 0.2;
/** The shortest wait, as a share of the cap (250 ms under the default 2 s): at most 4 looks a second per target, for its first second or so. */
export const POLL_FLOOR_SHARE = 1 / 8;

/** The wait before the next look, after `elapsedMs` of waiting on the same thing: a fifth of that, between capMs/8 and capMs. */
export function pollDelay(elapsedMs: number, capMs: number): number {
  const floor = capMs * POLL_FLOOR_SHARE;
  return Math.min(capMs, Math.max(floor, Math.max(0, elapsedMs) * POLL_FRACTION));
}

/** How far past the time earlier operations took the first look at a new one comes. */
export const FIRST_LOOK_MARGIN = 0.05;

/**
 * The wait before the first look at an operation just started, given how long operations of the
 * same kind took in this rollout (`tookMs`, as AWS timed them): just past their median, between
 * capMs/8 and capMs; with none known, pollDelay(0, capMs).
 */
export function firstLookDelay(tookMs: readonly number[], capMs: number): number {
  if (tookMs.length === 0) return pollDelay(0, capMs);
  const sorted = [...tookMs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return Math.min(capMs, Math.max(capMs * POLL_FLOOR_SHARE, median * (1 + FIRST_LOOK_MARGIN)));
}
