// Drives one rollout to its end: asks `nextSteps` what to do, does it through the target drivers,
// and journals every side effect as an intent before and a fact after. Restarted after a crash,
// it reads the journal back and carries on; what a call did before the crash is found again by
// its attempt token (`adopt`) instead of being done twice.
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import type { Target, TargetKind } from './config-types.js';
import type { EntryBody, Previous, RolloutOutcome, RolloutState, TargetRef } from './journal-model.js';
import type { Journal } from './journal-store.js';
import type { Lease } from './lease.js';
import { nextSteps, planDrift, type Step } from './next-steps.js';
import type { RolloutPlan } from './plan.js';

export type FollowResult =
  | { readonly state: 'running'; readonly progress?: string }
  /** `outputs`: what the target exposes once deployed (a stack's outputs), for the gates that follow. */
  | { readonly state: 'succeeded'; readonly progress?: string; readonly outputs?: Readonly<Record<string, string>> }
  | { readonly state: 'failed'; readonly reason: string };

export interface DeployContext {
  readonly rolloutId: string;
  readonly wave: string;
  readonly attempt: number;
  /** Written where the deployment can be found again (description, change set name). */
  readonly token: string;
}

/** What the runner needs per kind of target. */
export interface TargetDriver {
  recordBefore(target: Target): Promise<Previous>;
  deploy(target: Target, ctx: DeployContext): Promise<TargetRef>;
  /** The deployment an earlier attempt with this token started, if it did. */
  find(target: Target, ctx: DeployContext): Promise<TargetRef | undefined>;
  follow(target: Target, ref: TargetRef): Promise<FollowResult>;
}

export type RolloutEvent =
  | { readonly type: 'wave'; readonly wave: string; readonly status: 'started' | 'passed' | 'halted'; readonly reason?: string }
  | { readonly type: 'target'; readonly target: string; readonly status: 'deploying' | 'in-progress' | 'succeeded' | 'failed'; readonly detail?: string; readonly adopted?: boolean }
  | { readonly type: 'finished'; readonly outcome: RolloutOutcome; readonly reason?: string };

export interface RunnerDeps {
  readonly plan: RolloutPlan;
  readonly journal: Journal;
  readonly lease: Lease;
  readonly drivers: Readonly<Record<TargetKind, TargetDriver>>;
  /** Who starts the rollout (the caller's identity), recorded in the journal. */
  readonly by: string;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
  readonly pollMs: number;
  readonly leaseRenewMs: number;
  readonly onEvent?: (e: RolloutEvent) => void;
}

export interface RolloutResult {
  readonly outcome: RolloutOutcome;
  readonly reason?: string;
  readonly state: RolloutState;
}

export class RolloutRunner {
  private readonly targets: Map<string, Target>;
  private appendChain: Promise<unknown> = Promise.resolve();
  private lastRenew = 0;

  constructor(private readonly deps: RunnerDeps) {
    this.targets = new Map(deps.plan.waves.flatMap((w) => w.targets.map((t) => [t.name, t] as const)));
  }

