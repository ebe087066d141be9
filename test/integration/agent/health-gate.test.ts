// The health gate before DownloadBundle (a real CommandExecutor built from a real config, and a
// real `edge-agent deploy`), and the air-quality example's health hooks, including its simulated
// dead particle sensor.
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseAgentConfig } from '../../../agent/config/agent-config.js';
import { CommandExecutor } from '../../../agent/deployment/command-executor.js';
import { parseDeploymentSpec } from '../../../agent/deployment/deployment-spec.js';
import { executorDepsFromConfig } from '../../../agent/deployment/executor-from-config.js';
import { deploymentLayout } from '../../../agent/deployment/layout.js';
import { silentLogger } from '../../../shared/log.js';
import { PROJECT_ROOT, runAgent } from '../../helpers/cli.js';
import { tempDir, type Teardowns } from '../../helpers/temp-dir.js';

function fakeDevice(t: Teardowns, tempMilliC: number): string {
  const dir = tempDir(t, 'health-gate');
  const zone = join(dir, 'sys', 'class', 'thermal', 'thermal_zone0');
  mkdirSync(zone, { recursive: true });
  writeFileSync(join(zone, 'type'), 'cpu-thermal\n');
  writeFileSync(join(zone, 'temp'), `${tempMilliC}\n`);
  mkdirSync(join(dir, 'rev'));
  writeFileSync(join(dir, 'rev', 'appspec.yml'), 'version: 0.0\nos: linux\n');
  return dir;
}

const gateConfig = (dir: string): string => `root_dir: ${join(dir, 'root')}\nlog_dir: ${join(dir, 'log')}\nhealth:\n  sys_root: ${dir}\n  gate: { checks: [cpu_temperature] }\n`;

