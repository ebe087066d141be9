// Runs deployments: batches hosts by minimum healthy hosts, drives each host through the lifecycle
// one command at a time via the HostCommandBroker, stops on request, and starts automatic
// rollbacks. All state lives in the deployment records (persisted through the store).
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from '../../shared/log.js';
import type { Clock, Diagnostics, HostCommandBroker, HostCommandOutcome, SandboxStore } from '../types.js';
import type { MinimumHealthyHostsSpec } from './batch-planner.js';
import { nextBatchStep, planHealth } from './batch-planner.js';
import type { DeploymentRunner, DeploymentScope } from './context.js';
import { createRollback, failTarget, recordGroupOutcome, skipPendingTargets } from './deployment-outcomes.js';
import { deploymentSpecOf, MESSAGES } from './deployment-records.js';
import type { DeploymentRecord, TargetRecord } from './state.js';
import { toEpochSeconds } from './state.js';

export interface OrchestratorDeps {
  readonly store: SandboxStore;
  readonly broker: HostCommandBroker;
  readonly clock: Clock;
  readonly log: Logger;
  readonly pickupTimeoutMs: number;
  readonly completionTimeoutMs: number;
}

interface Run {
  readonly controller: AbortController;
  rollbackOnStop: boolean;
  done: Promise<void>;
}

type HostResult = 'Succeeded' | 'Failed';
type ErrorInfo = { code: 'NO_INSTANCES' | 'HEALTH_CONSTRAINTS' | 'HEALTH_CONSTRAINTS_INVALID'; message: string };

/** Hosts started per event-loop turn when a batch is large. */
const START_SLICE = 250;
const SUCCESS_DIAGNOSTICS: Diagnostics = { errorCode: 'Success', scriptName: '', message: 'Succeeded', logTail: '' };

export class DeploymentOrchestrator implements DeploymentRunner {
  private readonly runs = new Map<string, Run>();
  /** One spec object per deployment, shared by its hosts' commands (the broker serialises it once). */
  private readonly specs = new WeakMap<DeploymentRecord, Record<string, unknown>>();
  private readonly log: Logger;
  private closing = false;

  constructor(private readonly deps: OrchestratorDeps) {
    this.log = deps.log.child({ component: 'codedeploy-orchestrator' });
  }

  start(scope: DeploymentScope, deploymentId: string): void {
    if (this.closing) return;
    const key = `${scope.accountId}/${scope.region}/${deploymentId}`;
    const run: Run = { controller: new AbortController(), rollbackOnStop: false, done: Promise.resolve() };
    this.runs.set(key, run);
    run.done = (async () => {
      await nextTurn();
      try {
        await this.execute(scope, deploymentId, run);
      } catch (err) {
        this.log.error({ err, deploymentId }, 'deployment run crashed');
      } finally {
        this.runs.delete(key);
      }
    })();
  }

  stop(scope: DeploymentScope, deploymentId: string, rollback: boolean): void {
    const d = scope.state.deployments[deploymentId];
    if (!d) return;
    d.info.status = 'Stopped';
    d.info.completeTime = this.now();
    d.info.errorInformation = { code: 'MANUAL_STOP', message: MESSAGES.MANUAL_STOP };
    recordGroupOutcome(scope, d);
    this.changed();
    this.log.info({ deploymentId, rollback }, 'deployment stopped');
    const run = this.runs.get(`${scope.accountId}/${scope.region}/${deploymentId}`);
    if (run) {
      run.rollbackOnStop = rollback;
      run.controller.abort();
    } else {
      skipPendingTargets(d, this.now());
      if (rollback) this.rollback(scope, d);
    }
  }

  /** Resolves once no deployment is running (rollbacks included). */
  async idle(): Promise<void> {
    while (this.runs.size > 0) await Promise.all([...this.runs.values()].map((r) => r.done));
  }

  /** Withdraws every running command and waits for the runs to end. Running deployments stay
   * InProgress in the store; the next process marks them Failed when it loads them. */
  async close(): Promise<void> {
    this.closing = true;
    for (const run of this.runs.values()) run.controller.abort();
    await this.idle();
  }

