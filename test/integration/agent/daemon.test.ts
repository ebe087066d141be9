// edge-agent run against the sandbox: real agent processes, real Commands protocol, real S3.
// Every agent leads a tracked process group, and every process working under the fleet folder (hooks
// included) is killed in teardown and when the test process dies, so a failing test leaves nothing.
import t, { type Test } from 'tap';
import { BatchGetDeploymentTargetsCommand, CreateDeploymentCommand, GetDeploymentCommand, ListDeploymentTargetsCommand, type CodeDeployClient, type DeploymentInfo, type InstanceTarget } from '@aws-sdk/client-codedeploy';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from 'tar';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';
import { runAgent } from '../../helpers/cli.js';
import { sdkConfig, stopAgent, type Device } from '../../../sandbox/simulated-device.js';
import { addDevice, startFleet, waitFor } from '../../helpers/agent-fleet.js';
import { guardProcessesUnder, hookProcesses, killAgent, runTrackedAgent } from '../../helpers/tracked-agent.js';
import { writeRevision } from '../../helpers/revisions.js';

const startAgent = (d: Device) => runTrackedAgent(d);

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

async function uploadRevision(sb: Sandbox, dir: string, key: string, appspec: string, files: Record<string, string>): Promise<string> {
  const rev = writeRevision(join(dir, key), appspec, files);
  const bundle = join(dir, `${key}.tgz`);
  await create({ gzip: true, file: bundle, cwd: rev }, ['.']);
  const s3 = new S3Client(sdkConfig(sb));
  await s3.send(new PutObjectCommand({ Bucket: 'releases', Key: key, Body: readFileSync(bundle) }));
  s3.destroy();
  return key;
}

/** Running (a zombie nobody reaped is not). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function deploy(cd: CodeDeployClient, key: string, group = 'lab'): Promise<string> {
  const { deploymentId } = await cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: group, revision: { revisionType: 'S3', s3Location: { bucket: 'releases', key, bundleType: 'tgz' } } }));
  return deploymentId as string;
}

async function waitDone(cd: CodeDeployClient, deploymentId: string, ms = 90_000): Promise<DeploymentInfo> {
  const end = Date.now() + ms;
  for (;;) {
    const info = (await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo as DeploymentInfo;
    if (['Succeeded', 'Failed', 'Stopped'].includes(info.status as string)) return info;
    if (Date.now() > end) throw new Error(`deployment ${deploymentId} still ${info.status}`);
    await sleep(100);
  }
}

async function targets(cd: CodeDeployClient, deploymentId: string): Promise<InstanceTarget[]> {
  const targetIds = (await cd.send(new ListDeploymentTargetsCommand({ deploymentId }))).targetIds ?? [];
  const out = await cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds }));
  return (out.deploymentTargets ?? []).map((x) => x.instanceTarget as InstanceTarget);
}

/** A sandbox fleet (app 'app', group 'lab', bucket 'releases') in a temp folder the teardown removes. */
async function setup(t: Test, devices: number) {
  const fleet = await startFleet(t);
  guardProcessesUnder(t, fleet.dir); // registered last: runs first, before the folder is removed
  for (let i = 1; i <= devices; i++) await addDevice(fleet, `pi-0${i}`);
  return { dir: fleet.dir, sb: fleet.sb, fleet: fleet.devices, cd: fleet.cd };
}

const okAppspec = (_proof: string) =>
  `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: app-installed\nhooks:\n  AfterInstall:\n    - location: hook.sh\n  ValidateService:\n    - location: hook.sh\n`;
const hook = '#!/bin/sh\necho "$LIFECYCLE_EVENT $DEPLOYMENT_ID $BUNDLE_BUCKET/$BUNDLE_KEY" >> proof\n';

