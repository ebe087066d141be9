// Drives one rollout to its end: asks `nextSteps` what to do, does it through the target drivers,
// and journals every side effect as an intent before and a fact after. Restarted after a crash,
// it reads the journal back and carries on; what a call did before the crash is found again by
// its attempt token (`adopt`) instead of being done twice.
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import type { Target, TargetKind } from './config-types.js';
import { boundOutputs, type EntryBody, type Previous, type RolloutOutcome, type RolloutState, type TargetRef } from './journal-model.js';
import type { Journal } from './journal-store.js';
import type { Lease } from './lease.js';
import { attemptToken, nextSteps, planDrift, type Step } from './next-steps.js';
import type { RolloutPlan } from './plan.js';
import { LookSchedule } from './look-schedule.js';
import type { GateChecker, GatePhase, GateResult } from './gates/types.js';
import { JournalWriter } from './journal-writer.js';
import { isSafetyStep, SafetySteps } from './runner-safety.js';

export { LOOKS_PER_SECOND } from './look-schedule.js';

export type FollowResult =
  | { readonly state: 'running'; readonly progress?: string }
  /**
   * `outputs`: what the target exposes once deployed (a stack's outputs), for the gates that follow;
   * `tookMs`: how long the operation ran as AWS timed it (its first to its last event), from which
   * the looks at the running targets of the kind are predicted (look-schedule.ts).
   */
  | {
      readonly state: 'succeeded';
      readonly progress?: string;
      readonly outputs?: Readonly<Record<string, string>>;
      readonly tookMs?: number;
    }
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
  /** True when deploy returns only once the work is done (a web copy): followed at once, no wait. */
  readonly doneOnDeploy?: boolean;
  recordBefore(target: Target): Promise<Previous>;
  deploy(target: Target, ctx: DeployContext): Promise<TargetRef>;
  /** The deployment an earlier attempt with this token started, if it did. */
  find(target: Target, ctx: DeployContext): Promise<TargetRef | undefined>;
  follow(target: Target, ref: TargetRef): Promise<FollowResult>;
  /**
   * Starts putting back what the target ran before this rollout (`previous`, as recordBefore
   * returned it); `ctx.token` names the rollback, and `follow` follows it like a deployment.
   */
  rollback(target: Target, previous: Previous, ctx: DeployContext): Promise<TargetRef>;
  /** The rollback an earlier call with this token started, if it did. */
  findRollback(target: Target, previous: Previous, ctx: DeployContext): Promise<TargetRef | undefined>;
}

export type RolloutEvent =
  | { readonly type: 'wave'; readonly wave: string; readonly status: 'started' | 'baking' | 'passed' | 'halted'; readonly reason?: string }
  | { readonly type: 'gates'; readonly wave: string; readonly phase: GatePhase; readonly passed: boolean; readonly results: readonly GateResult[] }
  | {
      readonly type: 'rollback';
      readonly target: string;
      readonly status: 'rolling-back' | 'rolled-back' | 'failed' | 'skipped' | 'by-service';
      readonly detail?: string;
    }
  | { readonly type: 'waiting'; readonly for: 'approval' | 'resume'; readonly wave: string }
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
  /** The longest wait before looking again at a target still running (the first waits are shorter: pollDelay). */
  readonly pollMs: number;
  readonly leaseRenewMs: number;
  readonly onEvent?: (e: RolloutEvent) => void;
  /** Reads the waves' gates (required when a wave has gates). */
  readonly gates?: GateChecker;
  /** Reads in requests written by others meanwhile (abort, pause, approve); see SharedJournal.refresh. */
  readonly refresh?: () => Promise<unknown>;
  /** How often a baking wave's quick gates are read (default BAKE_CHECK_MS). */
  readonly bakeCheckMs?: number;
}

export interface RolloutResult {
  /** `waiting`: the rollout waits for a person (an approval, a resume); run it again after. */
  readonly outcome: RolloutOutcome | 'waiting';
  readonly reason?: string;
  readonly waiting?: { readonly for: 'approval' | 'resume'; readonly wave: string };
  readonly state: RolloutState;
}

export class RolloutRunner {
  private readonly targets: Map<string, Target>;
  private readonly writer: JournalWriter;
  private lastRenew = 0;
  private readonly looks: LookSchedule;
  /** When each target's latest operation was started (its deploy call returned). */
  private readonly opStarted = new Map<string, number>();
  private readonly safety: SafetySteps;

