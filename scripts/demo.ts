// npm run demo: a whole fleet deployment, then a release rolled out to the fleet and to three tenant
// accounts, on this machine, no AWS account needed.
// Starts the sandbox, provisions 5 simulated Raspberry Pis (each a real `edge-agent run` process
// with its own deployment root and identity), uploads the example air-quality revision to the
// sandbox's S3, deploys it HalfAtATime to the devices tagged fleet=air-quality, shows progress per
// device, and prints a summary. Every device is also an IoT thing reporting its health to the
// device shadow over MQTT with mutual TLS, and has the health gate on. pi-04's enclosure is wet
// (humidity 97 %), so the gate refuses to install onto it; pi-05's particle sensor is simulated as
// dead, so its ValidateService fails with a real log tail. Each agent also checks its station's
// PM2.5 reading (pm25, not part of the gate) and reports it in its shadow. The first part ends with
// the devices' shadows and `fleetctl status`. The second part (demo-rollout.ts) pushes release
// v1.1.0 (device revision, alerts stack, web files) and rolls it out with the real fleetctl: the
// canary station pi-01 (health gate, bake), the other stations, then the three tenant accounts.
// The third (demo-bad-release.ts) pushes v1.2.0, whose calibration mistake makes the canary report
// unhealthy: its rollout halts at the canary's health gate and rolls it back to v1.1.0 (fleetctl
// exits 1). Exit 0 when all three end as expected: the deployment Succeeded with exactly pi-04
// (gate) and pi-05 (hook) failed, v1.1.0 rolled out everywhere (the same two stations refusing it
// again, as the devices wave's gate allows), and v1.2.0 reached the canary alone and left it. Everything
// lives in one temp folder, removed at the end (also on Ctrl-C) unless `--keep` (or
// EDGE_DEMO_KEEP=1) is given, in which case the demo says where it is.
import { BatchGetDeploymentTargetsCommand, CodeDeployClient, CreateApplicationCommand, CreateDeploymentCommand, CreateDeploymentGroupCommand, GetDeploymentCommand, ListDeploymentTargetsCommand, type InstanceTarget } from '@aws-sdk/client-codedeploy';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { create } from 'tar';
import { startSandbox } from '../sandbox/sandbox.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { addIotTelemetry, provisionDevice, sdkConfig, startAgent, stopAgent, type Device } from '../sandbox/simulated-device.js';
import { badReleaseRollout, PM25_FAIL_ABOVE } from './demo-bad-release.js';
import { demoSandboxConfig, releaseAndRollout, tenantIds } from './demo-rollout.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
const project = join(dirname(fileURLToPath(import.meta.url)), '..');
const agentMain = join(project, 'dist', 'agent', 'main.js');
// EDGE_DEMO_FROM_SOURCE=1 (the demo's test): run the programs from source through tsx instead of dist/
const fromSource = process.env['EDGE_DEMO_FROM_SOURCE'] === '1';
const tsx = ['--import', pathToFileURL(join(project, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href];
const agentArgs = fromSource ? [...tsx, join(project, 'agent', 'main.ts')] : [agentMain];
const keep = process.argv.slice(2).includes('--keep') || process.env['EDGE_DEMO_KEEP'] === '1';
const fleetctlArgs = fromSource ? [...tsx, join(project, 'controller', 'main.ts')] : [join(project, 'dist', 'controller', 'main.js')];
/** Each station's enclosure humidity sensor (a file the station software would write). */
const ENCLOSURE = 'enclosure-humidity';
/** Where a station keeps its latest reading (the revision installs relative to the device's folder). */
const readingsOf = (deviceDir: string): string => join(deviceDir, 'air-quality-station', 'readings.json');
// pm25: the station's own reading, reported in the shadow (what the canary's health gate reads), but
// not gating installs: a station without a reading yet (never installed, sensor dead) must still take one
const healthSection = (deviceDir: string): string =>
  [
    'health:',
    '  checks:',
    `    enclosure_humidity: { type: file, path: ${join(deviceDir, ENCLOSURE)}, unit: "%", warn_above: 80, fail_above: 90 }`,
    `    pm25: { type: file, path: ${readingsOf(deviceDir)}, field: pm25, unit: "µg/m³",`,
    `            warn_above: 150, fail_above: ${PM25_FAIL_ABOVE}, max_age_seconds: 60 }`,
    '  gate:',
    '    enabled: true',
    '    checks: [enclosure_humidity]',
  ].join('\n');
const say = (line = ''): void => void process.stdout.write(`${line}\n`);

/** The example revision, installing relative to each simulated device's folder instead of /opt. */
async function buildRevision(work: string): Promise<string> {
  const dir = join(work, 'revision');
  cpSync(join(project, 'appspec', 'examples', 'air-quality'), dir, { recursive: true });
  for (const file of ['appspec.yml', ...readdirSync(join(dir, 'scripts')).map((f) => join('scripts', f))]) {
    const p = join(dir, file);
    // relative destinations (and hooks' working directory) are the agent's working directory
    writeFileSync(p, readFileSync(p, 'utf8').replaceAll('/opt/air-quality-station', 'air-quality-station'));
  }
  const bundle = join(work, 'air-quality-1.0.0.tgz');
  await create({ gzip: true, file: bundle, cwd: dir, portable: true }, ['.']);
  return bundle;
}

/** Stops each station's whole process group (start_station.sh starts it with setsid) and waits until it is gone. */
async function stopStations(fleet: readonly Device[]): Promise<void> {
  const groups: number[] = [];
  for (const d of fleet) {
    const pidfile = join(d.dir, 'air-quality-station', 'station.pid');
    if (!existsSync(pidfile)) continue;
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 1) continue;
    if (signalGroup(pid, 'SIGTERM')) groups.push(pid);
  }
  for (let waited = 0; groups.some((g) => signalGroup(g, 0)) && waited < 5000; waited += 100) await sleep(100);
  for (const g of groups) signalGroup(g, 'SIGKILL');
}

/** Sends `signal` to the process group `pgid`; false when the group no longer exists. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

interface Reported {
  health?: { verdict?: string; checks?: Record<string, { status?: string; value?: number; unit?: string; reason?: string }> };
  deployment?: { last?: { deploymentId?: string; command?: string; status?: string } };
}

async function readReported(sb: Sandbox, thingName: string): Promise<Reported | undefined> {
  const data = new IoTDataPlaneClient(sdkConfig(sb));
  try {
    const out = await data.send(new GetThingShadowCommand({ thingName }));
    return (JSON.parse(Buffer.from(out.payload ?? new Uint8Array()).toString('utf8')) as { state?: { reported?: Reported } }).state?.reported;
  } catch {
    return undefined; // no shadow yet
  } finally {
    data.destroy();
  }
}

/** The last lifecycle event each device ran, as CodeDeploy has it: what its shadow should report. */
function lastEvents(targets: readonly InstanceTarget[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of targets) {
    const ran = (t.lifecycleEvents ?? []).filter((e) => e.status === 'Succeeded' || e.status === 'Failed').at(-1);
    if (t.targetId && ran) out.set(t.targetId, `${ran.lifecycleEventName} ${ran.status}`);
  }
  return out;
}

/** The devices' shadows, once each reports the end of this deployment (telemetry runs every 2 s). */
async function showShadows(sb: Sandbox, fleet: readonly Device[], deploymentId: string | undefined, expected: Map<string, string>): Promise<void> {
  const deadline = Date.now() + 20_000;
  let shadows: (Reported | undefined)[] = [];
  const reports = (r: Reported | undefined, name: string): boolean =>
    r?.deployment?.last?.deploymentId === deploymentId && `${r?.deployment?.last?.command} ${r?.deployment?.last?.status}` === expected.get(name);
  do {
    shadows = await Promise.all(fleet.map((d) => readReported(sb, d.name)));
    if (shadows.every((r, i) => reports(r, fleet[i]?.name ?? ''))) break;
    await sleep(500);
  } while (Date.now() < deadline);
  say('\nDevice shadows (reported over MQTT with mutual TLS):');
  fleet.forEach((d, i) => {
    const r = shadows[i];
    const humidity = r?.health?.checks?.['enclosure_humidity'];
    const pm25 = r?.health?.checks?.['pm25'];
    const last = r?.deployment?.last;
    const enclosure = `enclosure ${humidity?.value ?? '?'} %${humidity?.reason ? `: ${humidity.reason}` : ''}`;
    const pm = `pm25 ${pm25?.value !== undefined ? `${pm25.value} µg/m³` : (pm25?.status ?? '?')}`;
    const command = last ? `${last.command} ${last.status ?? '...'}` : '?';
    say(`  ${d.name}: health ${r?.health?.verdict ?? '?'} (${enclosure}; ${pm}), last command ${command}`);
  });
}

const mark = (status?: string): string => ({ Succeeded: 'ok', Failed: 'FAILED', Skipped: 'skipped', InProgress: '...', Pending: '-' })[status ?? ''] ?? status ?? '?';

async function main(): Promise<number> {
  if (!fromSource && !existsSync(agentMain)) {
    say('dist/agent/main.js is missing: run npm run build first (npm run demo does)');
    return 2;
  }
  const work = mkdtempSync(join(tmpdir(), 'edge-fleet-demo-'));
  const fleet: Device[] = [];
  let sb: Sandbox | undefined;
  let cleaned: Promise<void> | undefined;
  // the agents lead their own process groups, so a Ctrl-C reaches only this process: stop them here
  const cleanUp = (): Promise<void> =>
    (cleaned ??= (async () => {
      await Promise.all(fleet.map((d) => stopAgent(d)));
      await stopStations(fleet);
      await sb?.close();
      if (keep) say(`\nKept the demo's folder (sandbox state, devices, logs): ${work}`);
      else rmSync(work, { recursive: true, force: true });
    })());
  const interrupted = (signal: NodeJS.Signals): void => {
    say(`\n${signal}: stopping the devices and the sandbox`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const config = demoSandboxConfig();
    sb = await startSandbox({ dir: join(work, 'sandbox'), config, maxPollWaitMs: 2000, pickupTimeoutMs: 60_000 });
    const services = 'CodeDeploy, Commands, S3, STS, IoT, CloudFormation; 3 tenant accounts';
    say(`Sandbox (${services}) on ${sb.url}, MQTT on ${sb.iot.dataEndpoint}; everything lives in ${work}`);
    for (let i = 1; i <= 5; i++) {
      const name = `pi-0${i}`;
      const deviceDir = join(work, 'devices', name);
      mkdirSync(deviceDir, { recursive: true });
      writeFileSync(join(deviceDir, ENCLOSURE), i === 4 ? '97\n' : `${41 + i}\n`);
      const d = await provisionDevice(sb, join(work, 'devices'), name, { fleet: 'air-quality', site: i <= 3 ? 'rooftop' : 'park' }, healthSection(deviceDir));
      await addIotTelemetry(sb, d, { schedule: '*/2 * * * * *' });
      fleet.push(d);
      startAgent(d, { nodeArgs: agentArgs }, i === 5 ? { AIR_QUALITY_SIMULATE_FAULT: 'sds011' } : {});
    }
    say(`Registered and started 5 devices: ${fleet.map((d) => d.name).join(', ')} (pi-04's enclosure is wet, pi-05 has a dead particle sensor)`);
    const bundle = await buildRevision(work);
    const s3 = new S3Client(sdkConfig(sb));
    await s3.send(new CreateBucketCommand({ Bucket: 'releases' }));
    await s3.send(new PutObjectCommand({ Bucket: 'releases', Key: 'air-quality/1.0.0.tgz', Body: readFileSync(bundle) }));
    const cd = new CodeDeployClient(sdkConfig(sb));
    await cd.send(new CreateApplicationCommand({ applicationName: 'air-quality', computePlatform: 'Server' }));
    await cd.send(new CreateDeploymentGroupCommand({
      applicationName: 'air-quality',
      deploymentGroupName: 'all-stations',
      serviceRoleArn: `arn:aws:iam::${sb.root.accountId}:role/CodeDeployService`,
      deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
      onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: 'air-quality', Type: 'KEY_AND_VALUE' }],
    }));
    const { deploymentId } = await cd.send(new CreateDeploymentCommand({
      applicationName: 'air-quality',
      deploymentGroupName: 'all-stations',
      revision: { revisionType: 'S3', s3Location: { bucket: 'releases', key: 'air-quality/1.0.0.tgz', bundleType: 'tgz' } },
    }));
    say(`Deployment ${deploymentId}: s3://releases/air-quality/1.0.0.tgz to fleet=air-quality, CodeDeployDefault.HalfAtATime\n`);

    const readTargets = async (): Promise<InstanceTarget[]> => {
      const targetIds = (await cd.send(new ListDeploymentTargetsCommand({ deploymentId }))).targetIds ?? [];
      const out = await cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds }));
      return (out.deploymentTargets ?? []).map((t) => t.instanceTarget as InstanceTarget).sort((a, b) => String(a.targetId).localeCompare(String(b.targetId)));
    };
    let last = '';
    let status: string | undefined;
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      status = (await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo?.status;
      const line = (await readTargets()).map((t) => {
        const running = t.lifecycleEvents?.find((e) => e.status === 'InProgress')?.lifecycleEventName;
        return `${t.targetId} ${running ?? mark(t.status)}`;
      }).join(' | ');
      if (line !== last) say(`  ${line}`);
      last = line;
      if (status === 'Succeeded' || status === 'Failed' || status === 'Stopped') break;
      await sleep(250);
    }
    const info = (await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
    say(`\nDeployment ${deploymentId}: ${info?.status}${info?.errorInformation ? ` (${info.errorInformation.code}: ${info.errorInformation.message})` : ''}`);
    const targets = await readTargets();
    for (const t of targets) {
      say(`\n${t.targetId}: ${t.status}`);
      say(`  ${(t.lifecycleEvents ?? []).map((e) => `${e.lifecycleEventName} ${mark(e.status)}`).join(', ')}`);
      const failed = t.lifecycleEvents?.find((e) => e.status === 'Failed');
      if (failed?.diagnostics) {
        say(`  ${failed.diagnostics.errorCode} in ${failed.diagnostics.scriptName}: ${failed.diagnostics.message}`);
        for (const l of (failed.diagnostics.logTail ?? '').trim().split('\n').slice(-4)) say(`    | ${l}`);
      }
    }
    const failedNames = targets
      .filter((t) => t.status === 'Failed')
      .map((t) => t.targetId)
      .sort();
    const gateRefused = targets.find((t) => t.targetId === 'pi-04')?.lifecycleEvents?.find((e) => e.lifecycleEventName === 'DownloadBundle')?.status === 'Failed';
    const expected = info?.status === 'Succeeded' && failedNames.join(',') === 'pi-04,pi-05' && gateRefused;
    say(expected ? '\nAs expected: 3 stations updated; the health gate kept the release off wet pi-04; pi-05 refused by its ValidateService hook.' : `\nUNEXPECTED outcome (failed: ${failedNames.join(', ') || 'none'})`);
    const readings = Object.fromEntries(fleet.map((d) => [d.name, readingsOf(d.dir)]));
    const first = readings['pi-01'] ?? '';
    if (existsSync(first)) say(`pi-01 is measuring: ${readFileSync(first, 'utf8').trim()}`);
    await showShadows(sb, fleet, deploymentId, lastEvents(targets));
    say('\n$ fleetctl status');
    // asynchronously: the sandbox answering fleetctl runs in this process
    const fleetStatus = await promisify(execFile)(process.execPath, [...fleetctlArgs, 'status'], { env: { ...process.env, ...sb.env() }, encoding: 'utf8', timeout: 60_000 }).catch(
      (e: { stdout?: string; stderr?: string; code?: number }) => (say(`fleetctl status failed (${e.code}): ${e.stderr?.trim() ?? ''}`), { stdout: e.stdout ?? '' }),
    );
    process.stdout.write(fleetStatus.stdout);
    if (!expected) return 1;
    const demo = { sb, tenants: tenantIds(config), work, revisionDir: join(work, 'revision'), readings, fleetctlArgs, say };
    if (!(await releaseAndRollout(demo))) return 1;
    return (await badReleaseRollout(demo)) ? 0 : 1;
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`demo failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
