// The results of `rollout start`/`resume` (the final summary, or where a detached run writes), of
// `rollout abort` (what was recorded and stopped), and of `rollout approve`/`pause` (what was
// recorded and what comes next), for people. Pure.
import type { AbortResult } from '../commands/rollout-abort.js';
import type { ApproveResult } from '../commands/rollout-approve.js';
import type { PauseResult } from '../commands/rollout-pause.js';
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

export function renderApprove(r: ApproveResult): string {
  const a = r.approval;
  const who = `${clean(a.by)} at ${clean(a.at)}${a.comment ? ` (${clean(a.comment)})` : ''}`;
  const wave = `wave ${clean(a.wave)} of ${clean(r.rolloutId)}`;
  const head = r.approveOutcome === 'approved' ? `${wave} approved by ${who}` : `${wave} was already approved by ${who}`;
  return `${head}\nnext: ${clean(r.next)}\n${renderSummary(r)}`;
}

export function renderPause(r: PauseResult): string {
  const head =
    r.pauseOutcome === 'paused'
      ? `rollout ${clean(r.rolloutId)} paused`
      : r.pauseOutcome === 'already-paused'
        ? `rollout ${clean(r.rolloutId)} was already paused`
        : `rollout ${clean(r.rolloutId)} had already finished: nothing to pause`;
  return `${head}\nnext: ${clean(r.next)}\n${renderSummary(r)}`;
}
