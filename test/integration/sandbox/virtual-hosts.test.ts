// Virtual hosts through the real SDK clients: CodeDeploy deployments over groups of them (events,
// diagnostics, minimum healthy hosts, failOnRevision), their device shadows (edge-agent's keys,
// read as `fleetctl status` reads them), and 2,000 of them in one deployment group.
import t, { type Test } from 'tap';
import {
  BatchGetDeploymentTargetsCommand,
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentCommand,
  GetOnPremisesInstanceCommand,
  ListDeploymentTargetsCommand,
  ListOnPremisesInstancesCommand,
  type DeploymentInfo,
  type InstanceTarget,
} from '@aws-sdk/client-codedeploy';
import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { buildReportedState } from '../../../agent/telemetry/shadow-reporter.js';
import { healthFromShadow } from '../../../controller/fleet/fleet-state.js';
import { sdkConfig } from '../../../sandbox/simulated-device.js';
import { deploy, startFleet, waitDone, waitFor, type Fleet } from '../../helpers/agent-fleet.js';

const EVENTS = ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService'];

async function release(fleet: Fleet, key: string): Promise<string> {
  await fleet.s3.send(new PutObjectCommand({ Bucket: 'releases', Key: key, Body: Buffer.from(`bundle ${key}`) }));
  return key;
}

async function targets(fleet: Fleet, deploymentId: string): Promise<Map<string, InstanceTarget>> {
  const out = new Map<string, InstanceTarget>();
  let nextToken: string | undefined;
  do {
    const page = await fleet.cd.send(new ListDeploymentTargetsCommand({ deploymentId, ...(nextToken ? { nextToken } : {}) }));
    const ids = page.targetIds ?? [];
    for (let i = 0; i < ids.length; i += 25) {
      const got = await fleet.cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: ids.slice(i, i + 25) }));
      for (const d of got.deploymentTargets ?? []) out.set(String(d.instanceTarget?.targetId), d.instanceTarget ?? {});
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

const statuses = (target: InstanceTarget | undefined): string[] => (target?.lifecycleEvents ?? []).map((e) => `${e.lifecycleEventName}:${e.status}`);

