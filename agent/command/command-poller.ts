// The daemon's poll loop (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/command_poller.rb): PollHostCommand → check the host identity (exact match)
// → GetDeploymentSpecification (signature verified) → PutHostCommandAcknowledgement {IsCommandNoop}
// → act on the returned status → run the command through the CommandExecutor → exactly one
// PutHostCommandComplete. Commands run one at a time; a command re-delivered after it finished is
// never run again: it is acknowledged, and only when the service answers that it still has no
// outcome (it lost the completion) is the recorded completion sent again.
// Crash safety: a command is recorded on disk (CommandTracker) the moment the poll returns it, before
// its specification is fetched; the record is removed once its result reached the service. At start
// every recorded command is reported (executor.recoverInterrupted): the service is asked first
// (acknowledgement), and only a command it has no outcome for is completed, so nothing is reported twice.
import { setTimeout as sleep } from 'node:timers/promises';
import { EdgeError, isEdgeError, toEdgeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { CommandExecutor, CommandResult } from '../deployment/command-executor.js';
import type { InterruptedCommand, PendingResult } from '../deployment/command-tracker.js';
import type { DeploymentSpec } from '../deployment/deployment-spec.js';
import { renderCompletionDiagnostics } from '../hooks/diagnostics.js';
import type { AgentStateFile } from './agent-state.js';
import { backoffAfter, type BackoffPolicy, OFFICIAL_BACKOFF } from './backoff.js';
import type { CommandService, DeploymentSpecificationResult, HostCommand } from './command-service.js';
import type { IdleCollector } from './idle-gc.js';

export interface CommandPollerDeps {
  readonly commands: CommandService;
  readonly executor: CommandExecutor;
  readonly hostIdentifier: string;
  /** Verifies the envelope and parses the spec (openDeploymentSpec with the agent's CA/pinning). */
  readonly openSpec: (result: DeploymentSpecificationResult) => DeploymentSpec | Promise<DeploymentSpec>;
  readonly log: Logger;
  readonly state?: AgentStateFile;
  /** Sleep after every poll (official wait_between_runs). */
  readonly waitBetweenPollsMs: number;
  readonly backoff?: BackoffPolicy;
  /** PostHostCommandUpdate while a command runs (0 = never). */
  readonly heartbeatMs?: number;
  /** Attempts at PutHostCommandComplete before giving up (the tracking file then reports code 7). */
  readonly completeAttempts?: number;
  /** Told when a command starts and ends (full GCs once the agent is idle again). */
  readonly idle?: IdleCollector;
}

const COMPLETED_MEMORY = 256;
/**
 * Once the graceful-stop bound has passed, the command's signal is aborted (which stops its hook),
 * but its result must still reach the service: reporting gets this much longer.
 */
const REPORT_AFTER_STOP_MS = 30_000;

/** A signal aborted `graceMs` after `commandSignal`; dispose() when the command is done. */
function reportingSignal(commandSignal: AbortSignal, graceMs: number): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const later = (): void => {
    timer = setTimeout(() => controller.abort(commandSignal.reason), graceMs);
    timer.unref();
  };
  if (commandSignal.aborted) later();
  else commandSignal.addEventListener('abort', later, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      commandSignal.removeEventListener('abort', later);
      clearTimeout(timer);
    },
  };
}

export class CommandPoller {
  private errors = 0;
  /** hostCommandIdentifier → the diagnostics it was completed with (re-deliveries). */
  private readonly completed = new Map<string, PendingResult>();

  constructor(private readonly deps: CommandPollerDeps) {}

