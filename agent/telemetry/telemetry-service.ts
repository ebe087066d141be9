// IoT telemetry of the agent: on a cron schedule (default every minute) it samples health and
// spools (1) the shadow's full `reported` state (health, agent version, deployment, identity),
// sent as a delta against what the shadow last accepted, and (2) a dt/<thing>/health message;
// the pump sends the spool whenever the MQTT connection is up.
// Telemetry never blocks or fails the agent: every error is logged and the next tick tries again.
// The MQTT connection is made through `deps.connect`, which loads the IoT SDK lazily.
import { join } from 'node:path';
import { schedule, type ScheduledTask } from 'node-cron';
import type { Logger } from '../../shared/log.js';
import type { IotTelemetryConfig } from '../config/iot-config.js';
import type { HealthReport } from '../health/types.js';
import type { MqttConnection } from './mqtt-connection.js';
import { ReportedStateFile } from './reported-state-file.js';
import { shadowTopic } from './shadow-channel.js';
import { buildReportedState, buildTelemetryMessage, type DeploymentRecord, type ReportedInput } from './shadow-reporter.js';
import { Spool } from './spool.js';
import { TelemetryPump, type PumpStats } from './telemetry-pump.js';

export interface TelemetryServiceDeps {
  readonly config: IotTelemetryConfig;
  /** Spool and last reported state go to <rootDir>/telemetry/. */
  readonly rootDir: string;
  readonly log: Logger;
  readonly agentVersion: string;
  readonly identity: { readonly mode: string; readonly hostIdentifier?: string };
  readonly connect: () => Promise<MqttConnection>;
  readonly sampleHealth: () => Promise<HealthReport>;
  /** The current and last deployment command (the agent state file). */
  readonly deployment: () => { readonly current?: DeploymentRecord; readonly last?: DeploymentRecord } | undefined;
}

export const TELEMETRY_DIR = 'telemetry';
export const telemetryTopic = (thingName: string): string => `dt/${thingName}/health`;

export interface TelemetryStats extends PumpStats {
  readonly ticks: number;
  readonly pending: number;
  readonly dropped: number;
  readonly connected: boolean;
}

export class TelemetryService {
  private readonly log: Logger;
  private readonly spool: Spool;
  private readonly reported: ReportedStateFile;
  private connection: MqttConnection | undefined;
  private pump: TelemetryPump | undefined;
  private task: ScheduledTask | undefined;
  private lastHealth: HealthReport | undefined;
  private ticks = 0;
  private ticking: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: TelemetryServiceDeps) {
    this.log = deps.log.child({ component: 'telemetry', thingName: deps.config.thingName });
    const dir = join(deps.rootDir, TELEMETRY_DIR);
    this.spool = Spool.open({ dir, maxMessages: deps.config.spoolMaxMessages, maxBytes: deps.config.spoolMaxBytes, log: this.log });
    this.reported = new ReportedStateFile(dir);
  }

  /**
   * Connects (in the background: an unreachable broker does not delay this), samples once now and
   * then on the schedule. Resolves once the schedule runs; only a failure to load the SDK or build
   * the client is reported (logged), and telemetry then stays off.
   */
  async start(): Promise<void> {
    try {
      const connection = await this.deps.connect();
      this.connection = connection;
      this.pump = new TelemetryPump({
        connection,
        spool: this.spool,
        reported: this.reported,
        thingName: this.deps.config.thingName,
        clientId: this.deps.config.thingName,
        ackTimeoutMs: this.deps.config.ackTimeoutSeconds * 1000,
        log: this.log,
      });
      if (this.stopped) return;
      connection.start();
    } catch (e) {
      this.log.error({ err: { code: (e as { code?: string }).code, message: (e as Error).message } }, 'IoT telemetry is off: the MQTT client could not be created');
      return;
    }
    this.task = schedule(this.deps.config.schedule, () => this.tick(), { name: `edge-agent-telemetry-${this.deps.config.thingName}`, noOverlap: true });
    this.log.info({ schedule: this.deps.config.schedule, endpoint: `${this.deps.config.endpoint.host}:${this.deps.config.endpoint.port}`, pending: this.spool.size }, 'IoT telemetry started');
    void this.tick();
  }

  /** One sample: spools the shadow state and the telemetry message, then kicks the pump. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.ticking ??= this.sampleAndSpool().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async sampleAndSpool(): Promise<void> {
    this.ticks++;
    // the deployment state first: a report naming a deployment's last event then carries health
    // sampled after it (a rollout's health gate counts such a report as after the deployment)
    const deployment = this.deployment();
    let fresh: HealthReport | undefined;
    try {
      fresh = await this.deps.sampleHealth();
      this.lastHealth = fresh;
    } catch (e) {
      this.log.warn({ err: { message: (e as Error).message } }, 'health sample failed; reporting the previous one');
    }
    if (this.stopped) return;
    const thingName = this.deps.config.thingName;
    const input: ReportedInput = {
      agentVersion: this.deps.agentVersion,
      identity: { thingName, ...this.deps.identity },
      ...(this.lastHealth ? { health: this.lastHealth } : {}),
      ...(deployment ? { deployment } : {}),
    };
    try {
      this.spool.add({ kind: 'shadow', key: 'shadow', topic: `${shadowTopic(thingName)}/update`, payload: JSON.stringify(buildReportedState(input)) });
      if (fresh) this.spool.add({ kind: 'telemetry', topic: telemetryTopic(thingName), payload: JSON.stringify(buildTelemetryMessage({ ...input, seq: this.ticks })) });
    } catch (e) {
      this.log.error({ err: { message: (e as Error).message } }, 'telemetry spool write failed');
    }
    this.pump?.kick();
  }

  private deployment(): ReturnType<TelemetryServiceDeps['deployment']> {
    try {
      return this.deps.deployment();
    } catch {
      return undefined;
    }
  }

  /** Waits for the running tick and send round (tests, and a last flush at stop). */
  async idle(): Promise<void> {
    while (this.ticking) await this.ticking;
    await this.pump?.idle();
  }

  stats(): TelemetryStats {
    const pump = this.pump?.stats ?? { delivered: 0, shadowUpdates: 0, refused: 0, failedRounds: 0 };
    return { ...pump, ticks: this.ticks, pending: this.spool.size, dropped: this.spool.dropped, connected: this.connection?.connected ?? false };
  }

  /**
   * Stops the schedule, gives a running send round up to `flushMs` to finish, then closes the
   * connection. What is not delivered stays in the spool for the next start.
   */
  async stop(flushMs = 2000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.task?.destroy();
    const settle = Promise.all([this.ticking, this.pump?.idle()]).then(() => undefined);
    await Promise.race([settle, new Promise<void>((resolve) => setTimeout(resolve, flushMs).unref())]);
    this.pump?.stop();
    try {
      await this.connection?.close();
    } catch (e) {
      this.log.warn({ err: { message: (e as Error).message } }, 'closing the MQTT client failed');
    }
    this.spool.close();
    this.log.info({ pending: this.spool.size, dropped: this.spool.dropped }, 'IoT telemetry stopped');
  }
}
