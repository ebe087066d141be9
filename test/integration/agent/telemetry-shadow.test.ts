// IoT telemetry end-to-end against the sandbox: the real MQTT5 client (aws-iot-device-sdk-v2) over
// mutual TLS to the sandbox broker; the device shadow read back over HTTPS.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UpdateThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { buildReportedState } from '../../../agent/telemetry/shadow-reporter.js';
import { AGENT_VERSION } from '../../../agent/version.js';
import { buildTelemetry, captureLog, deviceWithFiles, exitAfterTests, iotSectionYaml, readShadow, startIotSandbox, steeredHealth, waitFor } from './telemetry-harness.js';

exitAfterTests(t);

t.test('the shadow gets the full state first, then only what changed; a version conflict is resolved', async (t) => {
  const dir = t.testdir();
  const { sb, iot } = await startIotSandbox(t);
  const { files } = await deviceWithFiles(iot, sb, dir, 'rpi-01');
  const { log, lines } = captureLog();
  const health = steeredHealth();
  const rootDir = join(dir, 'root');
  const telemetry = await buildTelemetry({ sb, rootDir, yaml: iotSectionYaml(sb, 'rpi-01', files), log, sampleHealth: health.sample });
  t.teardown(() => telemetry.stop());
  await telemetry.start();
  await waitFor('the first report', () => telemetry.stats().shadowUpdates === 1 && telemetry.stats().delivered === 1);

  const expected = buildReportedState({
    agentVersion: AGENT_VERSION,
    identity: { thingName: 'rpi-01', mode: 'iam-user', hostIdentifier: 'arn:aws:iam::111111111111:user/rpi' },
    health: await health.sample(),
  });
  let shadow = await readShadow(sb, 'rpi-01');
  t.same(shadow.reported, expected, 'the full reported state, readable over HTTPS');
  t.same(shadow.reported['health'], { verdict: 'healthy', checks: { cpu_temperature: { status: 'ok', value: 48.2, unit: '°C' } } });
  t.equal(telemetry.stats().connected, true);
  const stored = JSON.parse(readFileSync(join(rootDir, 'telemetry', 'shadow-reported.json'), 'utf8')) as { reported: unknown; version: number };
  t.same(stored, { reported: expected, version: shadow.version }, 'the accepted state and version are kept on disk');

  // nothing changed (the reading moved by less than the reported precision): no shadow update
  health.set([{ name: 'cpu_temperature', status: 'ok', value: 48.24, unit: '°C' }]);
  await telemetry.tick();
  await telemetry.idle();
  t.equal(telemetry.stats().shadowUpdates, 1, 'no update when the reported state is unchanged');
  t.equal(telemetry.stats().delivered, 2, 'the telemetry message is sent every sample');
  t.equal((await readShadow(sb, 'rpi-01')).version, shadow.version);

  // one check fails, another appears: the update holds only those
  health.set(
    [
      { name: 'cpu_temperature', status: 'fail', value: 86, unit: '°C', reason: 'above 85' },
      { name: 'disk_free', status: 'ok', value: 71.5, unit: '%' },
    ],
    'unhealthy',
  );
  await telemetry.tick();
  await waitFor('the second shadow update', () => telemetry.stats().shadowUpdates === 2);
  shadow = await readShadow(sb, 'rpi-01');
  t.same(shadow.reported['health'], {
    verdict: 'unhealthy',
    checks: { cpu_temperature: { status: 'fail', value: 86, unit: '°C', reason: 'above 85' }, disk_free: { status: 'ok', value: 71.5, unit: '%' } },
  });

  // a check disappears: its key is removed from the shadow (sent as null)
  health.set([{ name: 'disk_free', status: 'ok', value: 71.5, unit: '%' }]);
  await telemetry.tick();
  await waitFor('the third shadow update', () => telemetry.stats().shadowUpdates === 3);
  shadow = await readShadow(sb, 'rpi-01');
  t.same(shadow.reported['health'], { verdict: 'healthy', checks: { disk_free: { status: 'ok', value: 71.5, unit: '%' } } });

  // someone else writes the reported state: the agent's next update has a stale version (409),
  // re-reads the shadow and sends the delta against what is there now
  const data = new IoTDataPlaneClient({ endpoint: sb.url, region: sb.region, credentials: { accessKeyId: sb.root.accessKeyId, secretAccessKey: sb.root.secretAccessKey }, maxAttempts: 1 });
  await data.send(new UpdateThingShadowCommand({ thingName: 'rpi-01', payload: Buffer.from(JSON.stringify({ state: { reported: { stray: 1, agent: { version: '0.0.0' } } } })) }));
  health.set([{ name: 'disk_free', status: 'warn', value: 9.5, unit: '%' }], 'degraded');
  await telemetry.tick();
  await waitFor('the update after the conflict', () => telemetry.stats().shadowUpdates === 4);
  shadow = await readShadow(sb, 'rpi-01');
  t.notOk('stray' in shadow.reported, 'a key the agent does not report is removed');
  t.same(shadow.reported['agent'], { version: AGENT_VERSION }, 'a key someone overwrote is reported again');
  t.same(shadow.reported['health'], { verdict: 'degraded', checks: { disk_free: { status: 'warn', value: 9.5, unit: '%' } } });
  t.ok(lines.some((l) => l['msg'] === 'shadow version conflict: re-read the shadow'), 'the conflict is logged');
  t.equal(telemetry.stats().pending, 0, 'nothing left in the spool');
});

t.test('a restart knows what the shadow holds: it sends nothing when nothing changed', async (t) => {
  const dir = t.testdir();
  const { sb, iot } = await startIotSandbox(t);
  const { files } = await deviceWithFiles(iot, sb, dir, 'rpi-02');
  const health = steeredHealth();
  const rootDir = join(dir, 'root');
  const yaml = iotSectionYaml(sb, 'rpi-02', files);
  const first = await buildTelemetry({ sb, rootDir, yaml, log: captureLog().log, sampleHealth: health.sample });
  await first.start();
  await waitFor('the first report', () => first.stats().shadowUpdates === 1);
  await first.stop();
  const { version } = await readShadow(sb, 'rpi-02');

  const second = await buildTelemetry({ sb, rootDir, yaml, log: captureLog().log, sampleHealth: health.sample });
  t.teardown(() => second.stop());
  await second.start();
  await waitFor('the first sample after the restart', () => second.stats().delivered === 1);
  await second.idle();
  t.equal(second.stats().shadowUpdates, 0, 'no shadow update: the state is the one accepted before the restart');
  t.equal((await readShadow(sb, 'rpi-02')).version, version);
});