  async run(): Promise<RolloutResult> {
    const { journal, lease, plan } = this.deps;
    await lease.acquire();
    this.lastRenew = this.deps.now().getTime();
    try {
      const state = await journal.load();
      const drift = planDrift(plan, state);
      if (drift.length > 0) throw new EdgeError('ROLLOUT_CONFIG_INVALID', `${drift.join('; ')}; put the config back as it was, or release a new version`);
      for (;;) {
        const steps = nextSteps(plan, journal.current);
        const done = steps.find((s) => s.kind === 'done');
        if (done) return { outcome: journal.current.outcome ?? 'halted', ...(journal.current.reason ? { reason: journal.current.reason } : {}), state: journal.current };
        const settled = await Promise.allSettled(steps.map((s) => this.guarded(s)));
        const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failure) throw failure.reason;
        const changed = settled.map((r) => r.status === 'fulfilled' && r.value);
        await this.renewIfDue();
        if (!changed.some(Boolean)) await this.deps.sleep(this.deps.pollMs);
      }
    } finally {
      await lease.release();
    }
  }

  private async renewIfDue(): Promise<void> {
    const now = this.deps.now().getTime();
    if (now - this.lastRenew < this.deps.leaseRenewMs) return;
    await this.deps.lease.renew();
    this.lastRenew = now;
  }

  /** Journal writes happen one at a time, in the order the steps reach them. */
  private append(body: EntryBody): Promise<unknown> {
    const next = this.appendChain.then(() => this.deps.journal.append(body));
    this.appendChain = next.catch(() => undefined);
    return next;
  }

  private target(name: string): Target {
    const t = this.targets.get(name);
    if (!t) throw new EdgeError('ROLLOUT_JOURNAL_CORRUPT', `the journal names target ${name}, which the plan does not have`);
    return t;
  }

  private waveOf(name: string): string {
    return this.deps.plan.waves.find((w) => w.targets.some((t) => t.name === name))?.name ?? '';
  }

  /**
   * An AWS error that may pass (throttling, 5xx, network) leaves the journal as it is, so the same
   * step comes back next round: after a deploy call it comes back as `adopt`, which first looks for
   * what the call may have done. An error that will not pass fails the target with its message.
   * Anything else is a bug and stops the controller; the rollout stays resumable.
   */
  private async guarded(step: Step): Promise<boolean> {
    try {
      return await this.take(step);
    } catch (e) {
      if (!isEdgeError(e) || !('target' in step) || e.code.startsWith('ROLLOUT_')) throw e;
      if (e.retryable) {
        this.deps.onEvent?.({ type: 'target', target: step.target, status: 'in-progress', detail: `retrying: ${e.message}` });
        return false;
      }
      await this.append({ type: 'target-finished', target: step.target, outcome: 'failed', reason: e.message });
      this.deps.onEvent?.({ type: 'target', target: step.target, status: 'failed', detail: e.message });
      return true;
    }
  }

  /** Does one step; true when it changed the journal. */
  private async take(step: Step): Promise<boolean> {
    const { plan, drivers, onEvent } = this.deps;
    switch (step.kind) {
      case 'done':
        return false;
      case 'start':
        await this.append({ type: 'started', by: this.deps.by, waves: plan.waves.map((w) => ({ name: w.name, targets: w.targets.map((t) => t.name) })) });
        return true;
      case 'start-wave':
        await this.append({ type: 'wave-started', wave: step.wave });
        onEvent?.({ type: 'wave', wave: step.wave, status: 'started' });
        return true;
      case 'record-before': {
        const t = this.target(step.target);
        await this.append({ type: 'target-before', target: t.name, previous: await drivers[t.kind].recordBefore(t) });
        return true;
      }
      case 'deploy': {
        const t = this.target(step.target);
        const ctx = { rolloutId: plan.rolloutId, wave: this.waveOf(t.name), attempt: step.attempt, token: step.token };
        await this.append({ type: 'target-intent', target: t.name, attempt: step.attempt, token: step.token });
        onEvent?.({ type: 'target', target: t.name, status: 'deploying' });
        const ref = await drivers[t.kind].deploy(t, ctx);
        await this.append({ type: 'target-started', target: t.name, attempt: step.attempt, ref });
        return true;
      }
      case 'adopt': {
        const t = this.target(step.target);
        const ctx = { rolloutId: plan.rolloutId, wave: this.waveOf(t.name), attempt: step.attempt, token: step.token };
        const found = await drivers[t.kind].find(t, ctx);
        if (!found && !step.deployIfMissing) {
          const reason = 'the rollout was aborted before this target\'s deployment started';
          await this.append({ type: 'target-finished', target: t.name, outcome: 'failed', reason });
          onEvent?.({ type: 'target', target: t.name, status: 'failed', detail: reason });
          return true;
        }
        const ref = found ?? (await drivers[t.kind].deploy(t, ctx));
        await this.append({ type: 'target-started', target: t.name, attempt: step.attempt, ref, ...(found ? { adopted: true } : {}) });
        onEvent?.({ type: 'target', target: t.name, status: 'in-progress', ...(found ? { adopted: true } : {}) });
        return true;
      }
      case 'follow':
        return this.follow(step.target, step.ref);
      case 'finish-wave':
        await this.append({ type: 'wave-finished', wave: step.wave, outcome: step.outcome, failed: step.failed, allowed: step.allowed, ...(step.reason ? { reason: step.reason } : {}) });
        onEvent?.({ type: 'wave', wave: step.wave, status: step.outcome, ...(step.reason ? { reason: step.reason } : {}) });
        return true;
      case 'finish':
        await this.append({ type: 'finished', outcome: step.outcome, ...(step.reason ? { reason: step.reason } : {}) });
        onEvent?.({ type: 'finished', outcome: step.outcome, ...(step.reason ? { reason: step.reason } : {}) });
        return true;
    }
  }

  private async follow(name: string, ref: TargetRef): Promise<boolean> {
    const t = this.target(name);
    const r = await this.deps.drivers[t.kind].follow(t, ref);
    if (r.state === 'running') {
      this.deps.onEvent?.({ type: 'target', target: name, status: 'in-progress', ...(r.progress ? { detail: r.progress } : {}) });
      return false;
    }
    await this.append({ type: 'target-finished', target: name, outcome: r.state, ...(r.state === 'failed' ? { reason: r.reason } : {}) });
    this.deps.onEvent?.({ type: 'target', target: name, status: r.state, ...(r.state === 'failed' ? { detail: r.reason } : r.progress ? { detail: r.progress } : {}) });
    return true;
  }
}
