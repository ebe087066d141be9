// The sandbox's IoT MQTT broker (mutual TLS, aedes + an MQTT 5 bridge) against startSandbox, with
// devices provisioned through the real @aws-sdk/client-iot: MQTT.js (3.1.1 and 5) and
// aws-iot-device-sdk-v2's Mqtt5Client; shadow topics consistent with the HTTPS data plane;
// refusals (no/foreign/inactive certificate, client id not attached, other things' topics); outage.
import t from 'tap';
import { UpdateCertificateCommand } from '@aws-sdk/client-iot';
import { GetThingShadowCommand, IoTDataPlaneClient, PublishCommand, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { iot as iotSdk, mqtt5 } from 'aws-iot-device-sdk-v2';
import { createIotCa } from '../../../sandbox/iot/iot-ca.js';
import { createLogger } from '../../../shared/log.js';
import { provisionDevice, sdkCredentials, startIotSandbox } from './iot-harness.js';
import { brokerAddress, closed, connectDevice, mqttOptions, refusal } from './iot-mqtt-harness.js';

// aws-crt's MQTT5 client keeps the process alive ~8 s after close (aws-crt-nodejs#600).
t.teardown(() => setTimeout(() => process.exit(), 50));

// One sandbox for the file (each test uses its own things); its log is kept to see why the broker refused.
const lines: string[] = [];
const { sb, iot } = await startIotSandbox(t, { log: createLogger({ name: 'sandbox', level: 'info', destination: { write: (line: string) => void lines.push(line) } }) });
const data = new IoTDataPlaneClient({ endpoint: sb.url, region: sb.region, credentials: sdkCredentials(sb.root), maxAttempts: 1 });
t.teardown(() => data.destroy());
const decode = (payload: Uint8Array | undefined): Record<string, unknown> => JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>;
const json = (doc: unknown): Buffer => Buffer.from(JSON.stringify(doc));
const RESPONSES = ['update/accepted', 'update/rejected', 'update/documents', 'update/delta', 'get/accepted', 'get/rejected', 'delete/accepted', 'delete/rejected'];

for (const protocolVersion of [4, 5] as const) {
  t.test(`MQTT ${protocolVersion === 4 ? '3.1.1' : '5'} (MQTT.js): shadow topics and HTTPS agree`, async (t) => {
    const thing = `rpi-v${protocolVersion}`;
    const device = await provisionDevice(iot, thing);
    const { client, inbox } = await connectDevice(mqttOptions(sb, device, thing, protocolVersion));
    t.teardown(() => client.endAsync(true));
    const prefix = `$aws/things/${thing}/shadow`;
    const granted = await client.subscribeAsync([...RESPONSES.map((r) => `${prefix}/${r}`), ...RESPONSES.map((r) => `${prefix}/name/cfg/${r}`), `cmd/${thing}/#`], { qos: 1 });
    t.same(
      granted.map((g) => g.qos),
      granted.map(() => 1),
      'its own shadow and command topics are granted',
    );

    // MQTT → HTTPS
    await client.publishAsync(`${prefix}/update`, JSON.stringify({ state: { reported: { fw: '1.0.0' } }, clientToken: 'm1' }), { qos: 1 });
    t.match(await inbox.next(`${prefix}/update/accepted`, (d) => d['clientToken'] === 'm1'), { state: { reported: { fw: '1.0.0' } }, version: 1 });
    t.match(decode((await data.send(new GetThingShadowCommand({ thingName: thing }))).payload), { state: { reported: { fw: '1.0.0' } }, version: 1 }, 'HTTPS sees the MQTT update');

    // HTTPS → MQTT
    await data.send(new UpdateThingShadowCommand({ thingName: thing, payload: json({ state: { desired: { fw: '1.1.0' } }, clientToken: 'h1' }) }));
    t.match(await inbox.next(`${prefix}/update/accepted`, (d) => d['clientToken'] === 'h1'), { state: { desired: { fw: '1.1.0' } }, version: 2 });
    t.match(await inbox.next(`${prefix}/update/documents`, (d) => d['clientToken'] === 'h1'), { previous: { version: 1 }, current: { version: 2, state: { desired: { fw: '1.1.0' }, reported: { fw: '1.0.0' } } } });
    t.match(await inbox.next(`${prefix}/update/delta`, (d) => d['version'] === 2), { state: { fw: '1.1.0' } }, 'the device is told what to change');

    await client.publishAsync(`${prefix}/update`, JSON.stringify({ state: { reported: { fw: 'x' } }, version: 1, clientToken: 'stale' }), { qos: 1 });
    t.match(await inbox.next(`${prefix}/update/rejected`), { code: 409, message: 'Version conflict', clientToken: 'stale' });
    await client.publishAsync(`${prefix}/update`, '{not json', { qos: 1 });
    t.match(await inbox.next(`${prefix}/update/rejected`, (d) => d['code'] === 400), { message: 'Invalid JSON' });
    await client.publishAsync(`${prefix}/get`, JSON.stringify({ clientToken: 'g1' }), { qos: 1 });
    t.match(await inbox.next(`${prefix}/get/accepted`), { state: { delta: { fw: '1.1.0' } }, version: 2, clientToken: 'g1' });

    // named shadow
    await client.publishAsync(`${prefix}/name/cfg/update`, JSON.stringify({ state: { reported: { interval: 30 } } }), { qos: 1 });
    t.match(await inbox.next(`${prefix}/name/cfg/update/accepted`), { version: 1 });
    t.match(decode((await data.send(new GetThingShadowCommand({ thingName: thing, shadowName: 'cfg' }))).payload), { state: { reported: { interval: 30 } } });
    await client.publishAsync(`${prefix}/name/cfg/delete`, '', { qos: 1 });
    t.match(await inbox.next(`${prefix}/name/cfg/delete/accepted`), { version: 1 });
    await client.publishAsync(`${prefix}/name/cfg/get`, '', { qos: 1 });
    t.match(await inbox.next(`${prefix}/name/cfg/get/rejected`), { code: 404, message: "No shadow exists with name: 'cfg'" });

    // HTTPS Publish reaches MQTT subscribers
    await data.send(new PublishCommand({ topic: `cmd/${thing}/reboot`, qos: 1, payload: json({ now: true }) }));
    t.same(await inbox.next(`cmd/${thing}/reboot`), { now: true });
    await data.send(new PublishCommand({ topic: `${prefix}/update`, qos: 1, payload: json({ state: { reported: { via: 'publish' } }, clientToken: 'p1' }) }));
    t.match(await inbox.next(`${prefix}/update/accepted`, (d) => d['clientToken'] === 'p1'), { state: { reported: { via: 'publish' } } }, 'a shadow request sent with Publish is served');

    // another thing's topics
    const refused = await client.subscribeAsync('dt/other-thing/#', { qos: 1 }).then(
      (g) => g.map((x) => x.qos),
      (e: { packet?: { granted?: number[] } }) => e.packet?.granted,
    );
    t.same(refused, [protocolVersion === 4 ? 128 : 135], 'SUBACK refuses a filter on another thing');
    if (protocolVersion === 5) {
      await t.rejects(client.publishAsync('dt/other-thing/x', 'x', { qos: 1 }), { message: /Not authorized/ }, 'PUBACK 135');
      await t.rejects(client.publishAsync(`${prefix}/update/accepted`, '{}', { qos: 1 }), { message: /Not authorized/ }, 'service response topics are not for devices');
      t.ok(client.connected, 'an MQTT 5 client stays connected');
    } else {
      const gone = closed(client);
      client.publish('dt/other-thing/x', 'x', { qos: 1 });
      await gone;
      t.pass('an MQTT 3.1.1 client is disconnected (3.1.1 has no PUBACK failure code)');
    }
  });
}

t.test('connections are refused without a valid, active, attached certificate', async (t) => {
  lines.length = 0;
  const brokerSaid = async (pattern: RegExp): Promise<string> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const i = lines.findIndex((l) => pattern.test(l));
      if (i >= 0) return lines.splice(i, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`the broker did not log ${pattern}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const device = await provisionDevice(iot, 'rpi-ok');
  const unattached = await provisionDevice(iot, 'rpi-unattached', { attach: false });
  const foreign = await (await createIotCa()).issueDeviceCertificate();

  t.match(await refusal(mqttOptions(sb, undefined, 'rpi-ok', 4)), /CERTIFICATE_REQUIRED|certificate|closed/i, 'no client certificate');
  t.ok(await brokerSaid(/TLS handshake refused/), 'the broker refused the handshake: no certificate');
  await refusal(mqttOptions(sb, foreign, 'rpi-ok', 5));
  t.ok(await brokerSaid(/TLS handshake refused/), 'the broker refused the handshake: a certificate from a foreign CA');
  t.notOk(lines.some((l) => /mqtt connection refused/.test(l)), 'neither reached MQTT');
  for (const v of [4, 5] as const) {
    t.match(await refusal(mqttOptions(sb, device, 'rpi-unattached', v)), v === 4 ? /^5 / : /^135 /, `v${v}: client id not attached to the certificate (CONNACK not authorized)`);
    t.match(await brokerSaid(/mqtt connection refused/), /is not a thing attached to this certificate/);
    t.match(await refusal(mqttOptions(sb, unattached, 'rpi-unattached', v)), v === 4 ? /^5 / : /^135 /, `v${v}: certificate attached to no thing`);
    t.match(await brokerSaid(/mqtt connection refused/), /attached: none/);
  }
  await iot.send(new UpdateCertificateCommand({ certificateId: device.certificateId, newStatus: 'INACTIVE' }));
  t.match(await refusal(mqttOptions(sb, device, 'rpi-ok', 5)), /^135 /, 'an INACTIVE certificate');
  t.match(await brokerSaid(/mqtt connection refused/), /INACTIVE, not ACTIVE/);
  await iot.send(new UpdateCertificateCommand({ certificateId: device.certificateId, newStatus: 'ACTIVE' }));
  const { client } = await connectDevice(mqttOptions(sb, device, 'rpi-ok', 5));
  t.ok(client.connected, 'connects again once ACTIVE');
  await client.endAsync();
});

t.test('aws-iot-device-sdk-v2 Mqtt5Client: connect, shadow both ways, refusals', async (t) => {
  const device = await provisionDevice(iot, 'rpi-crt');
  const { host, port } = brokerAddress(sb);
  const config = iotSdk.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromMemory(host, device.certificatePem, device.privateKeyPem)
    .withCertificateAuthority(sb.iot.caPem)
    .withPort(port)
    .withConnectProperties({ clientId: 'rpi-crt', keepAliveIntervalSeconds: 30 })
    .build();
  const client = new mqtt5.Mqtt5Client({ ...config, disableMetrics: true });
  const received: { topic: string; doc: Record<string, unknown> }[] = [];
  client.on('messageReceived', (e) => received.push({ topic: e.message.topicName, doc: JSON.parse(Buffer.from(e.message.payload as ArrayBuffer).toString('utf8')) as Record<string, unknown> }));
  const connack = await new Promise<mqtt5.ConnackPacket>((resolve, reject) => {
    client.on('connectionSuccess', (e) => resolve(e.connack));
    client.on('connectionFailure', (e) => reject(e.error));
    client.start();
  });
  t.teardown(() => {
    client.stop();
    client.close();
  });
  t.equal(connack.reasonCode, 0);
  t.equal(connack.maximumQos, 1, 'CONNACK announces QoS 1 as AWS IoT does');
  const prefix = '$aws/things/rpi-crt/shadow';
  const suback = await client.subscribe({ subscriptions: [{ topicFilter: `${prefix}/update/delta`, qos: mqtt5.QoS.AtLeastOnce }, { topicFilter: 'dt/rpi-other/#', qos: mqtt5.QoS.AtLeastOnce }] });
  t.same(suback.reasonCodes, [1, 135], 'its own topic granted at QoS 1, another thing refused (Not authorized)');

  const puback = await client.publish({ topicName: `${prefix}/update`, qos: mqtt5.QoS.AtLeastOnce, payload: JSON.stringify({ state: { reported: { led: 'off' } } }) });
  t.equal(puback?.reasonCode, 0);
  const shadow = await (async () => {
    for (;;) {
      const got = await data.send(new GetThingShadowCommand({ thingName: 'rpi-crt' })).catch(() => undefined);
      if (got) return decode(got.payload);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  t.match(shadow, { state: { reported: { led: 'off' } }, version: 1 }, 'HTTPS sees the MQTT 5 update');

  await data.send(new UpdateThingShadowCommand({ thingName: 'rpi-crt', payload: json({ state: { desired: { led: 'on' } } }) }));
  const deadline = Date.now() + 30_000;
  while (!received.some((m) => m.topic === `${prefix}/update/delta`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.match(received.find((m) => m.topic === `${prefix}/update/delta`)?.doc, { state: { led: 'on' }, version: 2 }, 'the delta reaches the MQTT 5 device');

  const denied = await client.publish({ topicName: 'dt/rpi-other/health', qos: mqtt5.QoS.AtLeastOnce, payload: '{}' });
  t.equal(denied?.reasonCode, 135, 'PUBACK Not authorized for another thing');
});

t.test('outage: suspend() drops clients and refuses connects, resume() serves the same port again', async (t) => {
  const device = await provisionDevice(iot, 'rpi-outage');
  const opts = mqttOptions(sb, device, 'rpi-outage', 5);
  const { client } = await connectDevice(opts);
  const port = sb.iot.broker.port;
  const gone = closed(client);
  await sb.iot.broker.suspend();
  await gone;
  t.ok(sb.iot.broker.suspended);
  t.match(await refusal(opts), /ECONNREFUSED|closed/, 'nothing listens during the outage');
  await sb.iot.broker.resume();
  t.equal(sb.iot.broker.port, port, 'the same port');
  const again = await connectDevice(opts);
  await again.client.subscribeAsync('dt/rpi-outage/#', { qos: 1 });
  await again.client.publishAsync('dt/rpi-outage/health', '{"cpu":1}', { qos: 1 });
  t.same(await again.inbox.next('dt/rpi-outage/health'), { cpu: 1 }, 'publish/subscribe work after the outage');
  await again.client.endAsync();
  await client.endAsync(true);
});
