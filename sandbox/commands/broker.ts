// The host command broker: CodeDeploy orchestration dispatches one lifecycle event on one host
// (`dispatch`), the Commands API serves it to that host (`poll`/`acknowledge`/`update`/`complete`/
// `spec`) and the dispatch resolves with the outcome. Per-host FIFO queues keyed by
// (accountId, region, hostIdentifier). Everything is in memory: a sandbox restart fails nothing here,
// the orchestration re-dispatches what it still wants.
//
// Command states: queued (Pending) → picked up by a poll (InProgress) → done (Succeeded | Failed).
// - not polled within pickupTimeoutMs → Failed, UnknownError "agent did not receive the event";
// - not completed within completionTimeoutMs after pickup → Failed; PostHostCommandUpdate restarts
//   that window (a heartbeat);
// - request.signal aborted (StopDeployment) → a queued command is withdrawn (the outcome is Failed
//   with `withdrawn: true` and no diagnostics: it never ran), a picked-up one is Failed;
// - dispatch never rejects;
// - PutHostCommandComplete for a command that is already done (completed, timed out, stopped) is
//   ignored: the first outcome stands and the call still succeeds, so an agent retrying a completion
//   (or the v1 agent's double completion after a failure) is harmless.
import { randomUUID } from 'node:crypto';
import { AwsError, type Clock, type HostCommandBroker, type HostCommandOutcome, type HostCommandRequest } from '../types.js';
import { silentLogger, type Logger } from '../../shared/log.js';
import { parseCompletionDiagnostics } from './diagnostics.js';
import { HostQueues, hostKeyString, type HostKey } from './host-queues.js';
import { nodeTimers, type TimerHandle, type TimerPort } from '../timer-queue.js';
import { AbortFanout } from './abort-fanout.js';
import { ERRORS, LIMITS, type CommandStatus, type Envelope, type HostCommandInstance } from './shapes.js';

export type { HostKey } from './host-queues.js';

export const PICKUP_TIMEOUT_MESSAGE =
  'CodeDeploy agent was not able to receive the lifecycle event. Check the CodeDeploy agent logs on your underlying instance and then verify the agent is installed and running.';
export const STOPPED_MESSAGE = 'The deployment was stopped while this lifecycle event was in progress.';
export const SHUTDOWN_MESSAGE = 'The sandbox shut down while this lifecycle event was in progress.';

export function completionTimeoutMessage(ms: number): string {
  return `The CodeDeploy agent received the lifecycle event but did not report its completion within ${Math.round(ms / 1000)} seconds. Check the CodeDeploy agent logs on your underlying instance.`;
}

/** What dispatch resolves with: `withdrawn` marks a command stopped before any host picked it up. */
export interface BrokerOutcome extends HostCommandOutcome {
  readonly withdrawn?: true;
}

export interface BrokerHostSide {
  /** Long poll: the host's next command, or undefined after `maxWaitMs` / on abort. */
  poll(host: HostKey, signal: AbortSignal | undefined, maxWaitMs: number): Promise<HostCommandInstance | undefined>;
  /** PutHostCommandAcknowledgement: InProgress while running, else the final status. */
  acknowledge(host: HostKey, hostCommandIdentifier: string, diagnostics?: Envelope): CommandStatus;
  /** PutHostCommandComplete; ignored when the command is already done. */
  complete(host: HostKey, hostCommandIdentifier: string, status: 'Succeeded' | 'Failed', diagnostics?: Envelope): void;
  /** PostHostCommandUpdate: a heartbeat restarting the completion window; returns the status. */
  update(host: HostKey, hostCommandIdentifier: string, progress?: { estimatedCompletionTime?: Date; diagnostics?: Envelope }): CommandStatus;
  /** The deployment spec JSON of an execution (to be signed for `region`). */
  spec(host: HostKey, deploymentExecutionId: string): { json: string; region: string };
  /** Fail everything outstanding and end pending polls (sandbox shutdown). */
  close(): void;
}

export interface CommandBrokerDeps {
  clock?: Clock;
  log?: Logger;
  /** How long finished commands stay visible to ack/complete/spec (default 1 h). */
  retentionMs?: number;
  /** Pickup/completion deadlines (default: one Node timer each; the sandbox passes its TimerQueue). */
  timers?: TimerPort;
}

/** Told when a command waits in a host's queue (virtual hosts pick theirs up in-process). */
export interface BrokerQueueEvents {
  onQueued(listener: (host: HostKey) => void): () => void;
}

