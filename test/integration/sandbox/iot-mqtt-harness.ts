// MQTT clients for the IoT broker tests: MQTT.js over mutual TLS against the sandbox's broker, an
// inbox that waits for messages (polling, generous deadlines), and the outcome of a refused connect.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Sandbox } from '../../../sandbox/sandbox.js';

export interface DeviceTls {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

export interface Received {
  readonly topic: string;
  readonly payload: Buffer;
  json(): Record<string, unknown>;
}

export interface Inbox {
  readonly messages: Received[];
  /** The first message on `topic` (after `from`) matching `pred`; fails after `timeoutMs`. */
  next(topic: string, pred?: (doc: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export function brokerAddress(sb: Sandbox): { host: string; port: number } {
  const ep = sb.iot.dataEndpoint;
  const i = ep.lastIndexOf(':');
  return { host: ep.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(ep.slice(i + 1)) };
}

export function mqttOptions(sb: Sandbox, device: DeviceTls | undefined, clientId: string, protocolVersion: 4 | 5): IClientOptions {
  const { host, port } = brokerAddress(sb);
  return {
    protocol: 'mqtts',
    host,
    port,
    clientId,
    protocolVersion,
    ca: sb.iot.caPem,
    ...(device ? { cert: device.certificatePem, key: device.privateKeyPem } : {}),
    reconnectPeriod: 0,
    connectTimeout: 30_000,
  };
}

export function inboxOf(client: MqttClient): Inbox {
  const messages: Received[] = [];
  client.on('message', (topic, payload) => messages.push({ topic, payload, json: () => JSON.parse(payload.toString('utf8')) as Record<string, unknown> }));
  return {
    messages,
    async next(topic, pred = () => true, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = messages.find((m) => m.topic === topic && pred(m.json()));
        if (hit) return hit.json();
        if (Date.now() > deadline) throw new Error(`no message on ${topic} within ${timeoutMs} ms; got: ${messages.map((m) => m.topic).join(', ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** A connected MQTT.js client (ended by the caller) and its inbox. */
export async function connectDevice(opts: IClientOptions): Promise<{ client: MqttClient; inbox: Inbox }> {
  const client = await mqtt.connectAsync(opts);
  return { client, inbox: inboxOf(client) };
}

/** Connect, expecting a refusal: resolves with what the client saw (CONNACK code or the error). */
export function refusal(opts: IClientOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(opts);
    let seen = '';
    client.on('connect', () => {
      client.end(true);
      reject(new Error('the broker accepted a connection it should refuse'));
    });
    client.on('error', (err: Error & { code?: number | string }) => {
      seen ||= `${err.code ?? ''} ${err.message}`.trim();
    });
    client.on('close', () => {
      client.end(true);
      resolve(seen || 'closed');
    });
  });
}

/** Resolves when the client's connection closes. */
export const closed = (client: MqttClient): Promise<void> => new Promise((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()));
