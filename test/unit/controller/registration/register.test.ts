import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EdgeError } from '../../../../shared/errors.js';
import { ACCOUNT, harness, iotDevice, sessionArn, sessionDevice, userDevice } from './fixtures.js';

t.test('a new fleet: every identity registered, tagged and bundled, with the report counting calls', async (t) => {
  const h = harness(t);
  const r = await h.register([sessionDevice('pi-1'), iotDevice('pi-2', 'lab'), userDevice('pi-3')]);
  t.same(r.summary, { total: 3, registered: 3, updated: 0, unchanged: 0, conflict: 0, failed: 0 });
  t.match(r.setup, [/role alias edge-agent-codedeploy created/, /IoT policy edge-agent-device created/, /thing group lab created/]);
  const cd = h.world.codedeploy();
  t.equal(cd.instances.get('pi-1')?.iamSessionArn, sessionArn('pi-1'));
  t.equal(cd.instances.get('pi-3')?.iamUserArn, `arn:aws:iam::${ACCOUNT}:user/edge-fleet/pi-3`);
  const iot = h.world.iot();
  const [cert] = [...(iot.things.get('pi-2')?.principals ?? [])];
  t.ok(cert, 'the certificate is attached to the thing');
  t.ok(iot.policies.get('edge-agent-device')?.targets.has(cert as string), 'and carries the device policy');
  t.same([...(iot.things.get('pi-2')?.groups ?? [])], ['lab']);
  t.match(cd.instances.get('pi-2')?.iamSessionArn, /:assumed-role\/edge-device\/[0-9a-f]{64}$/);
  t.same(cd.instances.get('pi-1')?.tags, [{ Key: 'fleet', Value: 'pi' }]);
  t.ok(existsSync(join(h.out, 'pi-2', 'iot-private.pem.key')), 'the IoT bundle holds the key');
  t.match(readFileSync(join(h.out, 'pi-3', 'onpremises.yml'), 'utf8'), /aws_secret_access_key: "user-secret-1"/);
  t.ok(r.stats.apiCalls > 10);
  t.equal(r.stats.callsByOperation['codedeploy.RegisterOnPremisesInstance'], 3);
  t.match(r.devices[1], { name: 'pi-2', outcome: 'registered', actions: ['thing created', 'added to thing group lab', 'certificate created', 'bundle written', 'certificate attached', 'registered', 'tags +fleet=iot'] });
});

t.test('a second run only reads: every device unchanged', async (t) => {
  const h = harness(t);
  const fleet = [sessionDevice('pi-1'), iotDevice('pi-2', 'lab'), userDevice('pi-3')];
  await h.register(fleet);
  const from = h.world.calls.length;
  const again = await h.register(fleet);
  t.same(again.summary, { total: 3, registered: 0, updated: 0, unchanged: 3, conflict: 0, failed: 0 });
  t.same(h.writesSince(from), [], 'no call changes anything');
});

t.test('changed tags: the device is updated with one add and one remove', async (t) => {
  const h = harness(t);
  await h.register([sessionDevice('pi-1', [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }])]);
  const r = await h.register([sessionDevice('pi-1', [{ Key: 'a', Value: '9' }])]);
  t.match(r.devices[0], { outcome: 'updated', actions: ['tags +a=9 -b'] });
  t.same(h.world.codedeploy().instances.get('pi-1')?.tags, [{ Key: 'a', Value: '9' }]);
});

t.test('throttling is absorbed by the pool: the device succeeds and the report shows the retries', async (t) => {
  const h = harness(t);
  h.world.faults.inject({ operation: 'codedeploy.RegisterOnPremisesInstance', times: 2, fault: 'throttle' });
  const r = await h.register([sessionDevice('pi-1')]);
  t.equal(r.summary.registered, 1);
  t.equal(r.stats.throttledRetries, 2);
  t.ok(r.stats.backoffMs > 0);
  t.equal(r.stats.callsByOperation['codedeploy.RegisterOnPremisesInstance'], 3);
});

t.test('a failure mid-run fails that device only; the next run resumes with the same certificate', async (t) => {
  const h = harness(t);
  h.world.faults.inject({ operation: 'iot.AttachThingPrincipal', fault: 'access-denied' });
  const first = await h.register([iotDevice('pi-1'), sessionDevice('pi-2')]);
  t.match(first.devices[0], { outcome: 'failed', error: { code: 'AWS_ACCESS_DENIED', requestId: /^fake-/ } });
  t.equal(first.devices[1]?.outcome, 'registered', 'the other device is not held up');
  t.notOk(first.devices.some((d) => d.error && !/^[A-Z_]+$/.test(d.error.code)), 'codes are ours');
  const certs = [...h.world.iot().certificates.keys()];
  const second = await h.register([iotDevice('pi-1'), sessionDevice('pi-2')]);
  t.match(second.devices[0], { outcome: 'registered', actions: ['certificate attached', 'registered', 'tags +fleet=iot'] });
  t.same([...h.world.iot().certificates.keys()], certs, 'the bundled certificate is kept, none created');
});

t.test('killed between creating a certificate and writing its bundle: the next run deletes the orphan', async (t) => {
  const h = harness(t);
  const store = h.bundles();
  let failWrite = true;
  const flaky = {
    ...store,
    write(device: string, files: Record<string, string>) {
      if (failWrite) {
        failWrite = false;
        throw new EdgeError('INTERNAL', 'disk full');
      }
      return store.write(device, files);
    },
  };
  const first = await h.register([iotDevice('pi-1')], { bundles: flaky });
  t.match(first.devices[0], { outcome: 'failed', error: { code: 'INTERNAL', message: 'disk full' } });
  const [orphan] = [...h.world.iot().certificates.keys()];
  const second = await h.register([iotDevice('pi-1')]);
  t.match(second.devices[0]?.actions, [/^orphaned certificate .+ deleted$/, 'certificate created', 'bundle written', 'certificate attached', 'registered']);
  t.notOk(h.world.iot().certificates.has(orphan as string), 'the certificate whose key was lost is gone');
  t.equal(h.world.iot().certificates.size, 1);
});

t.test('a name registered with another identity is a conflict that says how to resolve it', async (t) => {
  const h = harness(t);
  await h.world.codedeploy().registerOnPremisesInstance({ instanceName: 'pi-1', iamSessionArn: sessionArn('someone-else') });
  const r = await h.register([sessionDevice('pi-1')]);
  t.match(r.devices[0], { outcome: 'conflict', arn: sessionArn('someone-else'), error: { code: 'FLEET_NAME_CONFLICT', message: /registered with .*someone-else/ } });
  t.equal(r.summary.conflict, 1);
});

t.test('an identity already used by another instance is a conflict too', async (t) => {
  const h = harness(t);
  await h.world.codedeploy().registerOnPremisesInstance({ instanceName: 'old-name', iamSessionArn: sessionArn('pi-1') });
  const r = await h.register([sessionDevice('pi-1')]);
  t.match(r.devices[0], { outcome: 'conflict', error: { code: 'FLEET_NAME_CONFLICT', message: /already registered to another instance/ } });
});