  /**
   * Poll until `stopPolling` aborts. A running command keeps `commandSignal` (aborted later, when
   * the graceful-stop bound passes) so it can finish and report.
   */
  async run(stopPolling: AbortSignal, commandSignal: AbortSignal): Promise<void> {
    await this.recover(stopPolling);
    while (!stopPolling.aborted) {
      let wait = this.deps.waitBetweenPollsMs;
      try {
        const cmd = await this.deps.commands.poll(this.deps.hostIdentifier, stopPolling);
        this.deps.state?.polled();
        this.errors = 0;
        if (cmd) {
          this.deps.idle?.busy();
          await this.handle(cmd, commandSignal).finally(() => this.deps.idle?.idle());
          wait = 0; // the next lifecycle event is usually queued already: poll again at once
        }
      } catch (e) {
        if (stopPolling.aborted) break;
        const err = toEdgeError(e);
        this.errors = Math.min(this.errors + 1, 10);
        wait += backoffAfter(this.errors, err.code === 'COMMANDS_THROTTLED', this.deps.backoff ?? OFFICIAL_BACKOFF);
        this.deps.state?.polled(err.message);
        this.deps.log.warn({ err: { code: err.code, message: err.message }, errors: this.errors, waitMs: wait }, 'poll failed; backing off');
      }
      await sleep(wait, undefined, { signal: stopPolling }).catch(() => undefined);
    }
  }