  private async execute(scope: DeploymentScope, id: string, run: Run): Promise<void> {
    const d = scope.state.deployments[id];
    if (!d || this.closing) return;
    if (d.info.status !== 'Created') {
      // Stopped before it began.
      skipPendingTargets(d, this.now());
      this.changed();
      if (d.info.status === 'Stopped' && run.rollbackOnStop) this.rollback(scope, d);
      return;
    }
    d.info.status = 'InProgress';
    d.info.startTime = this.now();
    recordGroupOutcome(scope, d);
    this.changed();
    this.log.info({ deploymentId: id, targets: d.targetOrder.length }, 'deployment started');
    if (d.targetOrder.length === 0) return this.finish(scope, d, 'Failed', { code: 'NO_INSTANCES', message: MESSAGES.NO_INSTANCES });
    const plan = planHealth(d.minimumHealthyHosts as MinimumHealthyHostsSpec, d.targetOrder.length);
    if (!plan.valid) {
      skipPendingTargets(d, this.now());
      return this.finish(scope, d, 'Failed', { code: 'HEALTH_CONSTRAINTS_INVALID', message: MESSAGES.HEALTH_CONSTRAINTS_INVALID });
    }
    const signal = run.controller.signal;
    const pending = [...d.targetOrder];
    // Finished hosts are queued here: waiting on a race over every in-flight host for each result
    // would cost O(hosts²) promise reactions with thousands of (virtual) hosts in flight.
    const inFlight = new Set<string>();
    const results: [string, HostResult][] = [];
    let taken = 0;
    let wake: (() => void) | undefined;
    let succeeded = 0;
    let failed = 0;
    let outcome: HostResult = 'Failed';
    for (;;) {
      if (!signal.aborted) {
        const step = nextBatchStep(plan, { pending: pending.length, inFlight: inFlight.size, succeeded, failed });
        if (step.kind === 'finish') {
          outcome = step.outcome;
          break;
        }
        if (step.kind === 'start') {
          const batch = pending.splice(0, step.count);
          for (const [i, name] of batch.entries()) {
            // Thousands of hosts at once: let requests in between (GetDeployment, the hosts' calls).
            if (i > 0 && i % START_SLICE === 0) {
              await nextTurn();
              if (signal.aborted || this.closing) {
                pending.unshift(...batch.slice(i));
                break;
              }
            }
            inFlight.add(name);
            void this.runHost(scope, d, name, signal).then((r) => {
              results.push([name, r]);
              wake?.();
            });
          }
          continue;
        }
      } else if (inFlight.size === 0) {
        break;
      }
      if (taken === results.length) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      const [name, result] = results[taken++]!;
      if (this.closing) return;
      inFlight.delete(name);
      if (result === 'Succeeded') succeeded++;
      else failed++;
    }
    skipPendingTargets(d, this.now());
    if (signal.aborted) {
      this.changed();
      if (run.rollbackOnStop) this.rollback(scope, d);
      return;
    }
    this.finish(scope, d, outcome, outcome === 'Failed' ? { code: 'HEALTH_CONSTRAINTS', message: MESSAGES.HEALTH_CONSTRAINTS } : undefined);
  }

