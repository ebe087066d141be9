// The sandbox's AWS IoT Core MQTT endpoint: aedes behind a node:tls server that requires a client
// certificate issued by the IoT CA (mutual TLS). MQTT 3.1.1 clients go straight to aedes; MQTT 5
// clients through mqtt5-bridge.ts. A connection is accepted when its certificate is a registered,
// ACTIVE certificate and the MQTT client id names a thing attached to it; the device may then use
// only its thing's topics (mqtt-topics.ts). The Device Shadow topics are served from the shared
// shadow store (mqtt-shadows.ts). suspend()/resume() simulate an outage on the same port.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from '../../shared/log.js';
import type { Clock } from '../types.js';
import type { IotPublishMessage } from './iot-data-service.js';
import { certificateIdOfDer } from './iot-ca.js';
import { bridgeMqtt5, sniffProtocolLevel } from './mqtt5-bridge.js';
import { attachShadowTopics } from './mqtt-shadows.js';
import { mayPublish, maySubscribe } from './mqtt-topics.js';
import type { ShadowStore } from './shadows.js';
import type { IotDirectory } from './types.js';

export interface IotBrokerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0 = any free port. */
  readonly port: number;
  readonly tls: { readonly caPem: string; readonly certPem: string; readonly keyPem: string };
  readonly directory: IotDirectory;
  readonly shadows: ShadowStore;
  readonly log: Logger;
  readonly clock?: Clock;
  /** How long a connection may take to send CONNECT after the TLS handshake (default 30 s). */
  readonly connectTimeoutMs?: number;
}

export interface IotBroker {
  readonly port: number;
  /** mqtts://host:port */
  readonly url: string;
  /** Deliver a message to subscribers (IoT data plane Publish); shadow request topics are served. */
  publish(message: IotPublishMessage): Promise<void>;
  /** Simulate an outage: stop listening and drop every connection (sessions are lost). */
  suspend(): Promise<void>;
  /** End an outage: listen again on the same port. */
  resume(): Promise<void>;
  readonly suspended: boolean;
  /** Watch messages on a topic filter from inside the sandbox (like the AWS console's MQTT test
   * client: not subject to device authorization). Resolves to an unsubscribe function. */
  observe(filter: string, onMessage: (topic: string, payload: Buffer) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

interface Session {
  readonly accountId: string;
  readonly region: string;
  readonly thingName: string;
}

const NOT_AUTHORIZED = 5;

function authError(message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: NOT_AUTHORIZED }) as AuthenticateError;
}

