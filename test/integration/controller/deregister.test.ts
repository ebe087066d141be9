// fleetctl deregister: by tag with IoT cleanup (things and certificates gone), --dry-run, exit codes.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { BatchGetOnPremisesInstancesCommand } from '@aws-sdk/client-codedeploy';
import { DescribeCertificateCommand, DescribeThingCommand, ListThingPrincipalsCommand } from '@aws-sdk/client-iot';
import type { DeregisterReport } from '../../../controller/registration/deregister.js';
import type { RegisterReport } from '../../../controller/registration/register.js';
import { ROLE_ARN, sessionArn, startFleet } from './register-fixtures.js';

const fleet = await startFleet();
t.teardown(() => fleet.close());
const out = join(fleet.work, 'bundles');

t.test('deregister --tag with IoT cleanup', async (t) => {
  const yaml = join(fleet.work, 'fleet.yaml');
  writeFileSync(
    yaml,
    `defaults: {tags: {fleet: lab}}\ndevices:\n  - {name: d-1, identity: iot, tags: {wave: "1"}}\n  - {name: d-2, identity: iot, tags: {wave: "1"}}\n  - {name: d-3, iam_session_arn: "${sessionArn('d-3')}", tags: {wave: "1"}}\n  - {name: keep, identity: iot, tags: {wave: "2"}}\n`,
  );
  const reg = await fleet.json<RegisterReport>(['register', '--inventory', yaml, '--out', out, '--iot-role-arn', ROLE_ARN]);
  t.equal(reg.code, 0, reg.stderr);
  const certs = new Map<string, string>();
  for (const n of ['d-1', 'd-2']) certs.set(n, ((await fleet.iot.send(new ListThingPrincipalsCommand({ thingName: n }))).principals ?? [])[0] as string);

  const dry = await fleet.json<DeregisterReport>(['deregister', '--tag', 'wave=1', '--delete-thing', '--dry-run', '--out', out]);
  t.equal(dry.code, 0);
  t.match(dry.doc, { schema: 'fleetctl.deregister/v1', dryRun: true, summary: { total: 3, 'would-deregister': 3 } });
  t.match(dry.doc.devices.find((d) => d.name === 'd-1')?.actions, ['remove tags fleet,wave', 'deregister', /delete certificate/, 'delete thing d-1']);
  const still = await fleet.codedeploy.send(new BatchGetOnPremisesInstancesCommand({ instanceNames: ['d-1'] }));
  t.equal(still.instanceInfos?.[0]?.deregisterTime, undefined, 'a dry run changes nothing');

  const r = await fleet.json<DeregisterReport>(['deregister', '--tag', 'wave=1', '--delete-thing', '--out', out]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.doc.summary, { deregistered: 3 });
  const infos = await fleet.codedeploy.send(new BatchGetOnPremisesInstancesCommand({ instanceNames: ['d-1', 'd-2', 'd-3', 'keep'] }));
  for (const i of infos.instanceInfos ?? []) {
    if (i.instanceName === 'keep') t.equal(i.deregisterTime, undefined, 'a device without the tag stays');
    else {
      t.ok(i.deregisterTime, `${i.instanceName} deregistered`);
      t.same(i.tags ?? [], [], `${i.instanceName} tags removed`);
    }
  }
  for (const [n, cert] of certs) {
    await t.rejects(fleet.iot.send(new DescribeThingCommand({ thingName: n })), { name: 'ResourceNotFoundException' }, `thing ${n} gone`);
    await t.rejects(fleet.iot.send(new DescribeCertificateCommand({ certificateId: cert.split('/').pop() as string })), { name: 'ResourceNotFoundException' }, `certificate of ${n} gone`);
    t.notOk(existsSync(join(out, n)), `bundle of ${n} removed`);
  }
  await fleet.iot.send(new DescribeThingCommand({ thingName: 'keep' }));

  const reReg = await fleet.json<RegisterReport>(['register', '--inventory', yaml, '--out', out, '--iot-role-arn', ROLE_ARN]);
  t.equal(reReg.code, 0, JSON.stringify(reReg.doc.devices.filter((d) => d.error)));
  t.match(reReg.doc.summary, { registered: 3, unchanged: 1 }, 'deregistered devices register again from scratch');
});

t.test('usage errors exit 2; an unknown name fails (exit 1), as in fleetctl status', async (t) => {
  t.equal((await fleet.fleetctl(['deregister'])).code, 2, 'no devices chosen');
  t.equal((await fleet.fleetctl(['deregister', 'x', '--tag', 'a=b'])).code, 2, 'two ways of choosing');
  const r = await fleet.json<DeregisterReport & { unknown?: string[] }>(['deregister', 'never-registered']);
  t.equal(r.code, 1);
  t.match(r.doc, { schema: 'fleetctl.deregister/v1', unknown: ['never-registered'] });
  t.match(r.doc.devices, [{ name: 'never-registered', outcome: 'not-registered', error: { code: 'FLEET_DEVICE_UNKNOWN' } }]);
  const st = await fleet.fleetctl(['status', 'never-registered']);
  t.equal(st.code, r.code, 'status and deregister agree on an unknown name');
});
