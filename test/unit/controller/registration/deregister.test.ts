import t from 'tap';
import { join } from 'node:path';
import { deregisterDevices, type DeregisterOptions } from '../../../../controller/registration/deregister.js';
import { LEDGER_FILE, openLedger } from '../../../../controller/registration/ledger.js';
import { harness, iotDevice, sessionDevice, userDevice } from './fixtures.js';

const opts: DeregisterOptions = { deleteCertificates: false, deleteThing: false, deleteIamUser: false, dryRun: false, force: false, iotPolicy: 'edge-agent-device', concurrency: 4 };

async function registered(t: Parameters<typeof harness>[0]) {
  const h = harness(t);
  const r = await h.register([sessionDevice('s-1'), iotDevice('i-1'), userDevice('u-1')]);
  t.equal(r.summary.registered, 3);
  const deregister = (names: string[], o: Partial<DeregisterOptions> = {}) =>
    deregisterDevices(names, { ...opts, ...o }, { aws: h.pool.session(), stats: h.pool.stats, ledger: openLedger(join(h.out, LEDGER_FILE)) });
  return { h, deregister };
}

t.test('--dry-run lists what would be removed and changes nothing', async (t) => {
  const { h, deregister } = await registered(t);
  const from = h.world.calls.length;
  const r = await deregister(['i-1', 'u-1', 'nobody'], { dryRun: true, deleteThing: true, deleteCertificates: true, deleteIamUser: true });
  t.same(h.writesSince(from), []);
  t.equal(r.dryRun, true);
  t.match(r.devices, [
    { name: 'i-1', outcome: 'would-deregister', actions: ['remove tags fleet', 'deregister', /^delete certificate [0-9a-f]{12}…$/, 'delete thing i-1'] },
    { name: 'u-1', outcome: 'would-deregister', actions: ['deregister', /^delete access key AKIA/, 'delete policy edge-agent-codedeploy of IAM user u-1', 'delete IAM user u-1'] },
    { name: 'nobody', outcome: 'not-registered', actions: [] },
  ]);
});

t.test('deregister with every clean-up: instance, tags, certificate, thing and IAM user are gone', async (t) => {
  const { h, deregister } = await registered(t);
  const r = await deregister(['s-1', 'i-1', 'u-1'], { deleteThing: true, deleteCertificates: true, deleteIamUser: true });
  t.same(r.summary, { total: 3, deregistered: 3, 'would-deregister': 0, 'not-registered': 0, refused: 0, failed: 0 });
  const cd = h.world.codedeploy();
  for (const n of ['s-1', 'i-1', 'u-1']) t.ok(cd.instances.get(n)?.deregisterTime, `${n} deregistered`);
  t.same(cd.instances.get('s-1')?.tags, [], 'tags removed first');
  t.equal(h.world.iot().things.size, 0);
  t.equal(h.world.iot().certificates.size, 0);
  t.equal(h.world.iam().users.size, 0);
  const again = await deregister(['s-1', 'i-1', 'u-1'], { deleteThing: true, deleteIamUser: true });
  t.same(again.devices.map((d) => d.outcome), ['not-registered', 'not-registered', 'not-registered'], 'a second run finds nothing to do');
});

t.test('a device in a running deployment is refused unless forced', async (t) => {
  const { h, deregister } = await registered(t);
  const cd = h.world.codedeploy().seedGroup({ applicationName: 'app', deploymentGroupName: 'g', onPremisesTagSets: [[{ Key: 'fleet', Value: 'pi' }]] });
  const { deploymentId } = await cd.createDeployment({ applicationName: 'app', deploymentGroupName: 'g', revision: { bucket: 'b', key: 'k', bundleType: 'zip' } });
  cd.progress(deploymentId, 'InProgress', { 's-1': 'InProgress' });
  const refused = await deregister(['s-1', 'i-1']);
  t.match(refused.devices[0], { outcome: 'refused', error: { code: 'FLEET_DEPLOYMENT_IN_PROGRESS', message: new RegExp(`s-1 is in deployment ${deploymentId} \\(InProgress\\).*--force`) } });
  t.equal(refused.devices[1]?.outcome, 'deregistered', 'the idle device is not held up');
  t.notOk(cd.instances.get('s-1')?.deregisterTime);
  const forced = await deregister(['s-1'], { force: true });
  t.equal(forced.devices[0]?.outcome, 'deregistered');
});

t.test('a teardown cut short after the detach: the ledger remembers the certificate and the next run deletes it', async (t) => {
  const { h, deregister } = await registered(t);
  h.world.faults.inject({ operation: 'iot.DeleteCertificate', fault: '5xx', times: Infinity });
  const first = await deregister(['i-1', 's-1'], { deleteThing: true, deleteCertificates: true });
  t.match(first.devices[0], { name: 'i-1', outcome: 'failed', actions: ['remove tags fleet', 'deregister'], error: { code: 'AWS_SERVICE_ERROR' } });
  t.equal(first.devices[1]?.outcome, 'deregistered');
  t.ok(first.stats.retries > 0, 'the 5xx was retried before giving up');
  h.world.faults.clear();
  const second = await deregister(['i-1'], { deleteThing: true, deleteCertificates: true });
  t.match(second.devices[0], { outcome: 'not-registered', actions: [/^delete certificate/, 'delete thing i-1'] });
  t.equal(h.world.iot().certificates.size, 0);
  t.equal(h.world.iot().things.size, 0);
});

t.test('throttling while deregistering is retried, not failed', async (t) => {
  const { h, deregister } = await registered(t);
  h.world.faults.inject({ operation: 'codedeploy.DeregisterOnPremisesInstance', fault: 'throttle', times: 3 });
  const r = await deregister(['s-1']);
  t.equal(r.devices[0]?.outcome, 'deregistered');
  t.equal(r.stats.throttledRetries, 3);
});