  constructor(private readonly deps: RunnerDeps) {
    this.targets = new Map(deps.plan.waves.flatMap((w) => w.targets.map((t) => [t.name, t] as const)));
    this.writer = new JournalWriter(deps.journal);
    this.looks = new LookSchedule(deps.pollMs);
    this.safety = new SafetySteps({
      plan: deps.plan,
      drivers: deps.drivers,
      ...(deps.gates ? { gates: deps.gates } : {}),
      current: () => deps.journal.current,
      append: (...bodies) => this.append(...bodies),
      target: (name) => this.target(name),
      waveOf: (name) => this.waveOf(name),
      now: deps.now,
      sleep: deps.sleep,
      retryMs: deps.pollMs,
      ...(deps.refresh ? { refresh: deps.refresh } : {}),
      ...(deps.bakeCheckMs !== undefined ? { bakeCheckMs: deps.bakeCheckMs } : {}),
      ...(deps.onEvent ? { onEvent: deps.onEvent } : {}),
    });
  }

  async run(): Promise<RolloutResult> {
    const { journal, lease, plan } = this.deps;
    await lease.acquire();
    this.lastRenew = this.deps.now().getTime();
    try {
      const state = await journal.load();
      const drift = planDrift(plan, state);
      if (drift.length > 0) throw new EdgeError('ROLLOUT_CONFIG_INVALID', `${drift.join('; ')}; put the config back as it was, or release a new version`);
      return await this.drive();
    } finally {
      await lease.release();
    }
  }

  /**
   * Steps run side by side, one at a time per target, and the journal is asked what comes next as
   * soon as any of them ends: a finished target's slot goes to the next target at once, not after
   * the slowest step of a round. A target step that changed nothing (a deployment still running, an
   * error that may pass) waits before its target is asked about again: pollDelay of the time it has
   * waited so far, at most pollMs (longer only when more targets wait than LOOKS_PER_SECOND allows).
   * Steps of the whole rollout (start, a wave's start and end, the finish) run alone. After a
   * failure no step starts; the running ones end before it is thrown.
   */
  private async drive(): Promise<RolloutResult> {
    const { plan, journal } = this.deps;
    const running = new Map<string, Promise<void>>();
    let failure: { readonly error: unknown } | undefined;
    const fail = (error: unknown): void => {
      failure ??= { error };
    };
    for (;;) {
      if (!failure) {
        const steps = nextSteps(plan, journal.current, this.deps.now().getTime());
        if (running.size === 0 && steps.some((s) => s.kind === 'done')) {
          const { outcome, reason } = journal.current;
          return { outcome: outcome ?? 'halted', ...(reason ? { reason } : {}), state: journal.current };
        }
        const wait = steps.find((s) => s.kind === 'wait');
        if (running.size === 0 && wait?.kind === 'wait') {
          this.deps.onEvent?.({ type: 'waiting', for: wait.for, wave: wait.wave });
          return { outcome: 'waiting', waiting: { for: wait.for, wave: wait.wave }, state: journal.current };
        }
        for (const step of steps) {
          if (step.kind === 'wait') continue;
          const key = 'target' in step ? step.target : '';
          if (running.has(key) || (key === '' && running.size > 0)) continue;
          running.set(key, this.task(step).catch(fail).finally(() => running.delete(key)));
        }
      }
      if (running.size > 0) await Promise.race(running.values());
      else if (failure) throw failure.error;
      else await this.deps.sleep(this.deps.pollMs); // nothing to do until time passes
      await this.renewIfDue().catch(fail);
    }
  }

  /** One step, then, when it changed nothing for its target, the wait before that target's next look. */
  private async task(step: Step): Promise<void> {
    const changed = await this.guarded(step);
    if (!('target' in step)) return;
    const name = step.target;
    // a deployment that has just started is not done yet: its first look waits as a later one would
    const status = this.deps.journal.current.targets.get(name)?.status;
    const started = (step.kind === 'record-before' || step.kind === 'deploy' || step.kind === 'adopt') && status === 'in-progress';
    const { kind } = this.target(name);
    const done = started && this.deps.drivers[kind].doneOnDeploy === true;
    if ((changed && !started) || done) {
      this.looks.settled(name);
      return;
    }
    const startedAt = started ? this.opStarted.get(name) : undefined;
    await this.deps.sleep(this.looks.waitMs(name, kind, this.deps.now().getTime(), startedAt));
  }

