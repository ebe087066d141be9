// Telemetry across a broker outage and an agent restart (the sandbox broker's suspend/resume on the
// same port), and a device whose certificate the broker refuses.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIotCa } from '../../../sandbox/iot/iot-ca.js';
import { buildTelemetry, captureLog, deviceWithFiles, exitAfterTests, iotSectionYaml, readShadow, startIotSandbox, steeredHealth, waitFor, writeDeviceFiles } from './telemetry-harness.js';

exitAfterTests(t);

const delivered = (lines: Record<string, unknown>[]): number[] => lines.filter((l) => l['msg'] === 'telemetry message delivered').map((l) => l['seq'] as number);
/** The pending messages as the spool file has them (adds not followed by a remove). */
function spooled(rootDir: string): { seq: number; kind: string; payload: string }[] {
  const pending = new Map<number, { seq: number; kind: string; payload: string }>();
  for (const line of readFileSync(join(rootDir, 'telemetry', 'spool.ndjson'), 'utf8').split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as { add?: { seq: number; kind: string; payload: string }; remove?: number };
    if (r.add) pending.set(r.add.seq, r.add);
    if (r.remove !== undefined) pending.delete(r.remove);
  }
  return [...pending.values()];
}

t.test('messages spooled during an outage and across a restart are sent in order when the broker is back', async (t) => {
  const dir = t.testdir();
  const { sb, iot } = await startIotSandbox(t);
  const { files } = await deviceWithFiles(iot, sb, dir, 'rpi-01');
  const health = steeredHealth();
  const rootDir = join(dir, 'root');
  const yaml = iotSectionYaml(sb, 'rpi-01', files);
  const first = await buildTelemetry({ sb, rootDir, yaml, log: captureLog().log, sampleHealth: health.sample });
  await first.start();
  await waitFor('the first report', () => first.stats().delivered === 1 && first.stats().shadowUpdates === 1);

  await sb.iot.broker.suspend();
  await waitFor('the disconnection', () => !first.stats().connected);
  for (let i = 0; i < 4; i++) {
    health.set([{ name: 'cpu_temperature', status: 'ok', value: 50 + i, unit: '°C' }]);
    await first.tick();
  }
  t.equal(first.stats().pending, 5, 'four telemetry messages and one (coalesced) shadow report spooled');
  await first.stop();
  t.same(
    spooled(rootDir)
      .map((e) => e.kind)
      .sort(),
    ['shadow', 'telemetry', 'telemetry', 'telemetry', 'telemetry'],
    'the spool file holds them for the next start',
  );

  // the agent restarts while the broker is still down, and samples twice more
  const { log, lines } = captureLog();
  const second = await buildTelemetry({ sb, rootDir, yaml, log, sampleHealth: health.sample });
  t.teardown(() => second.stop());
  await second.start();
  await second.idle(); // the sample taken at start
  t.equal(second.stats().pending, 6, 'the spooled messages were loaded (the start sample added one, the shadow report coalesced)');
  health.set([{ name: 'cpu_temperature', status: 'warn', value: 81, unit: '°C', reason: 'above 80' }], 'degraded');
  await second.tick();
  const before = spooled(rootDir).filter((e) => e.kind === 'telemetry').map((e) => e.seq);
  t.equal(before.length, 6, 'six telemetry messages wait');
  t.same([...before].sort((a, b) => a - b), before, 'in the order they were sampled');
  const waiting = spooled(rootDir).filter((e) => e.kind === 'telemetry').map((e) => e.payload);

  // what the broker receives on dt/rpi-01/health, watched from inside the sandbox
  const received: string[] = [];
  const unobserve = await sb.iot.broker.observe('dt/rpi-01/health', (_topic, payload) => received.push(payload.toString()));
  await sb.iot.broker.resume();
  await waitFor('the spool to drain', () => second.stats().pending === 0);
  await waitFor('the broker to have all six', () => received.length >= 6);
  await unobserve();
  t.same(delivered(lines), before, 'delivered in the order they were sampled, none lost');
  t.same(received, waiting, 'the broker received exactly the spooled messages, in order, each once');
  const shadow = await readShadow(sb, 'rpi-01');
  t.same(shadow.reported['health'], { verdict: 'degraded', checks: { cpu_temperature: { status: 'warn', value: 81, unit: '°C', reason: 'above 80' } } }, 'the shadow has the latest state');
  t.equal(second.stats().dropped, 0);
});

t.test('over the spool bound the oldest messages are dropped, counted and logged', async (t) => {
  const dir = t.testdir();
  const { sb, iot } = await startIotSandbox(t);
  const { files } = await deviceWithFiles(iot, sb, dir, 'rpi-03');
  await sb.iot.broker.suspend();
  const { log, lines } = captureLog();
  const telemetry = await buildTelemetry({ sb, rootDir: join(dir, 'root'), yaml: iotSectionYaml(sb, 'rpi-03', files, { spool_max_messages: 3 }), log, sampleHealth: steeredHealth().sample });
  t.teardown(() => telemetry.stop());
  await telemetry.start();
  for (let i = 0; i < 4; i++) await telemetry.tick();
  t.equal(telemetry.stats().pending, 3, 'the bound holds');
  t.ok(telemetry.stats().dropped >= 2, `drops are counted (${telemetry.stats().dropped})`);
  t.ok(lines.some((l) => l['msg'] === 'telemetry spool full: oldest messages dropped'), 'and logged');
  await sb.iot.broker.resume();
  await waitFor('the spool to drain', () => telemetry.stats().pending === 0);
});

t.test('a certificate the broker does not trust is refused; the agent keeps its messages and does not fail', async (t) => {
  const dir = t.testdir();
  const { sb, iot } = await startIotSandbox(t);
  await deviceWithFiles(iot, sb, dir, 'rpi-02');
  const foreign = await (await createIotCa()).issueDeviceCertificate();
  const files = writeDeviceFiles(dir, sb, { certificatePem: foreign.certificatePem, privateKeyPem: foreign.privateKeyPem });
  const { log, lines } = captureLog();
  const telemetry = await buildTelemetry({ sb, rootDir: join(dir, 'root'), yaml: iotSectionYaml(sb, 'rpi-02', files), log, sampleHealth: steeredHealth().sample });
  t.teardown(() => telemetry.stop());
  await telemetry.start();
  await waitFor('a refused connection', () => lines.some((l) => l['msg'] === 'mqtt connection failed; retrying with back-off'));
  await telemetry.tick();
  t.equal(telemetry.stats().connected, false);
  t.equal(telemetry.stats().delivered, 0);
  t.ok(telemetry.stats().pending >= 2, 'the messages stay spooled');
  const failure = lines.find((l) => l['msg'] === 'mqtt connection failed; retrying with back-off');
  t.match(JSON.stringify(failure), /TLS|SOCKET|CLOSED|ERROR/i, 'the failure names the transport error');
});
