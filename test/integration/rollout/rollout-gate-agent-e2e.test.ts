// The device health gate against a REAL edge-agent: one station (an `edge-agent run` process)
// registered in the sandbox, reporting its health to its IoT device shadow every second. Its
// `level` health check reads a file the release installs: v1 installs a level under the limit,
// v2 one above it. The real fleetctl rolls v1 out (the gate passes on the shadow written after the
// install), then v2: the station turns unhealthy, the gate halts the rollout (exit 1) and the
// controller deploys v1 back; the station ends on v1 (the installed file, the deployment root's
// last successful install) and reports healthy again.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { GetDeploymentCommand, CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';
import { parseSandboxConfigDocument } from '../../../sandbox/sandbox-config.js';
import { addIotTelemetry, provisionDevice, sdkConfig, stopAgent, type Device } from '../../../sandbox/simulated-device.js';
import { generateTenantsConfig } from '../../../sandbox/tenants-config.js';
import { runDevice, waitFor } from '../../helpers/agent-fleet.js';
import { runCli, type CliResult } from '../../helpers/cli.js';
import { pushRelease } from '../../helpers/release-push.js';
import { tempDir } from '../../helpers/temp-dir.js';
import type { StatusDoc } from './rollout-gates-fixture.js';

t.setTimeout(280_000);

const APP = 'air-quality';
const STATION = 'pi-station';
const LIMIT = 10;

function sandboxConfig(): Record<string, unknown> {
  const doc = generateTenantsConfig({ tenants: 0, deviceAccounts: 0 }) as { accounts: Record<string, unknown>[] };
  const pipeline = doc.accounts.find((a) => a['kind'] === 'pipeline') as Record<string, unknown>;
  const id = String(pipeline['accountId']);
  const serviceRole = { name: 'CodeDeployServiceRole', trust: { services: ['codedeploy.amazonaws.com'] } };
  pipeline['roles'] = [...(pipeline['roles'] as unknown[]), serviceRole];
  const group = {
    name: 'stations',
    serviceRoleArn: `arn:aws:iam::${id}:role/CodeDeployServiceRole`,
    deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
    onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: 'stations', Type: 'KEY_AND_VALUE' }],
  };
  pipeline['codedeploy'] = { applications: [{ name: APP, deploymentGroups: [group] }] };
  return doc;
}

const FLEET_YML = `application: ${APP}
region: us-east-1
release: { bucket: pipeline-artifacts-111111111111, prefix: releases/, parts: { device: device } }
targets:
  # on-premises instances of the pipeline account: no role to assume
  station: { kind: devices, deployment_group: stations, select: { fleet: stations } }
environments:
  - name: production
    match: 'v*'
    waves:
      - name: canary
        targets: [station]
        gates: { device_health: { max_unhealthy: 0, wait: 1m } }
`;

/** The station's checks: the built-in ones off (they vary with the machine), the level the release installs. */
const healthSection = (levelFile: string): string =>
  [
    'health:',
    '  checks:',
    ...['cpu_temperature', 'cpu_load', 'memory_available', 'disk_free', 'uptime', 'throttling'].map((c) => `    ${c}: false`),
    `    level: { type: file, path: ${levelFile}, field: level, fail_above: ${LIMIT} }`,
  ].join('\n');

let sb: Sandbox;
let dir: string;
let station: Device;
let levelFile: string;
let fleetctl: (args: string[]) => Promise<CliResult>;
let cd: CodeDeployClient;
let data: IoTDataPlaneClient;

t.before(async () => {
  const config = parseSandboxConfigDocument(sandboxConfig(), 'generated');
  sb = await startSandbox({ config, maxPollWaitMs: 500, pickupTimeoutMs: 60_000 });
  cd = new CodeDeployClient({ ...sdkConfig(sb), maxAttempts: 3 });
  data = new IoTDataPlaneClient({ ...sdkConfig(sb), maxAttempts: 3 });
  t.teardown(async () => {
    // the agent's process group first, then the sandbox it talks to
    if (station) await stopAgent(station, 'SIGKILL');
    cd.destroy();
    data.destroy();
    await sb.close();
  });
  dir = tempDir(t, 'rollout-gate-agent');
  const appDir = join(dir, 'devices', STATION, 'app');
  levelFile = join(appDir, 'level.json');
  station = await provisionDevice(sb, join(dir, 'devices'), STATION, { fleet: 'stations' }, healthSection(levelFile));
  await addIotTelemetry(sb, station, { schedule: '* * * * * *' });
  runDevice(station);
  mkdirSync(join(dir, 'device'));
  const appspec = `version: 0.0\nos: linux\nfiles:\n  - source: level.json\n    destination: ${appDir}\n`;
  writeFileSync(join(dir, 'device', 'appspec.yml'), appspec);
  writeFileSync(join(dir, 'fleet.yml'), FLEET_YML);
  const env = { ...process.env, ...sb.env() };
  fleetctl = (args) => runCli('fleetctl', args, env, 150_000, dir);
});

