// fleetctl rollout pause ID [--reason R]: no further wave starts until `rollout resume`. The
// deployments of a wave in progress finish (its gates and bake too); the controller driving the
// rollout then stops and exits 3. Journaled with who paused and why; pausing a paused or finished
// rollout changes nothing (exit 0). A halted rollout's rollback is not paused.
import type { CommandOutcome } from '../../shared/cli/commander.js';
import { ExitCode } from '../../shared/cli/exit-codes.js';
import type { RolloutSummary } from '../rollout/summary.js';
import type { RolloutDeps, RolloutFlags } from './rollout-common.js';
import { driven, requestSummary, requestText, withRequest, writeRequest } from './rollout-request.js';

export interface PauseFlags extends RolloutFlags {
  reason?: string;
}

export type PauseResult = RolloutSummary & {
  readonly pauseOutcome: 'paused' | 'already-paused' | 'already-finished';
  /** What happens next, or what to run. */
  readonly next: string;
};

export async function rolloutPause(id: string, flags: PauseFlags, deps: RolloutDeps): Promise<CommandOutcome<PauseResult>> {
  return withRequest(id, flags, deps, async (ctx) => {
    const { state } = ctx;
    let outcome: PauseResult['pauseOutcome'] = 'paused';
    if (state.outcome) outcome = 'already-finished';
    else if (state.paused) outcome = 'already-paused';
    else {
      const reason = flags.reason === undefined ? '' : requestText(flags.reason);
      await writeRequest(ctx, { type: 'pause-requested', by: ctx.identity, ...(reason ? { reason } : {}) });
    }
    const s = await requestSummary(ctx, deps);
    return { data: { ...s, pauseOutcome: outcome, next: nextOf(s) }, exit: ExitCode.OK };
  });
}

function nextOf(s: RolloutSummary): string {
  const resume = `\`fleetctl rollout resume ${s.rolloutId}\``;
  if (s.finishedAt) return 'nothing: the rollout has finished';
  if (s.halt) return `the rollout has halted (${s.halt.reason}): its rollback goes on, a pause does not stop it`;
  if (s.waiting) return s.waiting.message;
  if (driven(s)) {
    return `the controller driving the rollout starts no further wave, and exits 3 once the wave in progress ends; go on with ${resume}`;
  }
  return `no further wave starts until ${resume}`;
}
