// MQTT 5 in front of aedes (which speaks MQTT 3.1/3.1.1 only): the client's MQTT 5 packets are
// decoded, translated to 3.1.1 and handed to aedes through a Duplex; aedes's 3.1.1 packets are
// translated back (CONNACK/SUBACK/UNSUBACK reason codes, CONNACK properties). MQTT 5 extras the
// broker does not implement are dropped on the way in (message and subscription properties,
// subscription options); topic aliases are not offered (CONNACK has no Topic Alias Maximum).
// A publish the device may not make is answered with PUBACK/PUBREC reason 0x87 (Not authorized)
// instead of reaching aedes, as AWS IoT answers MQTT 5 clients.
import { Duplex } from 'node:stream';
import { generate, parser, type IConnectPacket, type Packet } from 'mqtt-packet';
import type { Logger } from '../../shared/log.js';

export interface Mqtt5BridgeOptions {
  /** May the client (its CONNECT clientId) publish to this topic? */
  readonly mayPublish: (clientId: string, topic: string) => boolean;
  readonly log: Logger;
}

/** MQTT 5 reason codes used here. */
export const REASON = {
  success: 0x00,
  unspecified: 0x80,
  malformed: 0x81,
  protocolError: 0x82,
  unsupportedVersion: 0x84,
  clientIdNotValid: 0x85,
  badCredentials: 0x86,
  notAuthorized: 0x87,
  serverUnavailable: 0x88,
  topicAliasInvalid: 0x94,
  withWill: 0x04,
} as const;

/** MQTT 3.1.1 CONNACK return code → MQTT 5 CONNACK reason code. */
const CONNACK_REASON: Readonly<Record<number, number>> = {
  0: REASON.success,
  1: REASON.unsupportedVersion,
  2: REASON.clientIdNotValid,
  3: REASON.serverUnavailable,
  4: REASON.badCredentials,
  5: REASON.notAuthorized,
};

/** What the broker supports, announced in CONNACK (AWS IoT Core: QoS 0/1, 128 KiB messages). */
export const MQTT5_CONNACK_PROPERTIES = {
  maximumQoS: 1,
  retainAvailable: true,
  maximumPacketSize: 149_504,
  wildcardSubscriptionAvailable: true,
  subscriptionIdentifiersAvailable: false,
  sharedSubscriptionAvailable: false,
} as const;

/**
 * The protocol level of the CONNECT at the start of `buf` (3, 4, 5), 'incomplete' when more bytes
 * are needed, or 'invalid' when the stream does not start with an MQTT CONNECT.
 */
export function sniffProtocolLevel(buf: Buffer): number | 'incomplete' | 'invalid' {
  if (buf.length === 0) return 'incomplete';
  if (buf[0] !== 0x10) return 'invalid';
  let pos = 1;
  for (let i = 0; ; i++) {
    if (pos >= buf.length) return 'incomplete';
    if (i === 4) return 'invalid';
    if ((buf[pos++]! & 0x80) === 0) break;
  }
  if (pos + 2 > buf.length) return 'incomplete';
  const nameLength = buf.readUInt16BE(pos);
  if (nameLength !== 4 && nameLength !== 6) return 'invalid';
  const levelAt = pos + 2 + nameLength;
  return levelAt >= buf.length ? 'incomplete' : buf[levelAt]! & 0x7f;
}

function toV4(packet: Packet): Packet | undefined {
  switch (packet.cmd) {
    case 'connect': {
      const { will } = packet;
      const out: IConnectPacket = {
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId: packet.clientId,
        clean: packet.clean ?? true,
        keepalive: packet.keepalive ?? 0,
        ...(packet.username !== undefined ? { username: packet.username } : {}),
        ...(packet.password !== undefined ? { password: packet.password } : {}),
        ...(will ? { will: { topic: will.topic, payload: will.payload, qos: will.qos ?? 0, retain: will.retain ?? false } } : {}),
      };
      return out;
    }
    case 'publish':
      return { cmd: 'publish', topic: packet.topic, payload: packet.payload, qos: packet.qos, retain: packet.retain, dup: packet.dup, ...(packet.qos > 0 ? { messageId: packet.messageId! } : {}) };
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return { cmd: packet.cmd, messageId: packet.messageId! };
    case 'subscribe':
      return { cmd: 'subscribe', messageId: packet.messageId!, subscriptions: packet.subscriptions.map((s) => ({ topic: s.topic, qos: s.qos })) };
    case 'unsubscribe':
      return { cmd: 'unsubscribe', messageId: packet.messageId!, unsubscriptions: packet.unsubscriptions };
    case 'pingreq':
      return { cmd: 'pingreq' };
    case 'disconnect':
      return { cmd: 'disconnect' };
    default:
      return undefined;
  }
}

/**
 * Wrap an MQTT 5 client connection: returns the MQTT 3.1.1 stream to give aedes.handle().
 * `initial` holds the bytes already read from `socket` (the sniffed start of CONNECT).
 */