interface CommandRecord {
  readonly id: string;
  readonly executionId: string;
  readonly key: string;
  readonly host: HostKey;
  readonly req: HostCommandRequest;
  readonly specJson: string;
  readonly nonce: number;
  readonly queuedAt: Date;
  /** Created on first use (never when the log is silent) and dropped once the command is done. */
  logger: Logger | undefined;
  status: CommandStatus;
  pickedAt?: Date;
  finishedAt?: number;
  timer: TimerHandle | undefined;
  detach: (() => void) | undefined;
  resolve: (outcome: BrokerOutcome) => void;
}

const settled = (): void => undefined;

export function createCommandBroker(deps: CommandBrokerDeps = {}): HostCommandBroker & BrokerHostSide & BrokerQueueEvents {
  const clock = deps.clock ?? { now: () => new Date() };
  const log = (deps.log ?? silentLogger()).child({ component: 'commands-broker' });
  const retentionMs = deps.retentionMs ?? 60 * 60 * 1000;
  const timers = deps.timers ?? nodeTimers;
  const queued = new Set<(host: HostKey) => void>();
  const queues = new HostQueues<CommandRecord>();
  const aborts = new AbortFanout();
  // One JSON text per spec object (the orchestrator shares one per deployment), not one per command.
  const specTexts = new WeakMap<object, string>();
  const specJsonOf = (spec: object): string => specTexts.get(spec) ?? specTexts.set(spec, JSON.stringify(spec)).get(spec)!;
  const quiet = !log.isLevelEnabled('error');
  const logOf = (rec: CommandRecord): Logger =>
    quiet
      ? log
      : (rec.logger ??= log.child({ deploymentId: rec.req.deploymentId, instanceName: rec.req.instanceName, lifecycleEvent: rec.req.commandName, commandId: rec.id }));
  const byId = new Map<string, CommandRecord>();
  const byExecution = new Map<string, CommandRecord>();
  const finished: CommandRecord[] = [];
  let nonce = 0;
  let closed = false;

  const prune = (): void => {
    const cutoff = clock.now().getTime() - retentionMs;
    while (finished.length > 0 && finished[0]!.finishedAt! <= cutoff) {
      const rec = finished.shift()!;
      byId.delete(rec.id);
      byExecution.delete(rec.executionId);
    }
  };

  const arm = (rec: CommandRecord, ms: number, onTimeout: () => void): void => {
    timers.clear(rec.timer);
    rec.timer = Number.isFinite(ms) ? timers.set(ms, onTimeout) : undefined;
  };

  const finish = (rec: CommandRecord, outcome: Omit<BrokerOutcome, 'startTime' | 'endTime'>): void => {
    if (rec.status === 'Succeeded' || rec.status === 'Failed') return;
    timers.clear(rec.timer);
    rec.detach?.();
    if (!rec.pickedAt) queues.remove(rec.key, rec);
    rec.status = outcome.status;
    const endTime = clock.now();
    rec.finishedAt = endTime.getTime();
    finished.push(rec);
    logOf(rec).info({ status: outcome.status, errorCode: outcome.diagnostics?.errorCode, withdrawn: outcome.withdrawn }, 'host command finished');
    rec.logger = undefined;
    const resolve = rec.resolve;
    // Finished records are kept for late acks and completions (retention): let go of the promise,
    // the abort watch and the timer, which thousands of virtual hosts would otherwise keep for an hour.
    rec.resolve = settled;
    rec.detach = undefined;
    rec.timer = undefined;
    resolve({ ...outcome, startTime: rec.pickedAt ?? rec.queuedAt, endTime });
  };

  const failWith = (message: string) => ({
    status: 'Failed' as const,
    diagnostics: { errorCode: 'UnknownError' as const, scriptName: '', message, logTail: '' },
  });

  const pickUp = (rec: CommandRecord): HostCommandInstance => {
    rec.status = 'InProgress';
    rec.pickedAt = clock.now();
    const ms = rec.req.completionTimeoutMs;
    arm(rec, ms, () => finish(rec, failWith(completionTimeoutMessage(ms))));
    logOf(rec).info('host command picked up');
    return {
      HostCommandIdentifier: rec.id,
      HostIdentifier: rec.host.hostIdentifier,
      DeploymentExecutionId: rec.executionId,
      CommandName: rec.req.commandName,
      Nonce: rec.nonce,
    };
  };

  const own = (host: HostKey, id: string): CommandRecord => {
    const rec = byId.get(id);
    // A foreign command looks exactly like an unknown one: ids reveal nothing across hosts.
    if (!rec || rec.key !== hostKeyString(host)) throw new AwsError(ERRORS.client, `HostCommandIdentifier is not valid for this host: ${id}`);
    return rec;
  };

  return {
    dispatch(req) {
      prune();
      const host = { accountId: req.accountId, region: req.region, hostIdentifier: req.hostIdentifier };
      const id = Buffer.from(JSON.stringify(['sandbox.codedeploy.hostcommand', randomUUID()])).toString('base64');
      const executionId = `Sandbox/${req.region}/${randomUUID().replace(/-/g, '')}/${req.deploymentId}`.slice(0, LIMITS.executionIdMax);
      return new Promise<BrokerOutcome>((resolve) => {
        const rec: CommandRecord = {
          id,
          executionId,
          key: hostKeyString(host),
          host,
          req,
          specJson: specJsonOf(req.deploymentSpec),
          nonce: ++nonce,
          queuedAt: clock.now(),
          status: 'Pending',
          resolve,
          logger: undefined,
          timer: undefined,
          detach: undefined,
        };
        byId.set(id, rec);
        byExecution.set(executionId, rec);
        if (closed) return finish(rec, failWith(SHUTDOWN_MESSAGE));
        const signal = req.signal;
        const onAbort = (): void =>
          finish(rec, rec.pickedAt ? failWith(STOPPED_MESSAGE) : { status: 'Failed', withdrawn: true });
        if (signal?.aborted) return onAbort();
        if (signal) rec.detach = aborts.watch(signal, onAbort);
        arm(rec, req.pickupTimeoutMs, () => finish(rec, failWith(PICKUP_TIMEOUT_MESSAGE)));
        logOf(rec).info({ hostIdentifier: req.hostIdentifier }, 'host command queued');
        queues.push(rec.key, rec);
        if (queues.size(rec.key) > 0) for (const l of queued) l(host);
      });
    },

    onQueued(listener) {
      queued.add(listener);
      return () => queued.delete(listener);
    },

    async poll(host, signal, maxWaitMs) {
      const rec = await queues.take(hostKeyString(host), signal, closed ? 0 : maxWaitMs);
      // Stopped between leaving the queue and this continuation: an empty poll, not a stale command.
      return rec?.status === 'Pending' ? pickUp(rec) : undefined;
    },

    acknowledge(host, id, diagnostics) {
      const rec = own(host, id);
      logOf(rec).debug({ status: rec.status, payload: diagnostics?.Payload }, 'host command acknowledged');
      return rec.status;
    },

    complete(host, id, status, diagnostics) {
      const rec = own(host, id);
      if (rec.status === 'Succeeded' || rec.status === 'Failed') {
        logOf(rec).debug({ reported: status, status: rec.status }, 'completion of a finished host command ignored');
        return;
      }
      if (!rec.pickedAt) throw new AwsError(ERRORS.client, `Host command has not been picked up: ${id}`);
      const parsed = diagnostics?.Payload !== undefined ? parseCompletionDiagnostics(diagnostics.Payload) : undefined;
      if (diagnostics?.Payload !== undefined && !parsed) throw new AwsError(ERRORS.client, 'Diagnostics payload is not a JSON object');
      finish(rec, parsed ? { status, diagnostics: parsed } : { status });
    },

    update(host, id, progress) {
      const rec = own(host, id);
      if (rec.status === 'InProgress') {
        const ms = rec.req.completionTimeoutMs;
        arm(rec, ms, () => finish(rec, failWith(completionTimeoutMessage(ms))));
        logOf(rec).debug({ estimatedCompletionTime: progress?.estimatedCompletionTime }, 'host command heartbeat');
      }
      return rec.status;
    },

    spec(host, executionId) {
      const rec = byExecution.get(executionId);
      if (!rec || rec.key !== hostKeyString(host)) {
        throw new AwsError(ERRORS.deploymentNotFound, `The deployment execution ${executionId} could not be found for host ${host.hostIdentifier}`);
      }
      return { json: rec.specJson, region: rec.host.region };
    },

    close() {
      closed = true;
      queues.releaseWaiters();
      for (const rec of byId.values()) finish(rec, failWith(SHUTDOWN_MESSAGE));
    },
  };
}
