// A sandbox with one CodeDeploy application ('app'), deployment group ('lab': instances tagged
// fleet=lab) and bucket ('releases'), for tests that run real `edge-agent run` processes against it.
// Devices come from sandbox/simulated-device.ts; `configureAgent` then rewrites keys of their
// agent.yml (e.g. to point an endpoint at a proxy). Everything is torn down with the test.
import { BatchGetDeploymentTargetsCommand, CodeDeployClient, CreateApplicationCommand, CreateDeploymentCommand, CreateDeploymentGroupCommand, GetDeploymentCommand, ListDeploymentTargetsCommand, type DeploymentInfo } from '@aws-sdk/client-codedeploy';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from 'tar';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/sandbox.js';
import { provisionDevice, sdkConfig, startAgent as startDeviceAgent, stopAgent, type Device } from '../../sandbox/simulated-device.js';
import { AGENT_COMMAND } from './cli.js';
import { trackDir, trackGroup } from './process-groups.js';
import { writeRevision, type RevisionFile } from './revisions.js';
import { removeTempDir } from './temp-dir.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

/** The part of a tap Test the helpers use. */
export interface TestLike {
  teardown(fn: () => unknown): void;
}

export interface Fleet {
  readonly dir: string;
  readonly sb: Sandbox;
  readonly cd: CodeDeployClient;
  readonly s3: S3Client;
  readonly devices: Device[];
}

export interface LifecycleEventView {
  readonly name: string;
  readonly status: string;
  readonly message: string;
  readonly errorCode: string;
}

/** Poll `cond` every 50 ms until it holds; throws naming `what` after `ms`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** The lines of a text file, none when it does not exist (e.g. a hook's proof file). */
export const readLines = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n') : []);

/**
 * Sandbox (short long polls) + application, group and bucket, in a temp folder: one fleet per test,
 * and call it inside a subtest (the root tap object may run its teardowns before later subtests).
 * The folder is removed in the same teardown, after the agents' process groups are killed, the
 * sandbox closed and any hook a killed agent left running under the folder killed too (t.testdir()
 * would be removed by an earlier teardown, while they still write into it).
 */
export async function startFleet(t: TestLike, options: Omit<SandboxOptions, 'dir'> = {}): Promise<Fleet> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-agent-fleet-'));
  const untrackDir = trackDir(dir); // hooks and agents under it die with this process at the latest
  const sb = await startSandbox({ dir: join(dir, 'sandbox'), maxPollWaitMs: 500, pickupTimeoutMs: 60_000, ...options });
  // a few attempts: a keep-alive socket the sandbox closed while a test waited is retried, not fatal
  const config = { ...sdkConfig(sb), maxAttempts: 3 };
  const fleet: Fleet = { dir, sb, cd: new CodeDeployClient(config), s3: new S3Client(config), devices: [] };
  t.teardown(async () => {
    await Promise.all(fleet.devices.map((d) => stopAgent(d, 'SIGKILL')));
    fleet.cd.destroy();
    fleet.s3.destroy();
    await sb.close();
    removeTempDir(dir);
    untrackDir();
  });
  await fleet.cd.send(new CreateApplicationCommand({ applicationName: 'app' }));
  await fleet.cd.send(
    new CreateDeploymentGroupCommand({
      applicationName: 'app',
      deploymentGroupName: 'lab',
      serviceRoleArn: `arn:aws:iam::${sb.root.accountId}:role/cd`,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: 'lab', Type: 'KEY_AND_VALUE' }],
    }),
  );
  await fleet.s3.send(new CreateBucketCommand({ Bucket: 'releases' }));
  return fleet;
}

/** A provisioned device in the 'lab' group; `config` replaces or adds agent.yml keys. */
export async function addDevice(fleet: Fleet, name: string, config: Record<string, string | number> = {}): Promise<Device> {
  const device = await provisionDevice(fleet.sb, fleet.dir, name, { fleet: 'lab' });
  configureAgent(device, config);
  fleet.devices.push(device);
  return device;
}

/** Replace (or add) top-level `key: value` lines of the device's agent.yml. */
export function configureAgent(device: Pick<Device, 'configPath'>, config: Record<string, string | number>): void {
  const lines = readFileSync(device.configPath, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const keyOf = (line: string): string => line.slice(0, line.indexOf(':')).trim();
  const kept = lines.filter((l) => !(keyOf(l) in config));
  writeFileSync(device.configPath, [...kept, ...Object.entries(config).map(([k, v]) => `${k}: ${v}`)].join('\n') + '\n');
}

/** `edge-agent run` for the device (TypeScript through tsx), its output collected in device.output. */
export function runDevice(device: Device, env: NodeJS.ProcessEnv = {}): ReturnType<typeof startDeviceAgent> {
  const child = startDeviceAgent(device, AGENT_COMMAND, env);
  trackGroup(child);
  return child;
}

/** Writes the revision folder, packs it as tgz and uploads it as releases/<key>. */
export async function uploadRevision(fleet: Fleet, key: string, appspec: string, files: Record<string, RevisionFile | Buffer>): Promise<string> {
  const text = Object.fromEntries(Object.entries(files).filter((e): e is [string, RevisionFile] => !Buffer.isBuffer(e[1])));
  const folder = writeRevision(join(fleet.dir, 'revisions', key), appspec, text);
  for (const [rel, data] of Object.entries(files)) {
    if (!Buffer.isBuffer(data)) continue;
    mkdirSync(dirname(join(folder, rel)), { recursive: true });
    writeFileSync(join(folder, rel), data);
  }
  const bundle = join(fleet.dir, 'revisions', `${key}.tgz`);
  await create({ gzip: true, file: bundle, cwd: folder }, ['.']);
  await fleet.s3.send(new PutObjectCommand({ Bucket: 'releases', Key: key, Body: readFileSync(bundle) }));
  return key;
}

export async function deploy(fleet: Fleet, key: string): Promise<string> {
  const out = await fleet.cd.send(
    new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'lab', revision: { revisionType: 'S3', s3Location: { bucket: 'releases', key, bundleType: 'tgz' } } }),
  );
  return out.deploymentId as string;
}

/** Waits until the deployment is Succeeded, Failed or Stopped. */
export async function waitDone(fleet: Fleet, deploymentId: string, ms = 60_000): Promise<DeploymentInfo> {
  let info: DeploymentInfo = {};
  await waitFor(async () => {
    info = (await fleet.cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo ?? {};
    return ['Succeeded', 'Failed', 'Stopped'].includes(String(info.status));
  }, ms, `deployment ${deploymentId} to finish`);
  return info;
}

/** The lifecycle events of the deployment's (only) target, as the service recorded them. */
export async function lifecycleEvents(fleet: Fleet, deploymentId: string): Promise<LifecycleEventView[]> {
  const targetIds = (await fleet.cd.send(new ListDeploymentTargetsCommand({ deploymentId }))).targetIds ?? [];
  const out = await fleet.cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds }));
  const events = out.deploymentTargets?.[0]?.instanceTarget?.lifecycleEvents ?? [];
  return events.map((e) => ({
    name: String(e.lifecycleEventName),
    status: String(e.status),
    message: e.diagnostics?.message ?? '',
    errorCode: e.diagnostics?.errorCode ?? '',
  }));
}

/** `Event:Status` per lifecycle event, for a compact comparison. */
export const eventStatuses = (events: readonly LifecycleEventView[]): string[] => events.map((e) => `${e.name}:${e.status}`);
