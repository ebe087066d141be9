// The packaged agent (npm run package:agent, linux-x64 here) as a device runs it, from a folder
// without node_modules: `edge-agent health` answers, and `edge-agent run` with an iot: section loads
// the bundled aws-crt through the shipped native binding, reports health to the sandbox's device
// shadow over MQTT with mutual TLS, and exits promptly on SIGTERM.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../../../sandbox/sandbox.js';
import { addIotTelemetry, provisionDevice } from '../../../sandbox/simulated-device.js';
import { killGroupOf, trackGroup } from '../../helpers/process-groups.js';
import { readShadow, waitFor } from '../agent/telemetry-harness.js';
import { buildPackage, output, run, tempDir, unpack } from './helpers.js';

const built = buildPackage(tempDir(t, 'package-iot-out'));
const unpacked = tempDir(t, 'package-iot-unpacked');
const prefix = existsSync(built.tarball) ? unpack(built.tarball, unpacked) : join(unpacked, 'opt', 'edge-agent');
const launcher = join(prefix, 'bin', 'edge-agent');
const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: unpacked, TMPDIR: tmpdir(), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

t.test('the package builds', async (t) => {
  t.equal(built.code, 0, output(built));
});

t.test('edge-agent health from the package', async (t) => {
  const r = run(launcher, ['health', '--json', '--check', 'disk_free'], { cwd: unpacked, env });
  t.equal(r.code, 0, output(r));
  t.match(JSON.parse(r.stdout), { verdict: 'healthy', checks: [{ name: 'disk_free', status: 'ok' }] });
});

t.test('edge-agent run from the package reports to the device shadow over MQTT/mTLS', async (t) => {
  const sb = await startSandbox({ maxPollWaitMs: 2000 });
  t.teardown(() => sb.close());
  const device = await provisionDevice(sb, join(unpacked, 'devices'), 'pi-pkg', { fleet: 'pkg' });
  await addIotTelemetry(sb, device, { schedule: '*/2 * * * * *' });
  let out = '';
  const child = spawn(launcher, ['run', '-c', device.configPath], { cwd: device.dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  trackGroup(child);
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  t.teardown(() => killGroupOf(child));

  await waitFor('the shadow to hold the agent report', async () => {
    if (child.exitCode !== null) throw new Error(`the agent exited:\n${out}`);
    try {
      return ((await readShadow(sb, 'pi-pkg')).reported['health'] as { verdict?: string } | undefined)?.verdict !== undefined;
    } catch {
      return false; // no shadow yet
    }
  }, 90_000);
  const { reported } = await readShadow(sb, 'pi-pkg');
  t.match(reported, { agent: { version: readFileSync(join(prefix, 'VERSION'), 'utf8').trim() }, identity: { thingName: 'pi-pkg' }, health: { verdict: /healthy|degraded|unhealthy/ } });
  t.match(out, /mqtt connected/, 'the MQTT5 client (aws-crt from the bundle) connected');
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'SIGTERM ends the agent with 0 (no 8 s MQTT linger keeps it)');
});
