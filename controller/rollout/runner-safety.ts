// The runner's safety steps: approval requests, gate checks, the bake, and the rollback of a
// halted rollout. Each journals what it decided (gate values, the bake's end, each rollback's
// intent before its call and its fact after), so a restarted controller carries on from there.
import { EdgeError } from '../../shared/errors.js';
import type { Target } from './config-types.js';
import type { GateChecker, GatePhase, GateResult } from './gates/types.js';
import { GATE_DETAIL_BYTES } from './gates/types.js';
import type { EntryBody, RolloutState, TargetRef } from './journal-model.js';
import type { Step } from './next-steps.js';
import type { RolloutPlan } from './plan.js';
import type { RolloutEvent, TargetDriver } from './runner.js';
import type { TargetKind } from './config-types.js';

/** How often a baking wave's quick gates are read (at most; the bake's end comes first). */
export const BAKE_CHECK_MS = 30_000;
const MIN_BAKE_CHECK_MS = 1000;

export interface SafetyDeps {
  readonly plan: RolloutPlan;
  readonly drivers: Readonly<Record<TargetKind, TargetDriver>>;
  readonly gates?: GateChecker;
  readonly current: () => RolloutState;
  readonly append: (...bodies: EntryBody[]) => Promise<unknown>;
  readonly target: (name: string) => Target;
  readonly waveOf: (target: string) => string;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** Reads in what others wrote meanwhile (abort, pause): a baking controller writes nothing for a while. */
  readonly refresh?: () => Promise<unknown>;
  readonly bakeCheckMs?: number;
  /** The wait before a gate whose read failed with an error that may pass is read again. */
  readonly retryMs: number;
  readonly onEvent?: (e: RolloutEvent) => void;
}

type SafetyStep = Extract<Step, { kind: 'request-approval' | 'check-gates' | 'start-bake' | 'bake' | 'plan-rollback' | 'rollback' | 'adopt-rollback' | 'follow-rollback' }>;

export const SAFETY_STEPS: ReadonlySet<Step['kind']> = new Set([
  'request-approval', 'check-gates', 'start-bake', 'bake', 'plan-rollback', 'rollback', 'adopt-rollback', 'follow-rollback',
]);

export const isSafetyStep = (s: Step): s is SafetyStep => SAFETY_STEPS.has(s.kind);

/** A result as the journal keeps it: its detail cut to its last GATE_DETAIL_BYTES bytes. */
function bounded(r: GateResult): GateResult {
  if (r.detail === undefined || Buffer.byteLength(r.detail) <= GATE_DETAIL_BYTES) return r;
  const tail = Buffer.from(r.detail).subarray(-GATE_DETAIL_BYTES).toString('utf8');
  return { ...r, detail: `…${tail}` };
}

export class SafetySteps {
  constructor(private readonly deps: SafetyDeps) {}

  /** Takes one safety step; true when it changed the journal. */
  async take(step: SafetyStep): Promise<boolean> {
    switch (step.kind) {
      case 'request-approval':
        await this.deps.append({ type: 'approval-requested', wave: step.wave });
        return true;
      case 'check-gates':
        await this.check(step.wave, step.phase);
        return true;
      case 'start-bake': {
        const until = new Date(this.deps.now().getTime() + step.bakeMs).toISOString();
        await this.deps.append({ type: 'bake-started', wave: step.wave, until });
        this.deps.onEvent?.({ type: 'wave', wave: step.wave, status: 'baking', reason: `until ${until}` });
        return true;
      }
      case 'bake':
        return this.bake(step.wave, step.until);
      case 'plan-rollback':
        await this.deps.append({ type: 'rollback-planned', policy: step.policy, targets: step.targets });
        for (const t of step.targets) {
          if (t.action !== 'rollback') this.deps.onEvent?.({ type: 'rollback', target: t.target, status: t.action === 'skip' ? 'skipped' : 'by-service', ...(t.reason ? { detail: t.reason } : {}) });
        }
        return true;
      case 'rollback':
        return this.rollback(step.target, step.token, false);
      case 'adopt-rollback':
        return this.rollback(step.target, step.token, true);
      case 'follow-rollback':
        return this.followRollback(step.target, step.ref);
    }
  }

  /**
   * A gate that cannot be read: an error that may pass is tried again at the next look; one that
   * will not (no permission, a missing alarm's account) fails the gate, since nothing says the wave is fine.
   */
  async gateError(wave: string, phase: GatePhase, e: EdgeError): Promise<boolean> {
    if (e.retryable) {
      this.deps.onEvent?.({ type: 'wave', wave, status: 'started', reason: `gates: retrying: ${e.message}` });
      await this.deps.sleep(this.deps.retryMs);
      return false;
    }
    const planned = this.deps.plan.waves.find((w) => w.name === wave);
    const kinds = Object.keys(planned?.gates ?? {});
    const gate = kinds[0] === 'deviceHealth' ? 'device-health' : kinds[0] === 'deploymentOutcome' ? 'deployment-outcome' : kinds[0] === 'command' ? 'command' : 'alarms';
    const results: GateResult[] = [{ gate, passed: false, value: `could not be checked: ${e.message}`, threshold: 'a gate that can be read' }];
    await this.deps.append({ type: 'gates-checked', wave, phase, passed: false, results });
    this.deps.onEvent?.({ type: 'gates', wave, phase, passed: false, results });
    return true;
  }