export function bridgeMqtt5(socket: Duplex, initial: Buffer, opts: Mqtt5BridgeOptions): Duplex {
  const fromClient = parser({ protocolVersion: 5 });
  const fromBroker = parser({ protocolVersion: 4 });
  const unsubscribeCounts = new Map<number, number>();
  let clientId = '';

  const toClient = (packet: Packet): void => {
    if (!socket.destroyed) socket.write(generate(packet, { protocolVersion: 5 }));
  };
  const refuse = (reasonCode: number, why: string): void => {
    opts.log.debug({ clientId, reasonCode, why }, 'mqtt5 connection refused');
    toClient({ cmd: 'disconnect', reasonCode });
    socket.end();
  };

  const inner = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      fromBroker.parse(chunk);
      callback();
    },
    final(callback) {
      socket.end();
      callback();
    },
    destroy(err, callback) {
      socket.destroy();
      callback(err);
    },
  });
  const toBroker = (packet: Packet): void => {
    if (!inner.push(generate(packet, { protocolVersion: 4 }))) socket.pause();
  };

  const fromClientPacket = (packet: Packet): void => {
    switch (packet.cmd) {
      case 'connect':
        clientId = packet.clientId;
        break;
      case 'publish':
        if (packet.properties?.topicAlias !== undefined) return refuse(REASON.topicAliasInvalid, 'topic alias without a Topic Alias Maximum');
        if (!opts.mayPublish(clientId, packet.topic)) {
          opts.log.debug({ clientId, topic: packet.topic }, 'mqtt5 publish not authorized');
          if (packet.qos === 1) toClient({ cmd: 'puback', messageId: packet.messageId!, reasonCode: REASON.notAuthorized });
          if (packet.qos === 2) toClient({ cmd: 'pubrec', messageId: packet.messageId!, reasonCode: REASON.notAuthorized });
          return;
        }
        break;
      case 'unsubscribe':
        unsubscribeCounts.set(packet.messageId!, packet.unsubscriptions.length);
        break;
      case 'disconnect':
        // "Disconnect with Will Message": close without DISCONNECT so aedes publishes the will.
        if (packet.reasonCode === REASON.withWill) return void socket.end();
        break;
      case 'auth':
        return refuse(REASON.protocolError, 'AUTH (enhanced authentication) is not supported');
    }
    const v4 = toV4(packet);
    if (v4) toBroker(v4);
  };

  const fromBrokerPacket = (packet: Packet): void => {
    switch (packet.cmd) {
      case 'connack': {
        const reasonCode = CONNACK_REASON[packet.returnCode ?? 0] ?? REASON.unspecified;
        toClient({ cmd: 'connack', sessionPresent: packet.sessionPresent, reasonCode, ...(reasonCode === 0 ? { properties: { ...MQTT5_CONNACK_PROPERTIES } } : {}) });
        return;
      }
      case 'suback':
        toClient({ cmd: 'suback', messageId: packet.messageId!, granted: (packet.granted as number[]).map((g) => (g === 0x80 ? REASON.notAuthorized : g)) });
        return;
      case 'unsuback': {
        const count = unsubscribeCounts.get(packet.messageId!) ?? 1;
        unsubscribeCounts.delete(packet.messageId!);
        toClient({ cmd: 'unsuback', messageId: packet.messageId!, granted: new Array<number>(count).fill(REASON.success) });
        return;
      }
      case 'publish':
        toClient({ cmd: 'publish', topic: packet.topic, payload: packet.payload, qos: packet.qos, retain: packet.retain, dup: packet.dup, ...(packet.qos > 0 ? { messageId: packet.messageId! } : {}) });
        return;
      case 'puback':
      case 'pubrec':
      case 'pubrel':
      case 'pubcomp':
        toClient({ cmd: packet.cmd, messageId: packet.messageId! });
        return;
      case 'pingresp':
        toClient({ cmd: 'pingresp' });
        return;
      default:
        return;
    }
  };

  // mqtt-packet's generate() throws on a packet it cannot encode (e.g. an invalid topic).
  fromClient.on('packet', (packet: Packet) => {
    try {
      fromClientPacket(packet);
    } catch (err) {
      refuse(REASON.malformed, (err as Error).message);
    }
  });
  fromBroker.on('packet', (packet: Packet) => {
    try {
      fromBrokerPacket(packet);
    } catch (err) {
      opts.log.warn({ clientId, err }, 'cannot translate a broker packet to MQTT 5');
      inner.destroy(err as Error);
    }
  });
  fromClient.on('error', (err: Error) => {
    opts.log.debug({ clientId, err: err.message }, 'malformed MQTT 5 packet');
    refuse(REASON.malformed, err.message);
  });
  fromBroker.on('error', (err: Error) => inner.destroy(err));
  socket.on('data', (data: Buffer) => fromClient.parse(data));
  socket.on('end', () => inner.push(null));
  socket.on('close', () => inner.destroy());
  socket.on('error', (err: Error) => inner.destroy(err));
  fromClient.parse(initial);
  return inner;
}
