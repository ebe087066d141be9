// An agent without IoT never loads aws-iot-device-sdk-v2 / aws-crt (memory; no prebuilt binary on
// 32-bit ARM): the daemon's whole module graph is imported in a child process and the CommonJS
// module cache is inspected; then the telemetry client is created and the SDK shows up.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../../helpers/cli.js';

const probe = `
const { createRequire } = await import('node:module');
const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((k) => /node_modules\\/(aws-crt|aws-iot-device-sdk-v2)\\//.test(k)).length;
await import(${JSON.stringify(pathToFileURL(join(PROJECT_ROOT, 'agent', 'daemon.ts')).href)});
await import(${JSON.stringify(pathToFileURL(join(PROJECT_ROOT, 'agent', 'telemetry', 'telemetry-from-config.ts')).href)});
const before = loaded();
const { createIotMqttConnection } = await import(${JSON.stringify(pathToFileURL(join(PROJECT_ROOT, 'agent', 'telemetry', 'mqtt-connection.ts')).href)});
const { silentLogger } = await import(${JSON.stringify(pathToFileURL(join(PROJECT_ROOT, 'shared', 'log.ts')).href)});
const c = await createIotMqttConnection({ endpoint: { host: '127.0.0.1', port: 1 }, clientId: 'x', certificate: { certPem: process.env.CERT, keyPem: process.env.KEY }, keepAliveSeconds: 60, reconnectMinMs: 1000, reconnectMaxMs: 2000, ackTimeoutSeconds: 5 }, silentLogger());
const after = loaded();
await c.close();
console.log(JSON.stringify({ before, after }));
process.exit(0);
`;

t.test('aws-crt is loaded only when the telemetry client is created', async (t) => {
  const { createIotCa } = await import('../../../sandbox/iot/iot-ca.js');
  const device = await (await createIotCa()).issueDeviceCertificate();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CERT: device.certificatePem, KEY: device.privateKeyPem },
    encoding: 'utf8',
    timeout: 120_000,
  });
  t.equal(r.status, 0, r.stderr);
  const { before, after } = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { before: number; after: number };
  t.equal(before, 0, 'the daemon and the telemetry wiring load no IoT SDK module');
  t.ok(after > 0, `creating the MQTT client loads it (${after} modules)`);
});