export async function startIotBroker(opts: IotBrokerOptions): Promise<IotBroker> {
  const log = opts.log.child({ component: 'iot-mqtt' });
  const host = opts.host ?? '127.0.0.1';
  const connectTimeoutMs = opts.connectTimeoutMs ?? 30_000;
  /** certificateId of each connection (keyed by the stream aedes handles). */
  const certificates = new WeakMap<Duplex, string>();
  const sessions = new WeakMap<Client, Session>();

  const aedes = await Aedes.createBroker({ heartbeatInterval: 3_600_000, connectTimeout: connectTimeoutMs });
  const servicePublish = (topic: string, payload: Record<string, unknown>): void =>
    aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(payload)), qos: 1, retain: false, dup: false }, (err) => {
      if (err) log.warn({ err, topic }, 'service publish failed');
    });
  const shadowTopics = attachShadowTopics({ shadows: opts.shadows, publish: servicePublish, ...(opts.clock ? { clock: opts.clock } : {}), log });

  aedes.authenticate = (client, _username, _password, done) => {
    const certificateId = certificates.get(client.conn);
    const cert = certificateId ? opts.directory.certificate(certificateId) : undefined;
    const refuse = (why: string): void => {
      log.info({ clientId: client.id, certificateId, why }, 'mqtt connection refused');
      done(authError(why), false);
    };
    if (!cert) return refuse('the client certificate is not registered with IoT (RegisterCertificate or CreateKeysAndCertificate)');
    if (cert.status !== 'ACTIVE') return refuse(`the client certificate is ${cert.status}, not ACTIVE (UpdateCertificate --new-status ACTIVE)`);
    const things = opts.directory.thingsForPrincipal(cert.accountId, cert.region, cert.certificateArn);
    if (!things.includes(client.id)) {
      return refuse(`client id '${client.id}' is not a thing attached to this certificate (AttachThingPrincipal); attached: ${things.join(', ') || 'none'}`);
    }
    sessions.set(client, { accountId: cert.accountId, region: cert.region, thingName: client.id });
    log.debug({ clientId: client.id, certificateId }, 'mqtt client connected');
    done(null, true);
  };
  aedes.authorizePublish = (client, packet, done) => {
    if (!client) return done(null);
    const session = sessions.get(client);
    if (session && mayPublish(session.thingName, packet.topic)) return done(null);
    log.info({ clientId: client.id, topic: packet.topic }, 'mqtt publish not authorized: disconnecting the MQTT 3.1.1 client');
    done(new Error(`not authorized to publish to ${packet.topic}`));
  };
  aedes.authorizeSubscribe = (client, sub, done) => {
    const session = sessions.get(client);
    if (session && maySubscribe(session.thingName, sub.topic)) return done(null, sub);
    log.info({ clientId: client.id, topic: sub.topic }, 'mqtt subscribe not authorized');
    done(null, null);
  };
  aedes.on('publish', (packet, client) => {
    const session = client ? sessions.get(client) : undefined;
    if (session) shadowTopics.handle(session.accountId, session.region, packet.topic, packet.payload as Buffer);
  });
  aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'mqtt client error'));
  aedes.on('connectionError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'mqtt connection error'));

  /** Read the start of CONNECT, then hand the socket to aedes (3.1/3.1.1) or the MQTT 5 bridge. */
  function accept(socket: TLSSocket): void {
    const der = socket.getPeerCertificate().raw;
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), connectTimeoutMs);
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) chunks.push(chunk);
      const head = Buffer.concat(chunks);
      const level = sniffProtocolLevel(head);
      if (level === 'incomplete') return;
      socket.off('readable', onReadable);
      clearTimeout(timer);
      if (level === 'invalid' || level < 3 || level > 5) {
        log.debug({ level }, 'not an MQTT connection');
        socket.destroy();
        return;
      }
      let stream: Duplex = socket;
      if (level === 5) stream = bridgeMqtt5(socket, head, { mayPublish, log });
      else socket.unshift(head);
      if (der) certificates.set(stream, certificateIdOfDer(der));
      aedes.handle(stream);
    };
    socket.on('readable', onReadable);
    socket.on('close', () => clearTimeout(timer));
    socket.on('error', (err) => log.debug({ err: err.message }, 'mqtt socket error'));
  }

  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = opts.port;

  async function listen(): Promise<void> {
    const s = createServer({ ca: opts.tls.caPem, cert: opts.tls.certPem, key: opts.tls.keyPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, accept);
    s.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    // Node reports a refused client certificate only as a reset; say what the usual causes are.
    s.on('tlsClientError', (err) =>
      log.info({ err: err.message }, 'mqtt TLS handshake refused: no client certificate, or one not issued by the sandbox IoT CA (use CreateKeysAndCertificate)'),
    );
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => {
        s.off('error', reject);
        resolve();
      });
    });
    port = (s.address() as { port: number }).port;
    server = s;
  }

  async function stopListening(): Promise<void> {
    const s = server;
    server = undefined;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  }

  await listen();
  const urlHost = host.includes(':') ? `[${host}]` : host;
  log.debug({ port }, 'iot mqtt broker listening');
  let closed = false;

  return {
    get port() {
      return port;
    },
    get url() {
      return `mqtts://${urlHost}:${port}`;
    },
    get suspended() {
      return server === undefined;
    },
    async publish(message) {
      shadowTopics.handle(message.accountId, message.region, message.topic, message.payload);
      await new Promise<void>((resolve, reject) =>
        aedes.publish({ cmd: 'publish', topic: message.topic, payload: message.payload, qos: message.qos, retain: message.retain, dup: false }, (err) => (err ? reject(err) : resolve())),
      );
    },
    async observe(filter, onMessage) {
      const deliver = (packet: { topic: string; payload: string | Buffer }, cb: () => void): void => {
        onMessage(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
        cb();
      };
      await new Promise<void>((resolve) => aedes.subscribe(filter, deliver, () => resolve()));
      return () => new Promise<void>((resolve) => aedes.unsubscribe(filter, deliver, () => resolve()));
    },
    async suspend() {
      await stopListening();
      log.info({ port }, 'iot mqtt broker suspended (simulated outage)');
    },
    async resume() {
      if (closed) throw new Error('the IoT MQTT broker is closed; start a new one');
      if (!server) await listen();
      log.info({ port }, 'iot mqtt broker resumed');
    },
    async close() {
      if (closed) return;
      closed = true;
      shadowTopics.detach();
      await stopListening();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