t.test('a deployment to three agents over the Commands API, then a second one', async (t) => {
  const { dir, sb, fleet, cd } = await setup(t, 3);
  for (const d of fleet) startAgent(d);
  const key = await uploadRevision(sb, dir, 'v1', okAppspec('proof'), { 'app/a.txt': 'v1', 'hook.sh': hook });
  const id = await deploy(cd, key);
  const info = await waitDone(cd, id);
  t.equal(info.status, 'Succeeded', JSON.stringify(info.errorInformation ?? {}) + JSON.stringify((await targets(cd, id)).map((x) => x.lifecycleEvents?.filter((e: { status?: string }) => e.status === 'Failed'))));
  for (const target of await targets(cd, id)) {
    t.equal(target.status, 'Succeeded', `${target.targetId} succeeded`);
    t.same(target.lifecycleEvents?.map((e) => `${e.lifecycleEventName}:${e.status}`), ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService'].map((e) => `${e}:Succeeded`));
  }
  for (const d of fleet) {
    // relative destinations and hook working directories are the agent's working directory, as with the official agent
    t.equal(readFileSync(join(d.dir, 'app-installed', 'a.txt'), 'utf8'), 'v1');
    t.same(readFileSync(join(d.dir, 'proof'), 'utf8').trim().split('\n'), [`AfterInstall ${id} releases/v1`, `ValidateService ${id} releases/v1`]);
    t.ok(existsSync(join(d.rootDir, readdirSync(d.rootDir).find((n) => n.length === 36) ?? 'x', id, 'logs', 'scripts.log')), 'official layout under the group id');
  }
  const key2 = await uploadRevision(sb, dir, 'v2', okAppspec('proof'), { 'app/b.txt': 'v2', 'hook.sh': hook });
  const id2 = await deploy(cd, key2);
  t.equal((await waitDone(cd, id2)).status, 'Succeeded');
  for (const d of fleet) t.same(readdirSync(join(d.dir, 'app-installed')), ['b.txt'], 'the first revision was cleaned up');
  const status = await runAgent(['status', '-c', fleet[0]?.configPath as string, '--json']);
  const s = JSON.parse(status.stdout) as { running: boolean; agent: { hostIdentifier: string; last: { deploymentId: string; commandName: string; status: string } } };
  t.equal(s.running, true);
  t.equal(s.agent.hostIdentifier, fleet[0]?.principal.arn);
  t.same([s.agent.last.deploymentId, s.agent.last.commandName, s.agent.last.status], [id2, 'ValidateService', 'Succeeded']);
  t.equal(await stopAgent(fleet[0] as Device), 0, 'SIGTERM stops an idle agent cleanly');
});

t.test('kill -9 mid-hook: the hook is stopped and code 7 reported once at restart; the next deployment succeeds', async (t) => {
  const { dir, sb, fleet, cd } = await setup(t, 1);
  const device = fleet[0] as Device;
  startAgent(device);
  // hangs while the file `hang` exists in the agent's working directory
  const hang = '#!/bin/sh\necho $$ > hook.pid\nif [ -f hang ]; then sleep 120; fi\n';
  writeFileSync(join(device.dir, 'hang'), '');
  const key = await uploadRevision(sb, dir, 'hang', 'version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n    - location: h.sh\n      timeout: 300\n', { 'h.sh': hang });
  const id = await deploy(cd, key);
  const pidFile = join(device.dir, 'hook.pid');
  await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 60_000, 'the hook to start');
  const hookPid = Number(readFileSync(pidFile, 'utf8'));
  await killAgent(device);
  t.ok(alive(hookPid), 'the hook runs on in its own process group after the agent died');
  rmSync(join(device.dir, 'hang'));
  startAgent(device);
  const info = await waitDone(cd, id);
  t.equal(info.status, 'Failed');
  t.notOk(alive(hookPid), 'the restarted agent stopped the hook before reporting');
  t.same(hookProcesses(device), [], 'no process of the hook is left');
  const [target] = await targets(cd, id);
  const start = target?.lifecycleEvents?.find((e) => e.lifecycleEventName === 'ApplicationStart');
  t.equal(start?.status, 'Failed');
  t.equal(start?.diagnostics?.message, 'Failed: Failing in-progress lifecycle event after an agent restart.');
  t.equal(start?.diagnostics?.errorCode, 'UnknownError');
  const id2 = await deploy(cd, key);
  t.equal((await waitDone(cd, id2)).status, 'Succeeded', device.output);
  t.equal(device.output.match(/deployment tracking file found/g)?.length, 1, 'reported exactly once');
  t.equal(device.output.match(/stopped the hook script an agent restart interrupted/g)?.length, 1);
});

t.test('a spec not signed by the configured CA is refused; world-readable secrets refuse to start', async (t) => {
  const { dir, sb, fleet, cd } = await setup(t, 2);
  const [trusting, pinned] = fleet as [Device, Device];
  // the second device trusts another CA than the one that signs this sandbox's specs
  const other = await startSandbox({});
  writeFileSync(join(pinned.dir, 'ca.pem'), other.caPem);
  await other.close();
  startAgent(trusting);
  startAgent(pinned);
  const key = await uploadRevision(sb, dir, 'v1', 'version: 0.0\nos: linux\n', {});
  const id = await deploy(cd, key);
  await waitDone(cd, id); // AllAtOnce: the deployment itself succeeds while one host succeeded
  const byName: Record<string, InstanceTarget> = Object.fromEntries((await targets(cd, id)).map((x) => [x.targetId, x]));
  t.equal(byName['pi-01']?.status, 'Succeeded');
  t.equal(byName['pi-02']?.status, 'Failed');
  const first = (byName['pi-02'] as InstanceTarget | undefined)?.lifecycleEvents?.find((e) => e.status === 'Failed');
  t.match(first?.diagnostics?.message, /PKCS7|signature|certificate/i, 'the refusal says why');

  await stopAgent(trusting);
  const onprem = join(trusting.dir, 'onpremises.yml');
  chmodSync(onprem, 0o644);
  const refused = await runAgent(['run', '-c', trusting.configPath]);
  t.equal(refused.code, 2, 'a configuration problem: exit 2 (the CLI contract)');
  t.match(refused.stderr, `${onprem}`);
  t.match(refused.stderr, /chmod 600/);
  t.notMatch(refused.stderr + refused.stdout, trusting.principal.secretAccessKey, 'the secret is never printed');
});