  private async renewIfDue(): Promise<void> {
    const now = this.deps.now().getTime();
    if (now - this.lastRenew < this.deps.leaseRenewMs) return;
    await this.deps.lease.renew();
    this.lastRenew = now;
  }

  private append(...bodies: EntryBody[]): Promise<unknown> {
    return this.writer.append(...bodies);
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
      if (!isEdgeError(e) || e.code.startsWith('ROLLOUT_')) throw e;
      if (step.kind === 'check-gates' || step.kind === 'bake') return this.safety.gateError(step.wave, step.kind === 'bake' ? 'bake' : step.phase, e);
      if (!('target' in step)) throw e;
      if (e.retryable) {
        this.deps.onEvent?.({ type: 'target', target: step.target, status: 'in-progress', detail: `retrying: ${e.message}` });
        return false;
      }
      if (step.kind === 'rollback' || step.kind === 'adopt-rollback' || step.kind === 'follow-rollback') {
        await this.safety.failRollback(step.target, e.message);
        return true;
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
      case 'wait':
        return false;
      case 'start':
        await this.append({ type: 'started', by: this.deps.by, waves: plan.waves.map((w) => ({ name: w.name, targets: w.targets.map((t) => t.name) })) });
        return true;
      case 'start-wave':
        await this.append({ type: 'wave-started', wave: step.wave });
        onEvent?.({ type: 'wave', wave: step.wave, status: 'started' });
        return true;
      case 'record-before': {
        // what the target runs now, and the intent of its first attempt, go out in one write (the
        // same journal as two writes in a row, one write latency less); the deploy follows at once
        const t = this.target(step.target);
        const before: EntryBody = { type: 'target-before', target: t.name, previous: await drivers[t.kind].recordBefore(t) };
        const attempt = (this.deps.journal.current.targets.get(t.name)?.attempt ?? 0) + 1;
        await this.deploy(t, attempt, attemptToken(plan.rolloutId, t.name, attempt), before);
        return true;
      }
      case 'deploy':
        await this.deploy(this.target(step.target), step.attempt, step.token);
        return true;
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
        this.opStarted.set(t.name, this.deps.now().getTime());
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
      default:
        if (isSafetyStep(step)) return this.safety.take(step);
        return false;
    }
  }

  /** Journals the attempt's intent (with `before` ahead of it, in the same write), makes the call, journals its fact. */
  private async deploy(t: Target, attempt: number, token: string, before?: EntryBody): Promise<void> {
    const ctx = { rolloutId: this.deps.plan.rolloutId, wave: this.waveOf(t.name), attempt, token };
    const intent: EntryBody = { type: 'target-intent', target: t.name, attempt, token };
    await (before ? this.append(before, intent) : this.append(intent));
    this.deps.onEvent?.({ type: 'target', target: t.name, status: 'deploying' });
    const ref = await this.deps.drivers[t.kind].deploy(t, ctx);
    this.opStarted.set(t.name, this.deps.now().getTime());
    await this.append({ type: 'target-started', target: t.name, attempt, ref });
  }

  private async follow(name: string, ref: TargetRef): Promise<boolean> {
    const t = this.target(name);
    const r = await this.deps.drivers[t.kind].follow(t, ref);
    if (r.state === 'running') {
      this.deps.onEvent?.({ type: 'target', target: name, status: 'in-progress', ...(r.progress ? { detail: r.progress } : {}) });
      return false;
    }
    if (r.state === 'succeeded' && r.tookMs !== undefined) this.looks.tookMs(t.kind, r.tookMs);
    // a succeeded target's outputs go into its fact, bounded, so `status` shows them from the journal alone
    const extra = r.state === 'failed' ? { reason: r.reason } : r.outputs ? boundOutputs(r.outputs) : {};
    await this.append({ type: 'target-finished', target: name, outcome: r.state, ...extra });
    this.deps.onEvent?.({ type: 'target', target: name, status: r.state, ...(r.state === 'failed' ? { detail: r.reason } : r.progress ? { detail: r.progress } : {}) });
    return true;
  }
}