async function shadowOf(fleet: Fleet, t: Test, thingName: string): Promise<Record<string, unknown>> {
  const iot = new IoTDataPlaneClient(sdkConfig(fleet.sb));
  t.teardown(() => iot.destroy());
  const r = await iot.send(new GetThingShadowCommand({ thingName }));
  return JSON.parse(Buffer.from(r.payload ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>;
}

/** The key paths of a JSON value (objects only; arrays and scalars are leaves). */
function keyPaths(v: unknown, at = ''): string[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [at];
  return Object.entries(v).flatMap(([k, x]) => keyPaths(x, at ? `${at}.${k}` : k)).sort();
}

t.test('a deployment over virtual hosts succeeds with every lifecycle event per target', async (t) => {
  const fleet = await startFleet(t);
  const names = fleet.sb.virtualHosts.add({ accountId: fleet.sb.root.accountId, namePrefix: 'vh', count: 5, tags: { fleet: 'lab' }, eventMs: { default: 2, Install: 10 } });
  t.same(names, ['vh-001', 'vh-002', 'vh-003', 'vh-004', 'vh-005']);
  const listed = await fleet.cd.send(new ListOnPremisesInstancesCommand({ tagFilters: [{ Key: 'fleet', Value: 'lab', Type: 'KEY_AND_VALUE' }] }));
  t.same(listed.instanceNames, names, 'listed by tag like any registered instance');
  const info = (await fleet.cd.send(new GetOnPremisesInstanceCommand({ instanceName: 'vh-003' }))).instanceInfo;
  t.match(info, { instanceName: 'vh-003', iamUserArn: `arn:aws:iam::${fleet.sb.root.accountId}:user/virtual-hosts/vh-003`, tags: [{ Key: 'fleet', Value: 'lab' }] });
  const id = await deploy(fleet, await release(fleet, 'releases/v1.tgz'));
  const done = await waitDone(fleet, id, 30_000);
  t.equal(done.status, 'Succeeded');
  t.match(done.deploymentOverview, { Succeeded: 5, Failed: 0 });
  const all = await targets(fleet, id);
  t.equal(all.size, 5);
  for (const name of names) {
    const target = all.get(name);
    t.same(statuses(target), EVENTS.map((e) => `${e}:Succeeded`), `${name}: the seven events in order`);
    t.match(target?.lifecycleEvents?.[6]?.diagnostics, { errorCode: 'Success', scriptName: '', logTail: '' });
    const install = target?.lifecycleEvents?.find((e) => e.lifecycleEventName === 'Install');
    t.ok((install?.endTime?.getTime() ?? 0) - (install?.startTime?.getTime() ?? 0) >= 10, 'Install took its configured time');
  }
  t.match(fleet.sb.virtualHosts.stats(), { hosts: 5, busy: 0, commandsSucceeded: 35, commandsFailed: 0 });
});

t.test('a virtual host failing a named event: agent-shaped diagnostics, minimum healthy hosts decide', async (t) => {
  const fleet = await startFleet(t);
  const accountId = fleet.sb.root.accountId;
  fleet.sb.virtualHosts.add({ accountId, names: ['ok-1', 'ok-2', 'ok-3', 'bad-1'], tags: { fleet: 'lab' }, eventMs: 1, failEvents: ['AfterInstall'], failHosts: ['bad-1'] });
  // AllAtOnce (the lab group): one host failing does not fail the deployment.
  const first = await deploy(fleet, await release(fleet, 'releases/v1.tgz'));
  t.equal((await waitDone(fleet, first, 30_000)).status, 'Succeeded');
  const bad = (await targets(fleet, first)).get('bad-1');
  t.equal(bad?.status, 'Failed');
  t.same(statuses(bad), ['ApplicationStop:Succeeded', 'DownloadBundle:Succeeded', 'BeforeInstall:Succeeded', 'Install:Succeeded', 'AfterInstall:Failed', 'ApplicationStart:Skipped', 'ValidateService:Skipped']);
  const failed = bad?.lifecycleEvents?.[4]?.diagnostics;
  t.match(failed, { errorCode: 'ScriptFailed', scriptName: 'scripts/AfterInstall.sh', message: 'Script at specified location: scripts/AfterInstall.sh failed with exit code 1' });
  t.equal(failed?.logTail, 'LifecycleEvent - AfterInstall\nScript - scripts/AfterInstall.sh\n[stderr]virtual host bad-1: injected failure: the host is listed in failHosts\n');
  // A group needing 4 healthy hosts of 4: the same failure fails the deployment.
  await fleet.cd.send(new CreateDeploymentConfigCommand({ deploymentConfigName: 'AllHealthy', minimumHealthyHosts: { type: 'HOST_COUNT', value: 3 } }));
  await fleet.cd.send(
    new CreateDeploymentGroupCommand({
      applicationName: 'app',
      deploymentGroupName: 'strict',
      serviceRoleArn: `arn:aws:iam::${accountId}:role/cd`,
      deploymentConfigName: 'AllHealthy',
      onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: 'lab', Type: 'KEY_AND_VALUE' }],
    }),
  );
  const second = await fleet.cd.send(
    new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'strict', revision: { revisionType: 'S3', s3Location: { bucket: 'releases', key: 'releases/v1.tgz', bundleType: 'tgz' } } }),
  );
  const done = await waitDone(fleet, second.deploymentId!, 30_000);
  t.equal(done.status, 'Failed', 'HOST_COUNT 3 of 4: one failed host is one too many');
  t.equal(done.errorInformation?.code, 'HEALTH_CONSTRAINTS');
});

t.test('failOnRevision: a bad release fails on its canaries only; built-in events fail as UnknownError', async (t) => {
  const fleet = await startFleet(t);
  const accountId = fleet.sb.root.accountId;
  fleet.sb.virtualHosts.add({ accountId, namePrefix: 'canary', count: 2, tags: { fleet: 'lab', ring: 'canary' }, eventMs: 1, failOnRevision: 'releases/bad-*', failEvents: ['DownloadBundle'] });
  fleet.sb.virtualHosts.add({ accountId, namePrefix: 'main', count: 3, tags: { fleet: 'lab', ring: 'main' }, eventMs: 1 });
  const good = await deploy(fleet, await release(fleet, 'releases/good-1.tgz'));
  t.match(await waitDone(fleet, good, 30_000), { status: 'Succeeded', deploymentOverview: { Succeeded: 5 } });
  const bad = await deploy(fleet, await release(fleet, 'releases/bad-2.tgz'));
  t.match(await waitDone(fleet, bad, 30_000), { deploymentOverview: { Succeeded: 3, Failed: 2 } });
  const canary = (await targets(fleet, bad)).get('canary-001');
  const download = canary?.lifecycleEvents?.[1];
  t.match(download, { lifecycleEventName: 'DownloadBundle', status: 'Failed', diagnostics: { errorCode: 'UnknownError', scriptName: '', logTail: '' } });
  t.match(download?.diagnostics?.message, /injected DownloadBundle failure: the revision releases\/bad-2\.tgz matches failOnRevision releases\/bad-\*/);
});