/** Pushes a release whose revision installs level.json with this level. */
async function release(version: string, level: number): Promise<void> {
  writeFileSync(join(dir, 'device', 'level.json'), `${JSON.stringify({ version, level })}\n`);
  await pushRelease(sb, join(dir, 'fleet.yml'), version);
}

async function shadowHealth(): Promise<{ verdict?: string; updatedAt: number } | undefined> {
  try {
    const out = await data.send(new GetThingShadowCommand({ thingName: STATION }));
    const doc = JSON.parse(new TextDecoder().decode(out.payload)) as {
      state?: { reported?: { health?: { verdict?: string } } };
      metadata?: { reported?: { health?: { verdict?: { timestamp?: number } } } };
    };
    const at = doc.metadata?.reported?.health?.verdict?.timestamp ?? 0;
    return { ...(doc.state?.reported?.health?.verdict ? { verdict: doc.state.reported.health.verdict } : {}), updatedAt: at * 1000 };
  } catch {
    return undefined; // no shadow yet
  }
}

t.test('a real station turning unhealthy on v2 halts the rollout at its health gate; v1 is put back', async (t) => {
  await release('v1.0.0', 1);
  const v1 = await fleetctl(['rollout', 'start', '--release', 'v1.0.0', '--json']);
  t.equal(v1.code, 0, 'v1 rolls out (exit 0)', { stderr: v1.stderr, agent: station.output.slice(-3000) });
  const s1 = JSON.parse(v1.stdout) as StatusDoc;
  const healthy = '0 of 1 devices unhealthy (0%), 0 unknown';
  t.match(s1.waves[0]?.checks, [{ phase: 'deployed', passed: true, results: [{ gate: 'device-health', value: healthy }] }]);
  t.match(JSON.parse(readFileSync(levelFile, 'utf8')), { version: 'v1.0.0', level: 1 });

  await release('v2.0.0', 99);
  const v2 = await fleetctl(['rollout', 'start', '--release', 'v2.0.0', '--json']);
  t.equal(v2.code, 1, 'v2 halts (exit 1)', { stdout: v2.stdout, stderr: v2.stderr, agent: station.output.slice(-4000) });
  const s2 = JSON.parse(v2.stdout) as StatusDoc;
  t.match(s2, {
    state: 'halted',
    halt: {
      wave: 'canary',
      reason: /^wave canary: gate failed after its deployments: device-health: 1 of 1 devices unhealthy \(100%\), 0 unknown/,
      gates: [{ gate: 'device-health', passed: false, detail: `unhealthy ${STATION}: unhealthy: level` }],
    },
    rollback: { policy: 'all', targets: [{ name: 'station', action: 'rollback', status: 'succeeded', ref: { kind: 'deployment' } }] },
  });

  // the rollback deployment put v1's revision back, and the station runs it
  const rollbackId = s2.rollback?.targets[0]?.ref?.deploymentId ?? '';
  const back = (await cd.send(new GetDeploymentCommand({ deploymentId: rollbackId }))).deploymentInfo;
  const v1Key = /^releases\/air-quality\/v1\.0\.0\/device-/;
  t.match(back, { status: 'Succeeded', deploymentGroupName: 'stations', revision: { s3Location: { key: v1Key } } });
  t.match(JSON.parse(readFileSync(levelFile, 'utf8')), { version: 'v1.0.0', level: 1 }, 'the installed file is v1\'s');
  const instructions = join(station.rootDir, 'deployment-instructions');
  const last = readdirSync(instructions).filter((f) => f.endsWith('_last_successful_install'));
  t.equal(last.length, 1);
  const lastInstall = readFileSync(join(instructions, last[0] ?? ''), 'utf8').trim();
  t.match(lastInstall, new RegExp(`/${rollbackId}$`), 'its last successful install is the rollback');

  // and it reports healthy again, in a shadow written after the rollback ended
  const ended = back?.completeTime?.getTime() ?? Date.now();
  await waitFor(async () => {
    const h = await shadowHealth();
    return h?.verdict === 'healthy' && Math.floor(h.updatedAt / 1000) >= Math.floor(ended / 1000);
  }, 60_000, `${STATION} to report healthy after the rollback`);
  t.pass(`${STATION} reports healthy again`);
});
