// fleetctl ls and status: registrations, tags, and live health from the device shadow.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import type { DeviceRow, StatusRow } from '../../../controller/fleet/fleet-state.js';
import { ROLE_ARN, sessionArn, startFleet } from './register-fixtures.js';

const fleet = await startFleet();
t.teardown(() => fleet.close());

t.test('ls and status', async (t) => {
  const yaml = join(fleet.work, 'fleet.yaml');
  writeFileSync(yaml, `devices:\n  - {name: a-1, identity: iot, tags: {site: a}}\n  - {name: b-1, iam_session_arn: "${sessionArn('b-1')}", tags: {site: b}}\n`);
  t.equal((await fleet.fleetctl(['register', '--inventory', yaml, '--out', join(fleet.work, 'out'), '--iot-role-arn', ROLE_ARN])).code, 0);
  await fleet.fleetctl(['deregister', 'b-1']);

  const ls = await fleet.json<{ schema: string; devices: DeviceRow[] }>(['ls']);
  t.equal(ls.doc.schema, 'fleetctl.ls/v1');
  t.same(ls.doc.devices.map((d) => [d.name, d.status]), [['a-1', 'Registered'], ['b-1', 'Deregistered']]);
  const filtered = await fleet.json<{ devices: DeviceRow[] }>(['ls', '--tag', 'site=a', '--status', 'Registered']);
  t.same(filtered.doc.devices.map((d) => d.name), ['a-1']);
  t.equal((await fleet.fleetctl(['ls', '--status', 'Gone'])).code, 2);
  const human = await fleet.fleetctl(['ls']);
  t.match(human.stdout, /^DEVICE\s+STATUS\s+IDENTITY\s+TAGS\n/);

  const data = new IoTDataPlaneClient({ region: fleet.sb.region, endpoint: fleet.sb.url, credentials: { accessKeyId: fleet.sb.root.accessKeyId, secretAccessKey: fleet.sb.root.secretAccessKey } });
  t.teardown(() => data.destroy());
  const reported = { agent: { version: '9.9.9' }, health: { verdict: 'degraded', checks: { disk: { status: 'warn' }, cpu: { status: 'ok' } } } };
  await data.send(new UpdateThingShadowCommand({ thingName: 'a-1', payload: Buffer.from(JSON.stringify({ state: { reported } })) }));
  const st = await fleet.json<{ schema: string; devices: StatusRow[] }>(['status']);
  t.equal(st.code, 0, st.stderr);
  t.equal(st.doc.schema, 'fleetctl.status/v1');
  t.match(st.doc.devices, [{ name: 'a-1', status: 'Registered', health: { verdict: 'degraded', failing: ['disk'], agentVersion: '9.9.9' } }]);
  const one = await fleet.fleetctl(['status', 'a-1', 'nope']);
  t.equal(one.code, 1, 'an unknown name fails status');
  t.match(one.stdout, /a-1\s+Registered\s+site=a\s+-\s+degraded \(disk\)/);
  t.match(one.stdout, /not registered: nope/);
});
