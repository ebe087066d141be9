// fleetctl rollout abort ID [--reason R] [--rollback]: journals the abort request (who and why) and
// stops what is in flight (StopDeployment; CancelUpdateStack for a stack update in progress). When
// a controller drives the rollout it reads the request, starts no further target, and ends the
// rollout as aborted once the stopped targets end. When no controller holds the lease, abort takes
// it and drives the rollout to its aborted end itself. With --rollback the halted rollout first
// puts back what it changed (the environment's rollback policy; `all` when that is none).
import type { CommandOutcome } from '../../shared/cli/commander.js';
import { ExitCode } from '../../shared/cli/exit-codes.js';
import { EdgeError, isEdgeError, toEdgeError } from '../../shared/errors.js';
import { attemptToken } from '../rollout/next-steps.js';
import { parseRolloutId } from '../rollout/plan.js';
import { sessionFor } from '../rollout/drivers/session.js';
import type { Target } from '../rollout/config-types.js';
import type { TargetRef } from '../rollout/journal-model.js';
import { appendAbort } from '../rollout/shared-journal.js';
import { summarize, type RolloutSummary } from '../rollout/summary.js';
import { Journal } from '../rollout/journal-store.js';
import type { RolloutDeps, RolloutFlags } from './rollout-common.js';
import { drive, openDriving, type Driving } from './rollout-start.js';

export interface AbortFlags extends RolloutFlags {
  reason?: string;
  /** Put back what the rollout changed (per the environment's policy, `all` when that is none). */
  rollback?: boolean;
}

export interface StopAction {
  readonly target: string;
  readonly action: string;
  readonly outcome: 'stopped' | 'not-needed' | 'failed';
  readonly detail?: string;
}

export type AbortResult = RolloutSummary & {
  /**
   * recorded: a controller drives the rollout; abort stopped what is in flight and the controller
   * ends it; concluded: abort stopped what was in flight and finished the rollout itself.
   */
  readonly abortOutcome: 'already-finished' | 'recorded' | 'concluded';
  readonly stops: readonly StopAction[];
};

const DEFAULT_REASON = 'aborted by hand';

export async function rolloutAbort(id: string, flags: AbortFlags, deps: RolloutDeps): Promise<CommandOutcome<AbortResult>> {
  const parsed = parseRolloutId(id);
  if (!parsed) throw new EdgeError('CLI_USAGE', `${id} is not a rollout id (<application>@<version>@<environment>, as rollout ls shows)`);
  const reason = (flags.reason ?? DEFAULT_REASON).replace(/\p{Cc}/gu, ' ').slice(0, 500);
  const rollback = flags.rollback === true;
  const d = await openDriving({ ...flags, release: parsed.version, environment: parsed.environment }, deps);
  try {
    const state = await d.journal.load();
    if (!state.started) throw new EdgeError('ROLLOUT_NOT_FOUND', `no rollout ${id}: nothing at ${d.loc.journal}`);
    const done = (abortOutcome: AbortResult['abortOutcome'], stops: StopAction[] = []): CommandOutcome<AbortResult> => ({
      data: { ...summarize(id, d.journal.current, d.journal.all, d.journal.location), abortOutcome, stops },
      exit: ExitCode.OK,
    });
    if (state.outcome) return done('already-finished');
    try {
      await d.lease.acquire();
    } catch (e) {
      if (!isEdgeError(e, 'ROLLOUT_LEASE_HELD')) throw e;
      // a live controller drives it: it reads the request before starting any further target, and
      // follows what abort stops here to its end; the journal's entries stay the controller's to write
      await appendAbort(new Journal({ store: d.store, prefix: d.loc.prefix, now: deps.now }), d.holder, reason, rollback);
      await d.journal.load();
      return done('recorded', await stopInFlight(d, false));
    }
    const before = d.journal.current.abort;
    // an abort recorded without a rollback is asked again with one (the later request is the one in force)
    if (!before || (rollback && !before.rollback)) await appendAbort(d.journal, d.holder, reason, rollback);
    const stops = await stopInFlight(d, true);
    await drive(d, flags, deps);
    return done('concluded', stops);
  } finally {
    d.pool.destroy();
  }
}

/**
 * Stops every target in flight: its deployment, or its stack update; an intent is looked up by its
 * token first. `holdsLease`: an intent whose call never went out is journaled as ended here (with no
 * lease, the controller driving the rollout does that itself: it makes no call once aborting).
 */
async function stopInFlight(d: Driving, holdsLease: boolean): Promise<StopAction[]> {
  const stops: StopAction[] = [];
  const targets = new Map(d.plan.waves.flatMap((w) => w.targets.map((t) => [t.name, { t, wave: w.name }] as const)));
  for (const s of d.journal.current.targets.values()) {
    if (s.status !== 'in-progress' && s.status !== 'intent') continue;
    const found = targets.get(s.name);
    if (!found) continue;
    let ref: TargetRef | undefined = s.ref;
    try {
      if (!ref) {
        const token = s.token ?? attemptToken(d.plan.rolloutId, s.name, s.attempt);
        ref = await d.drivers[found.t.kind].find(found.t, { rolloutId: d.plan.rolloutId, wave: found.wave, attempt: s.attempt, token });
      }
      if (!ref) {
        // the intent was journaled but the call never went out: nothing runs, and nothing will
        if (!holdsLease) continue;
        await d.journal.append({ type: 'target-finished', target: s.name, outcome: 'failed', reason: 'aborted before its deployment started' });
        stops.push({ target: s.name, action: 'nothing started', outcome: 'not-needed' });
        continue;
      }
      stops.push(await stop(d, found.t, ref));
    } catch (e) {
      stops.push({ target: s.name, action: 'stop', outcome: 'failed', detail: toEdgeError(e).message });
    }
  }
  return stops;
}

async function stop(d: Driving, target: Target, ref: TargetRef): Promise<StopAction> {
  const session = sessionFor(d.pool, target, d.plan.rolloutId);
  if (ref.kind === 'deployment') {
    const info = await session.codedeploy.getDeployment(ref.deploymentId);
    if (!['Created', 'Queued', 'InProgress', 'Ready', 'Baking'].includes(info.status)) {
      return { target: target.name, action: `StopDeployment ${ref.deploymentId}`, outcome: 'not-needed', detail: info.status };
    }
    const r = await session.codedeploy.stopDeployment(ref.deploymentId);
    return { target: target.name, action: `StopDeployment ${ref.deploymentId}`, outcome: 'stopped', detail: r.statusMessage ?? r.status };
  }
  if (ref.kind === 'change-set') {
    const stack = await session.cloudformation.describeStack(ref.stackId);
    if (stack?.status !== 'UPDATE_IN_PROGRESS') {
      return { target: target.name, action: `CancelUpdateStack ${ref.stackId}`, outcome: 'not-needed', detail: stack?.status ?? 'no stack' };
    }
    await session.cloudformation.cancelUpdateStack(stack.stackName);
    return { target: target.name, action: `CancelUpdateStack ${stack.stackName}`, outcome: 'stopped' };
  }
  if (ref.kind === 'none') return { target: target.name, action: 'nothing started', outcome: 'not-needed', detail: ref.reason };
  return { target: target.name, action: 'web copy', outcome: 'not-needed', detail: 'copies are not stopped; the files copied so far stay' };
}