  /** One host through the lifecycle; never rejects. */
  private async runHost(scope: DeploymentScope, d: DeploymentRecord, name: string, signal: AbortSignal): Promise<HostResult> {
    const t = d.targets[name] as TargetRecord;
    const log = this.log.child({ deploymentId: d.info.deploymentId, instanceName: name });
    t.status = 'InProgress';
    t.lastUpdatedAt = this.now();
    this.changed();
    const spec = this.specOf(d);
    const events = t.lifecycleEvents ?? [];
    for (let i = 0; i < events.length; i++) {
      const ev = events[i] as NonNullable<typeof events[number]>;
      if (signal.aborted) return this.failTarget(t, i);
      ev.status = 'InProgress';
      ev.startTime = this.now();
      t.lastUpdatedAt = ev.startTime;
      this.changed();
      const outcome = await this.dispatch(scope, d, t, ev.lifecycleEventName ?? '', spec, signal);
      if (this.closing) return 'Failed';
      if ((outcome as { withdrawn?: boolean }).withdrawn === true) {
        // Stopped before the host picked it up: the event never ran.
        ev.status = 'Pending';
        delete ev.startTime;
        return i === 0 ? this.skipTarget(t) : this.failTarget(t, i);
      }
      ev.status = outcome.status;
      ev.startTime = toEpochSeconds(outcome.startTime);
      ev.endTime = toEpochSeconds(outcome.endTime);
      ev.diagnostics = outcome.diagnostics ?? (outcome.status === 'Succeeded' ? SUCCESS_DIAGNOSTICS : this.unknownError(signal, 'The lifecycle event failed.'));
      t.lastUpdatedAt = this.now();
      this.changed();
      const ignored = ev.lifecycleEventName === 'ApplicationStop' && d.info.ignoreApplicationStopFailures === true;
      if (outcome.status === 'Failed' && !ignored) {
        log.error({ lifecycleEvent: ev.lifecycleEventName, errorCode: ev.diagnostics.errorCode }, 'lifecycle event failed');
        return this.failTarget(t, i + 1);
      }
    }
    t.status = 'Succeeded';
    t.lastUpdatedAt = this.now();
    this.changed();
    return 'Succeeded';
  }

  private async dispatch(
    scope: DeploymentScope,
    d: DeploymentRecord,
    t: TargetRecord,
    commandName: string,
    deploymentSpec: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<HostCommandOutcome> {
    try {
      return await this.deps.broker.dispatch({
        accountId: scope.accountId,
        region: scope.region,
        hostIdentifier: t.hostIdentifier,
        instanceName: t.targetId,
        commandName,
        deploymentId: d.info.deploymentId,
        deploymentSpec,
        pickupTimeoutMs: this.deps.pickupTimeoutMs,
        completionTimeoutMs: this.deps.completionTimeoutMs,
        signal,
      });
    } catch (err) {
      const now = this.deps.clock.now();
      return { status: 'Failed', startTime: now, endTime: now, diagnostics: this.unknownError(signal, err instanceof Error ? err.message : String(err)) };
    }
  }

  private specOf(d: DeploymentRecord): Record<string, unknown> {
    let spec = this.specs.get(d);
    if (!spec) this.specs.set(d, (spec = deploymentSpecOf(d)));
    return spec;
  }

  private unknownError(signal: AbortSignal, message: string): Diagnostics {
    return { errorCode: 'UnknownError', scriptName: '', message: signal.aborted ? MESSAGES.STOPPED_EVENT : message, logTail: '' };
  }

  private failTarget(t: TargetRecord, firstSkipped: number): HostResult {
    failTarget(t, firstSkipped, this.now());
    this.changed();
    return 'Failed';
  }

  private skipTarget(t: TargetRecord): HostResult {
    failTarget(t, 0, this.now());
    t.status = 'Skipped';
    this.changed();
    return 'Failed';
  }

  private finish(scope: DeploymentScope, d: DeploymentRecord, outcome: HostResult, error?: ErrorInfo): void {
    d.info.status = outcome;
    d.info.completeTime = this.now();
    if (error) d.info.errorInformation = error;
    recordGroupOutcome(scope, d);
    this.changed();
    if (outcome === 'Failed') this.log.error({ deploymentId: d.info.deploymentId, errorCode: error?.code }, 'deployment failed');
    else this.log.info({ deploymentId: d.info.deploymentId }, 'deployment succeeded');
    const arc = d.info.autoRollbackConfiguration;
    if (outcome === 'Failed' && arc?.enabled === true && (arc.events ?? []).includes('DEPLOYMENT_FAILURE')) this.rollback(scope, d);
  }

  /** Redeploys the group's last successful revision to this deployment's instances. */
  private rollback(scope: DeploymentScope, d: DeploymentRecord): void {
    if (this.closing) return;
    const rb = createRollback(scope, d, this.now());
    this.changed();
    if (!rb) return;
    this.log.info({ deploymentId: d.info.deploymentId, rollbackDeploymentId: rb.info.deploymentId }, 'rollback started');
    this.start(scope, rb.info.deploymentId);
  }

  private now(): number {
    return toEpochSeconds(this.deps.clock.now());
  }

  private changed(): void {
    this.deps.store.changed();
  }
}
