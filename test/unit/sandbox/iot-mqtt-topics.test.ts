// The IoT broker's topic rules (pure): shadow topic parsing, the emulated thing-scoped policy, and
// the protocol-level sniffing that sends MQTT 5 clients through the bridge.
import t from 'tap';
import { generate } from 'mqtt-packet';
import { mayPublish, maySubscribe, parseShadowTopic, shadowTopicPrefix } from '../../../sandbox/iot/mqtt-topics.js';
import { sniffProtocolLevel } from '../../../sandbox/iot/mqtt5-bridge.js';

t.test('shadow topics', async (t) => {
  const cases: [string, ReturnType<typeof parseShadowTopic>][] = [
    ['$aws/things/rpi-01/shadow/update', { thingName: 'rpi-01', operation: 'update' }],
    ['$aws/things/rpi-01/shadow/get/accepted', { thingName: 'rpi-01', operation: 'get', result: 'accepted' }],
    ['$aws/things/rpi-01/shadow/update/delta', { thingName: 'rpi-01', operation: 'update', result: 'delta' }],
    ['$aws/things/rpi-01/shadow/name/cfg/delete', { thingName: 'rpi-01', shadowName: 'cfg', operation: 'delete' }],
    ['$aws/things/rpi-01/shadow/name/cfg/update/documents', { thingName: 'rpi-01', shadowName: 'cfg', operation: 'update', result: 'documents' }],
    ['$aws/things/rpi-01/shadow/get/delta', undefined],
    ['$aws/things/rpi-01/shadow/name/cfg', undefined],
    ['$aws/things/rpi-01/shadow/update/accepted/more', undefined],
    ['$aws/things/rpi-01/jobs/get', undefined],
    ['dt/rpi-01/shadow/update', undefined],
    ['$aws/things//shadow/update', undefined],
  ];
  for (const [topic, expected] of cases) t.same(parseShadowTopic(topic), expected, topic);
  t.equal(shadowTopicPrefix('a'), '$aws/things/a/shadow');
  t.equal(shadowTopicPrefix('a', 'b'), '$aws/things/a/shadow/name/b');
});

t.test('a device may use only its own thing topics', async (t) => {
  const publish: [string, boolean][] = [
    ['$aws/things/rpi-01/shadow/update', true],
    ['$aws/things/rpi-01/shadow/name/cfg/get', true],
    ['$aws/things/rpi-01/jobs/get', true],
    ['dt/rpi-01/health', true],
    ['cmd/rpi-01/reboot/response', true],
    ['dt/rpi-01', true],
    ['$aws/things/rpi-01/shadow/update/accepted', false],
    ['$aws/things/rpi-01/shadow/name/cfg/update/delta', false],
    ['$aws/things/rpi-02/shadow/update', false],
    ['dt/rpi-012/health', false],
    ['dt/other', false],
    ['telemetry/rpi-01', false],
  ];
  for (const [topic, ok] of publish) t.equal(mayPublish('rpi-01', topic), ok, `publish ${topic}`);
  const subscribe: [string, boolean][] = [
    ['$aws/things/rpi-01/shadow/update/accepted', true],
    ['$aws/things/rpi-01/shadow/#', true],
    ['dt/rpi-01/#', true],
    ['cmd/rpi-01/+', true],
    ['#', false],
    ['$aws/#', false],
    ['dt/+/health', false],
    ['$aws/things/+/shadow/update', false],
    ['dt/rpi-01+', false],
  ];
  for (const [filter, ok] of subscribe) t.equal(maySubscribe('rpi-01', filter), ok, `subscribe ${filter}`);
});

t.test('the protocol level of a CONNECT', async (t) => {
  const connect = (protocolVersion: 3 | 4 | 5): Buffer =>
    generate({ cmd: 'connect', clientId: 'rpi-01', protocolVersion, protocolId: protocolVersion === 3 ? 'MQIsdp' : 'MQTT', clean: true, keepalive: 30 });
  for (const v of [3, 4, 5] as const) {
    const buf = connect(v);
    t.equal(sniffProtocolLevel(buf), v, `MQTT level ${v}`);
    t.equal(sniffProtocolLevel(buf.subarray(0, 5)), 'incomplete', `level ${v}, cut short`);
  }
  t.equal(sniffProtocolLevel(Buffer.alloc(0)), 'incomplete');
  t.equal(sniffProtocolLevel(Buffer.from('GET / HTTP/1.1\r\n')), 'invalid', 'not MQTT');
  t.equal(sniffProtocolLevel(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01])), 'invalid', 'a remaining length over 4 bytes');
  t.equal(sniffProtocolLevel(Buffer.from([0x10, 0x0a, 0x00, 0x09])), 'invalid', 'an unknown protocol name length');
});
