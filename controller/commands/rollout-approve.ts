// fleetctl rollout approve ID --wave W [--comment C]: approves a wave that has `approval: manual`,
// journaled with who approved (the caller's AWS identity) and when. A rollout waiting for it
// (start or resume exited 3) goes on with `rollout resume`; a controller still driving earlier
// waves reads the approval in and starts the wave when it gets there. Approving twice changes
// nothing (exit 0); a wave that does not exist or needs no approval is exit 2, a finished rollout 1.
import type { CommandOutcome } from '../../shared/cli/commander.js';
import { ExitCode } from '../../shared/cli/exit-codes.js';
import { EdgeError } from '../../shared/errors.js';
import type { RolloutSummary } from '../rollout/summary.js';
import type { RolloutDeps, RolloutFlags } from './rollout-common.js';
import { driven, requestSummary, requestText, withRequest, writeRequest } from './rollout-request.js';

export interface ApproveFlags extends RolloutFlags {
  wave?: string;
  comment?: string;
}

export type ApproveResult = RolloutSummary & {
  readonly approveOutcome: 'approved' | 'already-approved';
  readonly approval: { readonly wave: string; readonly by: string; readonly at: string; readonly comment?: string };
  /** What happens next, or what to run. */
  readonly next: string;
};

export async function rolloutApprove(id: string, flags: ApproveFlags, deps: RolloutDeps): Promise<CommandOutcome<ApproveResult>> {
  const wave = flags.wave;
  if (!wave) throw new EdgeError('CLI_USAGE', 'name the wave to approve: --wave W (rollout status lists the waves)');
  return withRequest(id, flags, deps, async (ctx) => {
    const { plan, state } = ctx;
    const planned = plan.waves.find((w) => w.name === wave);
    if (!planned) {
      const names = plan.waves.map((w) => w.name).join(', ');
      throw new EdgeError('CLI_USAGE', `rollout ${plan.rolloutId} has no wave ${JSON.stringify(wave)}; its waves: ${names}`);
    }
    if (planned.approval !== 'manual') {
      throw new EdgeError(
        'CLI_USAGE',
        `wave ${wave} of rollout ${plan.rolloutId} takes no approval (fleet.yml gives it no \`approval: manual\`): ` +
          'it starts once the waves before it pass',
      );
    }
    if (state.outcome) {
      const how = `${state.outcome}${state.reason ? `: ${state.reason}` : ''}`;
      throw new EdgeError('ROLLOUT_FINISHED', `rollout ${plan.rolloutId} has already finished (${how}): nothing to approve`);
    }
    const journaled = state.waves.find((w) => w.name === wave);
    if (!journaled) {
      const why = `rollout ${plan.rolloutId} started without a wave ${wave}: put the config back as it was`;
      throw new EdgeError('ROLLOUT_CONFIG_INVALID', why);
    }
    const before = journaled.approved;
    if (!before) {
      const comment = flags.comment === undefined ? '' : requestText(flags.comment);
      await writeRequest(ctx, { type: 'approved', wave, by: ctx.identity, ...(comment ? { comment } : {}) });
    }
    const s = await requestSummary(ctx, deps);
    const approved = ctx.journal.current.waves.find((w) => w.name === wave)?.approved;
    if (!approved) throw new EdgeError('INTERNAL', `the approval of wave ${wave} was written but does not read back`);
    const data: ApproveResult = {
      ...s,
      approveOutcome: before ? 'already-approved' : 'approved',
      approval: { wave, ...approved },
      next: nextOf(s, wave),
    };
    return { data, exit: ExitCode.OK };
  });
}

function nextOf(s: RolloutSummary, wave: string): string {
  if (driven(s)) return `the controller driving the rollout starts wave ${wave} when it gets there`;
  if (s.waiting) return s.waiting.message;
  return `run \`fleetctl rollout resume ${s.rolloutId}\` to go on`;
}