  /** A rollback step failed for good: the target's rollback ends failed (the rollout still ends). */
  async failRollback(target: string, reason: string): Promise<void> {
    await this.deps.append({ type: 'rollback-finished', target, outcome: 'failed', reason });
    this.deps.onEvent?.({ type: 'rollback', target, status: 'failed', detail: reason });
  }

  private wave(name: string): RolloutPlan['waves'][number] {
    const w = this.deps.plan.waves.find((x) => x.name === name);
    if (!w) throw new EdgeError('ROLLOUT_JOURNAL_CORRUPT', `the journal names wave ${name}, which the plan does not have`);
    return w;
  }

  private async results(wave: string, phase: GatePhase): Promise<GateResult[]> {
    const { gates, plan } = this.deps;
    const planned = this.wave(wave);
    if (!gates) throw new EdgeError('INTERNAL', `wave ${wave} has gates, but the controller was started without a gate checker`);
    const input = { rolloutId: plan.rolloutId, version: plan.version, environment: plan.environment, wave: planned, phase, state: this.deps.current() };
    return (await gates.check(input)).map(bounded);
  }

  private async check(wave: string, phase: GatePhase): Promise<void> {
    const results = await this.results(wave, phase);
    const passed = results.every((r) => r.passed);
    await this.deps.append({ type: 'gates-checked', wave, phase, passed, results });
    this.deps.onEvent?.({ type: 'gates', wave, phase, passed, results });
  }

  /**
   * One look during the bake: requests written meanwhile are read in, the quick gates are read, and a
   * failure is journaled (it halts the wave); a pass is not journaled (the bake's end records one).
   */
  private async bake(wave: string, until: number): Promise<boolean> {
    const before = this.deps.current().nextSeq;
    await this.deps.refresh?.();
    if (this.deps.current().nextSeq !== before) return true;
    if (Object.keys(this.wave(wave).gates).length > 0) {
      const results = await this.results(wave, 'bake');
      if (!results.every((r) => r.passed)) {
        await this.deps.append({ type: 'gates-checked', wave, phase: 'bake', passed: false, results });
        this.deps.onEvent?.({ type: 'gates', wave, phase: 'bake', passed: false, results });
        return true;
      }
    }
    const left = until - this.deps.now().getTime();
    // a short bake is looked at ten times, a long one every BAKE_CHECK_MS
    const every = Math.min(this.deps.bakeCheckMs ?? BAKE_CHECK_MS, Math.max(MIN_BAKE_CHECK_MS, (this.wave(wave).bakeMs ?? 0) / 10));
    if (left > 0) await this.deps.sleep(Math.min(left, every));
    return true;
  }

  private async rollback(name: string, token: string, adopt: boolean): Promise<boolean> {
    const t = this.deps.target(name);
    const previous = this.deps.current().targets.get(name)?.previous;
    if (!previous) throw new EdgeError('ROLLOUT_JOURNAL_CORRUPT', `the rollback of ${name} has no previous state in the journal`);
    const ctx = { rolloutId: this.deps.plan.rolloutId, wave: this.deps.waveOf(name), attempt: 0, token };
    const driver = this.deps.drivers[t.kind];
    if (!adopt) await this.deps.append({ type: 'rollback-intent', target: name, token });
    this.deps.onEvent?.({ type: 'rollback', target: name, status: 'rolling-back' });
    const found = adopt ? await driver.findRollback(t, previous, ctx) : undefined;
    const ref = found ?? (await driver.rollback(t, previous, ctx));
    await this.deps.append({ type: 'rollback-started', target: name, ref, ...(found ? { adopted: true } : {}) });
    return true;
  }

  private async followRollback(name: string, ref: TargetRef): Promise<boolean> {
    const t = this.deps.target(name);
    const r = await this.deps.drivers[t.kind].follow(t, ref);
    if (r.state === 'running') return false;
    const reason = r.state === 'failed' ? r.reason : r.progress;
    await this.deps.append({ type: 'rollback-finished', target: name, outcome: r.state, ...(reason ? { reason } : {}) });
    this.deps.onEvent?.({ type: 'rollback', target: name, status: r.state === 'succeeded' ? 'rolled-back' : 'failed', ...(reason ? { detail: reason } : {}) });
    return true;
  }
}