t.test('an unhealthy device fails DownloadBundle with the failing checks in the diagnostics and scripts.log', async (t) => {
  const dir = fakeDevice(t, 91_000);
  const { config } = parseAgentConfig(gateConfig(dir), 'agent.yml');
  const layout = deploymentLayout(config.rootDir);
  const executor = new CommandExecutor(executorDepsFromConfig(config, { layout, log: silentLogger(), env: process.env }));
  const spec = parseDeploymentSpec({
    DeploymentId: 'd-GATE00001',
    DeploymentGroupId: 'g',
    DeploymentGroupName: 'g',
    ApplicationName: 'a',
    Revision: { RevisionType: 'Local Directory', LocalRevision: { Location: join(dir, 'rev'), BundleType: 'directory' } },
  });
  const result = await executor.execute('DownloadBundle', spec, { hostCommandIdentifier: 'h1', report: () => undefined });
  t.equal(result.status, 'Failed');
  t.equal(result.error?.code, 'HEALTH_GATE_UNHEALTHY');
  const diagnostics = JSON.parse(result.diagnostics) as { error_code: number; script_name: string; message: string; log: string };
  t.equal(diagnostics.error_code, 5);
  t.equal(diagnostics.script_name, 'edge-agent health gate', 'the gate is named as the script');
  t.match(diagnostics.log, /\[stdout\].*cpu_temperature[\s\S]*health gate: REFUSED/, 'its sample is the log tail');
  t.match(diagnostics.message, /Health gate: the device is unhealthy/);
  t.match(diagnostics.message, /- cpu_temperature \[fail\]: 91 °C is above the limit of 80 °C \(fail_above\)/, 'which check, its value and threshold');
  t.match(diagnostics.message, /redeploy/);
  t.equal(executor.deploymentState(spec), 'Pending', 'nothing was downloaded');
  const log = readFileSync(layout.scriptsLog('g', 'd-GATE00001'), 'utf8');
  t.match(log, /LifecycleEvent - DownloadBundle\n.*Script - edge-agent health gate\n.*\[stdout\]health: unhealthy \(1 check/);
  t.match(log, /\[stdout\]health gate: REFUSED \(fail_on: unhealthy\)/);
});

t.test('edge-agent deploy: refused when unhealthy, goes on when healthy (the gate line in scripts.log)', async (t) => {
  for (const [temp, code] of [[91_000, 1], [45_000, 0]] as const) {
    const dir = fakeDevice(t, temp);
    writeFileSync(join(dir, 'agent.yml'), gateConfig(dir));
    const r = await runAgent(['deploy', '-l', join(dir, 'rev'), '-c', join(dir, 'agent.yml'), '-g', 'grp'], process.env);
    t.equal(r.code === 0 ? 0 : 1, code, `${temp / 1000} °C: ${r.stdout}${r.stderr}`);
    const [deployment] = readdirSync(join(dir, 'root', 'grp'));
    const log = readFileSync(join(dir, 'root', 'grp', deployment as string, 'logs', 'scripts.log'), 'utf8');
    if (code === 1) {
      t.match(`${r.stdout}${r.stderr}`, /cpu_temperature \[fail\]: 91 °C is above the limit of 80 °C/);
      t.match(log, /health gate: REFUSED/);
    } else {
      t.match(log, /health gate: passed, deployment goes on/);
    }
  }
});

/** The example revision, installing into the test's folder instead of /opt (as the demos do). */
function airQualityRevision(work: string): { rev: string; dest: string } {
  const rev = join(work, 'rev');
  const dest = join(work, 'opt', 'air-quality-station');
  cpSync(join(PROJECT_ROOT, 'appspec', 'examples', 'air-quality'), rev, { recursive: true });
  for (const file of ['appspec.yml', ...readdirSync(join(rev, 'scripts')).map((f) => join('scripts', f))]) {
    writeFileSync(join(rev, file), readFileSync(join(rev, file), 'utf8').replaceAll('/opt/air-quality-station', dest));
  }
  return { rev, dest };
}

function stopStation(dest: string): void {
  try {
    process.kill(Number(readFileSync(join(dest, 'station.pid'), 'utf8')));
  } catch {
    // not started, or already gone
  }
}

t.test('air-quality example: testGPIO.sh and testSensors.sh run edge-agent health', async (t) => {
  for (const fault of [undefined, 'sds011'] as const) {
    const work = tempDir(t, 'air-quality');
    const { rev, dest } = airQualityRevision(work);
    t.teardown(() => stopStation(dest)); // (runs before the folder's removal: teardowns run last-in first-out)
    const env = { ...process.env };
    delete env['AIR_QUALITY_SIMULATE_FAULT'];
    if (fault) env['AIR_QUALITY_SIMULATE_FAULT'] = fault;
    const r = await runAgent(['deploy', '-l', rev, '-a', 'air-quality', '-g', 'grp', '--root-dir', join(work, 'root')], env);
    const [deployment] = readdirSync(join(work, 'root', 'grp'));
    const log = readFileSync(join(work, 'root', 'grp', deployment as string, 'logs', 'scripts.log'), 'utf8');
    t.match(log, /Script - scripts\/testGPIO.sh\n(.*\n)*.*\[stdout\](DHT11 data line OK|not a Raspberry Pi: GPIO check skipped)/, 'BeforeInstall ran the GPIO check');
    if (!fault) {
      t.equal(r.code, 0, r.stdout + r.stderr);
      t.match(log, /Script - scripts\/testSensors.sh\n.*\[stdout\]health: healthy \(4 checks/);
      t.match(log, /ok\s+sds011_pm25\s+7.1 µg\/m³/);
    } else {
      t.not(r.code, 0, 'a dead particle sensor fails ValidateService');
      t.match(log, /ERROR\s+sds011_pm25\s+-\s+no reading: .*readings.json does not exist/);
      t.match(log, /\[stderr\]sensor checks failed \(exit 2\): is the SDS011 connected to \/dev\/ttyUSB0\?/);
    }
  }
});