t.test("a virtual host's shadow has edge-agent's keys and is read as fleetctl status reads it", async (t) => {
  const fleet = await startFleet(t);
  const accountId = fleet.sb.root.accountId;
  fleet.sb.virtualHosts.add({ accountId, names: ['pi-v1'], tags: { fleet: 'lab' }, eventMs: 1, unhealthyOnRevision: 'releases/hot-*' });
  fleet.sb.virtualHosts.add({ accountId, names: ['pi-quiet'], tags: { fleet: 'other' }, health: 'none' });
  fleet.sb.virtualHosts.add({ accountId, names: ['pi-warm'], tags: { fleet: 'other' }, health: 'degraded' });
  const before = await shadowOf(fleet, t, 'pi-v1');
  t.match(healthFromShadow(before), { verdict: 'healthy', failing: [], agentVersion: '0.1.0-virtual' });
  t.match(healthFromShadow(await shadowOf(fleet, t, 'pi-warm')), { verdict: 'degraded', failing: ['cpu_temperature'] });
  await t.rejects(shadowOf(fleet, t, 'pi-quiet'), { name: 'ResourceNotFoundException' }, 'health: none never reports');
  const id = await deploy(fleet, await release(fleet, 'releases/hot-1.tgz'));
  t.equal((await waitDone(fleet, id, 30_000)).status, 'Succeeded');
  const after = await shadowOf(fleet, t, 'pi-v1');
  const reported = (after['state'] as { reported: Record<string, unknown> }).reported;
  // What edge-agent itself reports after a deployment, built by its own code.
  const agent = buildReportedState({
    agentVersion: '0.1.0',
    identity: { thingName: 'pi-v1', mode: 'iam-user', hostIdentifier: 'arn:aws:iam::111111111111:user/pi-v1' },
    health: {
      verdict: 'unhealthy',
      sampledAt: new Date().toISOString(),
      checks: [
        { name: 'cpu_temperature', status: 'fail', value: 83.1, unit: '°C', reason: 'too hot' },
        { name: 'memory_available', status: 'ok', value: 61.2, unit: '%' },
        { name: 'disk_free', status: 'ok', value: 69.9, unit: '%' },
      ],
    },
    deployment: { last: { deploymentId: id, commandName: 'ValidateService', at: new Date().toISOString(), status: 'Succeeded' } },
  });
  t.same(keyPaths(reported), keyPaths(agent), 'the same keys as an edge-agent report');
  t.match(reported, {
    identity: { thingName: 'pi-v1', mode: 'iam-user', hostIdentifier: `arn:aws:iam::${accountId}:user/virtual-hosts/pi-v1` },
    deployment: { last: { deploymentId: id, command: 'ValidateService', status: 'Succeeded' } },
  });
  t.match(healthFromShadow(after), { verdict: 'unhealthy', failing: ['cpu_temperature'] }, 'unhealthy after the matching revision');
});

t.test('2,000 virtual hosts in one group complete a deployment quickly, on one scheduler', async (t) => {
  const fleet = await startFleet(t);
  const t0 = Date.now();
  fleet.sb.virtualHosts.add({ accountId: fleet.sb.root.accountId, namePrefix: 'fleet', count: 2000, tags: { fleet: 'lab' }, eventMs: 20 });
  t.ok(Date.now() - t0 < 5_000, `registered 2,000 hosts in ${Date.now() - t0} ms`);
  const id = await deploy(fleet, await release(fleet, 'releases/v1.tgz'));
  const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  let peak = 0;
  let peakBusy = 0;
  let info: DeploymentInfo | undefined;
  await waitFor(async () => {
    peak = Math.max(peak, timeouts());
    peakBusy = Math.max(peakBusy, fleet.sb.virtualHosts.stats().busy);
    const got = (await fleet.cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
    info = got;
    return got?.status === 'Succeeded' || got?.status === 'Failed';
  }, 60_000, 'the 2,000-host deployment to finish');
  t.match(info, { status: 'Succeeded', deploymentOverview: { Succeeded: 2000 } });
  t.ok(peakBusy > 100, `hosts ran concurrently (peak ${peakBusy} busy)`);
  t.ok(peak < 50, `no timer per host or command: at most ${peak} active timeouts with ${peakBusy} hosts busy`);
  t.match(fleet.sb.virtualHosts.stats(), { commandsSucceeded: 14_000, busy: 0 });
});
