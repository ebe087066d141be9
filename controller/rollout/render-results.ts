// The results of `rollout start`/`resume` (the final summary, or where a detached run writes) and of
// `rollout abort` (what was recorded and stopped), for people. Pure.
import type { AbortResult } from '../commands/rollout-abort.js';
import type { StartResult } from '../commands/rollout-start.js';
import { clean, renderSummary } from './render.js';

export function renderStart(r: StartResult): string {
  if ('detached' in r) {
    return [
      `rollout ${clean(r.rolloutId)} is running in the background (pid ${r.detached.pid})`,
      `  output: ${clean(r.detached.log)}`,
      `  journal: ${clean(r.journal)}`,
      `  follow it: fleetctl rollout status ${clean(r.rolloutId)} --watch`,
      '',
    ].join('\n');
  }
  return renderSummary(r);
}

export function renderAbort(r: AbortResult): string {
  const head =
    r.abortOutcome === 'already-finished'
      ? `rollout ${clean(r.rolloutId)} had already finished: nothing to abort`
      : r.abortOutcome === 'recorded'
        ? `abort recorded: the controller driving ${clean(r.rolloutId)} starts no further target and ends the rollout once those in flight finish`
        : `rollout ${clean(r.rolloutId)} aborted`;
  const stops = r.stops.map((s) => `  ${clean(s.target)}: ${clean(s.action)} ${s.outcome}${s.detail ? ` (${clean(s.detail)})` : ''}`);
  return `${[head, ...stops].join('\n')}\n${renderSummary(r)}`;
}
