// The S3 download of DownloadBundle interrupted through a running agent: its s3_endpoint_override
// points at a proxy in front of the sandbox that drops the connection mid-body. Cut once, the
// download resumes and the deployment succeeds; cut every time, DownloadBundle fails after its
// bounded attempts and the failure reaches the service with its message (never a hang).
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDevice, deploy, eventStatuses, lifecycleEvents, runDevice, startFleet, uploadRevision, waitDone } from '../../helpers/agent-fleet.js';
import { guardProcessesUnder } from '../../helpers/tracked-agent.js';
import { startCuttingProxy, type CutRule, type SeenRequest } from '../../helpers/cutting-proxy.js';

const MiB = 1024 * 1024;
const appspec = 'version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: app-installed\n';
const EVENTS = ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService'];

t.test('one agent downloading through a connection-cutting proxy', async (t) => {
  const fleet = await startFleet(t);
  guardProcessesUnder(t, fleet.dir); // agents and hooks never outlive the test
  let cut: (get: SeenRequest, nth: number) => CutRule | undefined = () => undefined;
  const proxy = await startCuttingProxy({
    target: fleet.sb.url,
    cut: (r) => (r.method === 'GET' ? cut(r, bundleGets(r.url).length - 1) : undefined),
  });
  t.teardown(() => proxy.close());
  /** The GETs of one bundle key, in order (a request is recorded before its rule is asked). */
  const bundleGets = (url: string): SeenRequest[] => proxy.requests.filter((r) => r.method === 'GET' && r.url.split('?')[0] === url.split('?')[0]);
  const device = await addDevice(fleet, 'pi-01', { s3_endpoint_override: proxy.url });
  runDevice(device);
  // random bytes do not compress: the bundle is about as large as the file
  const payload = randomBytes(3 * MiB);

  await t.test('cut once mid-body: resumed, the deployment succeeds', async (t) => {
    cut = (_get, nth) => (nth === 0 ? { afterBytes: MiB, mode: 'close', delayMs: 200 } : undefined);
    const key = await uploadRevision(fleet, 'once', appspec, { 'app/payload.bin': payload });
    const id = await deploy(fleet, key);
    t.equal((await waitDone(fleet, id)).status, 'Succeeded', 'the deployment succeeded', { output: device.output });
    t.same(eventStatuses(await lifecycleEvents(fleet, id)), EVENTS.map((e) => `${e}:Succeeded`));
    t.ok(readFileSync(join(device.dir, 'app-installed', 'payload.bin')).equals(payload), 'installed byte-identical');
    const gets = bundleGets('/releases/once');
    t.same(gets.map((g) => g.cut ?? 'whole'), ['close', 'whole'], 'one cut GET, then one that completed');
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(String(gets[1]?.headers['range']))?.[1]);
    t.ok(resumedAt > 0 && resumedAt <= MiB, `resumed at byte ${resumedAt} of the ${MiB} sent before the cut`);
    t.ok(gets[1]?.headers['if-match'], 'the resumed GET is pinned to the object first seen (If-Match)');
    t.equal(gets[1]?.status, 206);
  });

  await t.test('cut every time: DownloadBundle fails with its message, the deployment fails', async (t) => {
    cut = () => ({ afterBytes: 256 * 1024, mode: 'close', delayMs: 5 });
    const key = await uploadRevision(fleet, 'always', appspec, { 'app/payload.bin': payload });
    const id = await deploy(fleet, key);
    t.equal((await waitDone(fleet, id)).status, 'Failed', 'the deployment failed');
    const events = await lifecycleEvents(fleet, id);
    t.same(eventStatuses(events).slice(0, 2), ['ApplicationStop:Succeeded', 'DownloadBundle:Failed']);
    const download = events.find((e) => e.name === 'DownloadBundle');
    t.equal(download?.errorCode, 'UnknownError');
    t.match(download?.message, /^Could not download the revision s3:\/\/releases\/always after 5 attempts \(.+ received\): the connection was dropped/);
    t.match(download?.message, /Check the network connection to S3/, 'says what to check');
    t.equal(bundleGets('/releases/always').length, 5, 'five GETs, all cut');
    t.notOk(eventStatuses(events).includes('Install:Succeeded'), 'nothing was installed');
    t.equal(device.process?.exitCode, null, 'the agent keeps running');
  });
});
