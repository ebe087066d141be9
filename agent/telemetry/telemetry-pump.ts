// Sends the spool over the MQTT connection, oldest first, whenever the connection is up:
// - telemetry: QoS 1 publish; removed from the spool after its PUBACK;
// - shadow: the spooled entry holds the full reported state; the delta against what the shadow last
//   accepted is computed at send time, sent with that shadow version, and the entry is removed after
//   update/accepted. A version conflict (409) re-reads the shadow and retries with a new delta.
// A failure (timeout, disconnect) leaves the message spooled and ends the round; the next round
// starts at the next connection or the next kick(). Nothing here throws to the caller.
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { MqttConnection } from './mqtt-connection.js';
import type { ReportedStateFile } from './reported-state-file.js';
import { checkPuback, shadowResponseTopics, ShadowChannel } from './shadow-channel.js';
import { applyReported, reportedDelta, type JsonObject } from './shadow-reporter.js';
import type { Spool, SpoolEntry } from './spool.js';

/** Messages in flight at once (QoS 1 publishes on one connection stay in order). */
export const PUMP_WINDOW = 8;
/** Re-reads of the shadow after version conflicts before the report waits for the next round. */
const MAX_CONFLICT_RETRIES = 3;

export interface PumpDeps {
  readonly connection: MqttConnection;
  readonly spool: Spool;
  readonly reported: ReportedStateFile;
  readonly thingName: string;
  readonly clientId: string;
  readonly ackTimeoutMs: number;
  readonly log: Logger;
}

export interface PumpStats {
  delivered: number;
  shadowUpdates: number;
  refused: number;
  failedRounds: number;
}

export class TelemetryPump {
  private readonly shadow: ShadowChannel;
  private draining: Promise<void> | undefined;
  private again = false;
  private subscribed = false;
  private stopped = false;
  readonly stats: PumpStats = { delivered: 0, shadowUpdates: 0, refused: 0, failedRounds: 0 };

  constructor(private readonly deps: PumpDeps) {
    this.shadow = new ShadowChannel({ connection: deps.connection, thingName: deps.thingName, clientId: deps.clientId, timeoutMs: deps.ackTimeoutMs });
    deps.connection.on('connected', () => void this.onConnected());
    deps.connection.on('disconnected', () => {
      this.subscribed = false;
      this.shadow.cancelAll('the connection was lost');
    });
  }

  private async onConnected(): Promise<void> {
    try {
      const codes = await this.deps.connection.subscribe(shadowResponseTopics(this.deps.thingName));
      const refused = codes.filter((c) => c >= 128);
      if (refused.length > 0) this.deps.log.error({ reasonCodes: codes }, 'shadow response topics refused: check the IoT policy allows iot:Subscribe/iot:Receive on $aws/things/<thing>/shadow/*');
      this.subscribed = true;
    } catch (e) {
      this.deps.log.warn({ err: { message: (e as Error).message } }, 'subscribing to the shadow response topics failed');
      return;
    }
    this.kick();
  }

  /** Starts a round if the connection is up (or marks one more round after the running one). */
  kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain().finally(() => (this.draining = undefined));
  }

  /** Resolves when the running round (if any) is over. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  stop(): void {
    this.stopped = true;
    this.shadow.cancelAll('the agent is stopping');
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      if (!(await this.round())) {
        this.stats.failedRounds++;
        return;
      }
    } while (this.again && !this.stopped);
  }

  /** One pass over the spool; false when a message failed (the rest waits for the next round). */
  private async round(): Promise<boolean> {
    const running = new Set<Promise<boolean>>();
    let ok = true;
    for (const entry of this.deps.spool.pending()) {
      if (!ok || this.stopped || !this.deps.connection.connected || !this.subscribed) break;
      if (!this.deps.spool.has(entry.seq)) continue;
      const p: Promise<boolean> = this.send(entry).finally(() => running.delete(p));
      running.add(p);
      if (running.size >= PUMP_WINDOW) ok = (await Promise.race(running)) && ok;
    }
    const results = await Promise.all(running);
    return ok && results.every(Boolean) && this.deps.connection.connected;
  }

  private async send(entry: SpoolEntry): Promise<boolean> {
    try {
      if (entry.kind === 'shadow') await this.sendShadow(entry);
      else {
        checkPuback(await this.deps.connection.publish(entry.topic, entry.payload), entry.topic);
        this.deps.spool.remove(entry.seq);
        this.stats.delivered++;
        this.deps.log.debug({ seq: entry.seq, topic: entry.topic, spooledAt: entry.at }, 'telemetry message delivered');
      }
      return true;
    } catch (e) {
      if (isEdgeError(e, 'IOT_PUBLISH_REFUSED') || isEdgeError(e, 'IOT_SHADOW_REJECTED')) {
        // refused for good (e.g. not authorized by the IoT policy): retrying would block the spool
        this.stats.refused++;
        this.deps.spool.remove(entry.seq);
        this.deps.log.error({ err: { code: e.code, message: e.message }, topic: entry.topic, seq: entry.seq }, 'telemetry message refused and dropped');
        return true;
      }
      this.deps.log.debug({ err: { message: (e as Error).message }, seq: entry.seq }, 'telemetry message not delivered yet; it stays spooled');
      return false;
    }
  }

  private async sendShadow(entry: SpoolEntry): Promise<void> {
    const target = JSON.parse(entry.payload) as JsonObject;
    for (let attempt = 0; ; attempt++) {
      const known = this.deps.reported.current;
      const delta = reportedDelta(known?.reported, target);
      if (delta === undefined) {
        this.deps.spool.remove(entry.seq);
        return;
      }
      const result = await this.shadow.update(delta, known?.version);
      if (result.kind === 'accepted') {
        this.deps.reported.set({ reported: applyReported(known?.reported, delta), ...(result.version !== undefined ? { version: result.version } : {}) });
        this.deps.spool.remove(entry.seq);
        this.stats.shadowUpdates++;
        this.deps.log.debug({ keys: Object.keys(delta), version: result.version }, 'shadow reported state updated');
        return;
      }
      if (result.code !== 409 || attempt >= MAX_CONFLICT_RETRIES) {
        throw new EdgeError('IOT_SHADOW_REJECTED', `the shadow update of ${this.deps.thingName} was rejected: ${result.code} ${result.message}`, { details: { code: result.code } });
      }
      // someone else changed the shadow: learn what it holds now, then send the delta against that
      const now = await this.shadow.get();
      this.deps.reported.set(now.kind === 'found' ? { reported: now.reported, ...(now.version !== undefined ? { version: now.version } : {}) } : undefined);
      this.deps.log.info({ version: now.kind === 'found' ? now.version : null }, 'shadow version conflict: re-read the shadow');
    }
  }
}
