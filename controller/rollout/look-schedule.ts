// When the runner looks again at each running target: from the time its operation started, the
// times earlier operations of its kind took (poll-schedule.ts decides the waits), and the rollout's
// share of looks a second, so hundreds of targets running do not turn into a flood of calls.
import type { TargetKind } from './config-types.js';
import { nextLookDelay, predictLooks } from './poll-schedule.js';

/** How many of the latest operation times per target kind the looks are predicted from. */
const TOOK_KEPT = 25;
/** Looks at running targets a second, at most, all targets together. */
export const LOOKS_PER_SECOND = 200;

export class LookSchedule {
  /** Since when each target's steps have changed nothing (its deployment running, or retried). */
  private readonly waitingSince = new Map<string, number>();
  /** The latest operation times of succeeded targets, by kind (as AWS timed them). */
  private readonly took = new Map<TargetKind, number[]>();

  constructor(private readonly capMs: number) {}

  /** An operation of `kind` that ended took `ms`. */
  tookMs(kind: TargetKind, ms: number): void {
    if (!(ms >= 0)) return;
    const took = this.took.get(kind) ?? [];
    this.took.set(kind, [...took.slice(1 - TOOK_KEPT), ms]);
  }

  /** The target moved on: nothing to wait for. */
  settled(name: string): void {
    this.waitingSince.delete(name);
  }

  /**
   * The wait before the next look at a target whose step changed nothing; `startedAt`: its operation
   * has just been started, at that time (when the call returned, before the journal recorded it).
   * The prediction is made anew each time from what has ended so far, so the first targets of a
   * rollout, started before any had ended, gain from the first to end.
   */
  waitMs(name: string, kind: TargetKind, now: number, startedAt?: number): number {
    const since = startedAt ?? this.waitingSince.get(name) ?? now;
    this.waitingSince.set(name, since);
    const predicted = predictLooks(this.took.get(kind) ?? [], this.capMs);
    // each look is an API call and CPU here: hundreds of targets running share LOOKS_PER_SECOND
    const crowd = (this.waitingSince.size * 1000) / LOOKS_PER_SECOND;
    return Math.max(nextLookDelay(now - since, predicted, this.capMs), crowd);
  }
}
