// The MQTT connection to AWS IoT Core as a small port, and its adapter over aws-iot-device-sdk-v2's
// MQTT5 client (mutual TLS with the device certificate). The SDK (and its native aws-crt binding,
// which has no prebuilt binary for 32-bit ARM) is imported only here and only when IoT is
// configured: an agent without an `iot:` section never loads it.
// Reconnects are the client's own: exponential back-off with full jitter between the configured
// minimum and maximum delay. The MQTT5 client keeps the process alive ~8 s after close() (an
// aws-crt-nodejs issue): the CLI exits explicitly after close.
import type * as IotSdk from 'aws-iot-device-sdk-v2';
import type { mqtt5 as Mqtt5Types } from 'aws-iot-device-sdk-v2';
import { commonJsExports } from '../../shared/commonjs.js';
import { EdgeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { IotEndpoint } from '../config/iot-config.js';
import type { IotCertificatePem } from '../config/iot-credentials.js';

export type ConnectionEvent = 'connected' | 'disconnected';

/** What the telemetry service needs from an MQTT connection. */
export interface MqttConnection {
  readonly connected: boolean;
  /** Starts connecting; the connection is kept up (with back-off) until close(). */
  start(): void;
  /** QoS 1 publish; resolves with the PUBACK reason code (0 or 16 = delivered; >= 128 = refused). */
  publish(topic: string, payload: string): Promise<number>;
  /** QoS 1 subscriptions; resolves with the SUBACK reason codes. */
  subscribe(topics: readonly string[]): Promise<readonly number[]>;
  on(event: ConnectionEvent, listener: () => void): void;
  onMessage(listener: (topic: string, payload: string) => void): void;
  /** Disconnects and frees the client. */
  close(): Promise<void>;
}

export interface MqttConnectionSettings {
  readonly endpoint: IotEndpoint;
  readonly clientId: string;
  readonly certificate: IotCertificatePem;
  readonly keepAliveSeconds: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly ackTimeoutSeconds: number;
}

/** How long close() waits for the client's 'stopped' event. */
const STOP_WAIT_MS = 5000;

/** Loads the SDK and builds the MQTT5 client (not yet started). */
export async function createIotMqttConnection(settings: MqttConnectionSettings, log: Logger): Promise<MqttConnection> {
  let sdk: typeof IotSdk;
  try {
    sdk = commonJsExports(await import('aws-iot-device-sdk-v2'));
  } catch (e) {
    throw new EdgeError('IOT_SDK_UNAVAILABLE', `the AWS IoT device SDK (aws-iot-device-sdk-v2 / aws-crt) cannot be loaded on this machine: ${(e as Error).message}`, { cause: e });
  }
  const { iot, mqtt5 } = sdk;
  const { certPem, keyPem, caPem } = settings.certificate;
  const builder = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromMemory(settings.endpoint.host, certPem, keyPem)
    .withPort(settings.endpoint.port)
    .withConnectProperties({ clientId: settings.clientId, keepAliveIntervalSeconds: settings.keepAliveSeconds })
    .withSessionBehavior(mqtt5.ClientSessionBehavior.Clean)
    .withRetryJitterMode(mqtt5.RetryJitterType.Full)
    .withMinReconnectDelayMs(settings.reconnectMinMs)
    .withMaxReconnectDelayMs(settings.reconnectMaxMs)
    .withOfflineQueueBehavior(mqtt5.ClientOperationQueueBehavior.FailAllOnDisconnect)
    .withAckTimeoutSeconds(settings.ackTimeoutSeconds);
  if (caPem) builder.withCertificateAuthority(caPem);
  // no SDK metrics in the CONNECT username: IoT Core authenticates by certificate only
  const client = new mqtt5.Mqtt5Client({ ...builder.build(), disableMetrics: true });
  return new SdkMqttConnection(client, log.child({ component: 'mqtt', endpoint: `${settings.endpoint.host}:${settings.endpoint.port}` }));
}

class SdkMqttConnection implements MqttConnection {
  private isConnected = false;
  private failuresSinceSuccess = 0;
  private readonly listeners: Record<ConnectionEvent, (() => void)[]> = { connected: [], disconnected: [] };
  private readonly messageListeners: ((topic: string, payload: string) => void)[] = [];
  private closed = false;

  constructor(
    private readonly client: Mqtt5Types.Mqtt5Client,
    private readonly log: Logger,
  ) {
    client.on('connectionSuccess', () => {
      this.isConnected = true;
      this.log.info({ afterFailures: this.failuresSinceSuccess }, 'mqtt connected');
      this.failuresSinceSuccess = 0;
      this.emit('connected');
    });
    client.on('connectionFailure', (e) => {
      this.failuresSinceSuccess++;
      // one warning per outage; the retries behind it at debug level
      const level = this.failuresSinceSuccess === 1 ? 'warn' : 'debug';
      this.log[level]({ err: { message: e.error.toString() }, attempt: this.failuresSinceSuccess, reasonCode: e.connack?.reasonCode }, 'mqtt connection failed; retrying with back-off');
    });
    client.on('disconnection', (e) => {
      const was = this.isConnected;
      this.isConnected = false;
      if (was && !this.closed) this.log.warn({ err: { message: e.error.toString() }, reasonCode: e.disconnect?.reasonCode }, 'mqtt disconnected; reconnecting with back-off');
      if (was) this.emit('disconnected');
    });
    client.on('messageReceived', (e) => {
      const payload = e.message.payload;
      const text = payload === undefined ? '' : typeof payload === 'string' ? payload : Buffer.from(payload as ArrayBuffer).toString('utf8');
      for (const l of this.messageListeners) l(e.message.topicName, text);
    });
  }

  get connected(): boolean {
    return this.isConnected;
  }

  private emit(event: ConnectionEvent): void {
    for (const l of this.listeners[event]) l();
  }

  start(): void {
    this.client.start();
  }

  on(event: ConnectionEvent, listener: () => void): void {
    this.listeners[event].push(listener);
  }

  onMessage(listener: (topic: string, payload: string) => void): void {
    this.messageListeners.push(listener);
  }

  async publish(topic: string, payload: string): Promise<number> {
    const result = await this.client.publish({ topicName: topic, payload, qos: 1 });
    return result?.reasonCode ?? 0;
  }

  async subscribe(topics: readonly string[]): Promise<readonly number[]> {
    const suback = await this.client.subscribe({ subscriptions: topics.map((topicFilter) => ({ topicFilter, qos: 1 })) });
    return suback.reasonCodes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stopped = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STOP_WAIT_MS);
      timer.unref();
      this.client.once('stopped', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    try {
      this.client.stop();
      await stopped;
    } finally {
      this.isConnected = false;
      this.client.close();
    }
  }
}
