// fleetctl in a pipeline container installed with `npm install --omit=optional`: the device-side
// packages (aws-iot-device-sdk-v2 with its native aws-crt, onoff) are absent there. The hook that
// makes them unresolvable (test/helpers/block-device-modules.mjs, which the pipeline examples' tests
// run fleetctl under) does block them, for import and require alike; under it `fleetctl --version`
// and `rollout plan` against the sandbox work and load no file of those packages; and the agent,
// for which the IoT SDK is optional, reports IOT_SDK_UNAVAILABLE instead of crashing.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { PROJECT_ROOT, TSX_IMPORT } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { BLOCK_DEVICE_MODULES, checkout, run, startPipelineEstate } from './pipeline-fixture.js';

t.setTimeout(120_000);

const RECORDER = join(PROJECT_ROOT, 'test', 'helpers', 'module-recorder.mjs');
const DEVICE_PACKAGE = /\/node_modules\/(aws-crt|aws-iot-device-sdk-v2|onoff)\//;
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const node = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--import', BLOCK_DEVICE_MODULES, ...args], PROJECT_ROOT, { PATH: process.env['PATH'] ?? '', ...env }, 60_000);

t.test('the hook makes the device-side packages unresolvable, for import and require', async (t) => {
  const esm = await node(['--input-type=module', '-e', "await import('aws-iot-device-sdk-v2')"]);
  t.not(esm.code, 0);
  t.match(esm.output, /Cannot find package 'aws-iot-device-sdk-v2' \(a device-side package, blocked\)/);
  for (const name of ['aws-crt', 'onoff', 'aws-iot-device-sdk-v2/dist/index.js']) {
    const cjs = await node(['-e', `require(${JSON.stringify(name)})`]);
    t.not(cjs.code, 0, `require('${name}') fails`);
    t.match(cjs.output, /MODULE_NOT_FOUND/);
  }
  const other = await node(['-e', "require('yaml')"]);
  t.equal(other.code, 0, 'other packages resolve', { output: other.output });
});

t.test('fleetctl --version and rollout plan work without them, and load none of their files', async (t) => {
  const e = await startPipelineEstate(t);
  const repo = checkout(t, 'v1.2.0').dir;
  const modules = join(tempDir(t, 'modules'), 'loaded.txt');
  writeFileSync(modules, '');
  const version = await run(join(e.bin, 'fleetctl'), ['--version'], repo, e.env, 60_000);
  t.equal(version.code, 0, { output: version.output });
  t.equal(version.stdout.trim(), PACKAGE_VERSION);
  const recorded = { ...e.env, NODE_OPTIONS: `--import=${pathToFileURL(RECORDER).href}`, EDGE_RECORD_MODULES: modules };
  const plan = await run(join(e.bin, 'fleetctl'), ['rollout', 'plan', '--release', 'v1.2.0', '--json'], repo, recorded, 60_000);
  t.equal(plan.code, 0, { output: plan.output });
  t.match(JSON.parse(plan.stdout), { schema: 'fleetctl.rollout.plan/v1', rolloutId: 'air-quality@v1.2.0@production' });
  const loaded = readFileSync(modules, 'utf8').split('\n').filter(Boolean);
  t.ok(loaded.some((u) => u.includes('/node_modules/@aws-sdk/client-s3/')), 'the recorder saw the AWS SDK load');
  t.same(loaded.filter((u) => DEVICE_PACKAGE.test(u)), [], 'no device-side file loaded');
});

t.test('the agent without the IoT device SDK: IOT_SDK_UNAVAILABLE, what to do, no crash', async (t) => {
  const connection = pathToFileURL(join(PROJECT_ROOT, 'agent', 'telemetry', 'mqtt-connection.ts')).href;
  const script = `const { createIotMqttConnection } = await import(${JSON.stringify(connection)});
try { await createIotMqttConnection({}, {}); console.log('connected?'); } catch (e) { console.log(e.code + ': ' + e.message); }`;
  const r = await node(['--import', TSX_IMPORT, '--input-type=module', '-e', script]);
  t.equal(r.code, 0, { output: r.output });
  t.match(r.stdout, /^IOT_SDK_UNAVAILABLE: the AWS IoT device SDK \(aws-iot-device-sdk-v2 \/ aws-crt\) cannot be loaded on this machine/);
});