  /** At start: the command the agent died in is reported Failed (code 7) exactly once. */
  private async recover(signal: AbortSignal): Promise<void> {
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        await this.deps.executor.recoverInterrupted(async (cmd, diagnostics) => {
          if (cmd.hostCommandIdentifier.startsWith('local:')) return; // an interrupted `edge-agent deploy`
          await this.reportInterrupted(cmd, cmd.status, diagnostics, signal);
        });
        return;
      } catch (e) {
        const err = toEdgeError(e);
        if (!err.retryable) {
          // e.g. the service no longer knows the command: nothing left to report
          this.deps.log.warn({ err: { code: err.code, message: err.message } }, 'could not report the interrupted command; dropping it');
          this.deps.executor.clearInterrupted();
          return;
        }
        const wait = backoffAfter(attempt, err.code === 'COMMANDS_THROTTLED', this.deps.backoff ?? OFFICIAL_BACKOFF);
        await sleep(wait, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /**
   * One command the agent died with: reported only when the service has no outcome for it yet (the
   * agent may have died after its completion arrived). A command the service no longer knows is
   * dropped; a retryable error is thrown (recovery backs off and tries again).
   */
  private async reportInterrupted(cmd: InterruptedCommand, status: 'Succeeded' | 'Failed', diagnostics: string, signal: AbortSignal): Promise<void> {
    const id = cmd.hostCommandIdentifier;
    const log = this.deps.log.child({ hostCommandIdentifier: id, commandName: cmd.commandName, deploymentId: cmd.deploymentId });
    try {
      const now = await this.deps.commands.acknowledge(id, false, signal);
      if (now === 'Succeeded' || now === 'Failed') {
        log.info({ status: now }, 'interrupted command: the service already has its outcome');
        return;
      }
      await this.deps.commands.complete(id, status, diagnostics, signal);
      this.remember(id, { status, diagnostics, noop: false });
      log.warn({ status }, 'interrupted command reported');
    } catch (e) {
      const err = toEdgeError(e);
      if (err.retryable) throw err;
      log.warn({ err: { code: err.code, message: err.message } }, 'could not report the interrupted command; dropping it');
    }
  }

  private async handle(cmd: HostCommand, signal: AbortSignal): Promise<void> {
    const log = this.deps.log.child({ hostCommandIdentifier: cmd.hostCommandIdentifier, commandName: cmd.commandName });
    if (cmd.hostIdentifier !== this.deps.hostIdentifier) {
      // exact match (the official agent's substring check accepts other hosts' commands)
      throw new EdgeError('HOST_IDENTITY_MISMATCH', `Host Identifier mismatch: ${this.deps.hostIdentifier} != ${cmd.hostIdentifier}`);
    }
    if (!cmd.commandName) throw new EdgeError('COMMANDS_REJECTED', 'Command Name missing');
    const id = cmd.hostCommandIdentifier;
    const tracker = this.deps.executor.tracker;
    const previous = this.completed.get(id) ?? tracker.pendingResult(id);
    // durable before anything else: from here a crash still reports this command at the next start
    tracker.received(cmd, previous);
    if (previous) {
      // e.g. a service-side retry while the command ran: one completion when the service has it
      const status = await this.deps.commands.acknowledge(id, previous.noop, signal);
      if (status === 'Succeeded' || status === 'Failed') {
        log.info({ status }, 'command re-delivered after it completed; the service has its outcome');
      } else {
        log.warn({ status }, 'command re-delivered after it completed and the service has no outcome: sending the same result again');
        await this.complete(id, previous.status, previous.diagnostics, signal, previous.noop);
      }
      tracker.untrack(undefined, id);
      return;
    }
    let spec: DeploymentSpec;
    try {
      const result = await this.deps.commands.getDeploymentSpecification(cmd.deploymentExecutionId, this.deps.hostIdentifier, signal);
      spec = await this.deps.openSpec(result);
    } catch (e) {
      if (isEdgeError(e) && e.retryable) throw e; // service trouble: back off; the record reports it at the next start
      const error = toEdgeError(e);
      log.error({ err: { code: error.code, message: error.message } }, 'deployment specification refused');
      await this.completeTracked(id, { status: 'Failed', diagnostics: renderCompletionDiagnostics({ ok: false, error }), noop: false }, signal);
      return;
    }
    const isNoop = this.deps.executor.isNoop(cmd.commandName, spec);
    const status = await this.deps.commands.acknowledge(id, isNoop, signal);
    log.info({ status, isNoop, deploymentId: spec.deploymentId }, 'command acknowledged');
    if (status === 'Succeeded' || (status === 'Failed' && !isNoop)) {
      tracker.untrack(undefined, id);
      return;
    }
    if (status === 'Failed') {
      await this.completeTracked(id, { status: 'Succeeded', diagnostics: renderCompletionDiagnostics({ ok: true, noop: true }), noop: true }, signal);
      return;
    }
    this.deps.state?.started({ deploymentId: spec.deploymentId, commandName: cmd.commandName, hostCommandIdentifier: id });
    const heartbeat = this.startHeartbeat(id, log);
    let result: CommandResult | undefined;
    const reporting = reportingSignal(signal, REPORT_AFTER_STOP_MS);
    try {
      result = await this.deps.executor.execute(cmd.commandName, spec, {
        hostCommandIdentifier: id,
        signal,
        report: (r) => this.complete(id, r.status, r.diagnostics, reporting.signal, r.noop),
      });
    } finally {
      reporting.dispose();
      clearInterval(heartbeat);
      this.deps.state?.finished(result?.status ?? 'Failed', result?.error?.message);
    }
  }

  /** A result decided here (not by the executor): recorded, reported, then the record goes. */
  private async completeTracked(id: string, result: PendingResult, signal: AbortSignal): Promise<void> {
    this.deps.executor.tracker.reporting(id, result);
    await this.complete(id, result.status, result.diagnostics, signal, result.noop);
    this.deps.executor.tracker.untrack(undefined, id);
  }

  private startHeartbeat(id: string, log: Logger): NodeJS.Timeout | undefined {
    const every = this.deps.heartbeatMs ?? 0;
    if (every <= 0) return undefined;
    const timer = setInterval(() => {
      this.deps.commands.update(id).catch((e: unknown) => log.debug({ err: { message: (e as Error).message } }, 'heartbeat failed'));
    }, every);
    timer.unref();
    return timer;
  }

  /** PutHostCommandComplete, retried on retryable errors; remembered for re-deliveries. */
  private async complete(id: string, status: 'Succeeded' | 'Failed', diagnostics: string, signal: AbortSignal, noop = false): Promise<void> {
    const attempts = this.deps.completeAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.commands.complete(id, status, diagnostics, signal);
        this.remember(id, { status, diagnostics, noop });
        return;
      } catch (e) {
        const err = toEdgeError(e);
        if (!err.retryable || attempt >= attempts || signal.aborted) throw err;
        await sleep(backoffAfter(attempt, err.code === 'COMMANDS_THROTTLED', this.deps.backoff ?? OFFICIAL_BACKOFF), undefined, { signal }).catch(() => undefined);
      }
    }
  }

  private remember(id: string, result: PendingResult): void {
    this.completed.set(id, result);
    if (this.completed.size > COMPLETED_MEMORY) this.completed.delete(this.completed.keys().next().value as string);
  }
}
