// The sandbox's IoT control plane through the real @aws-sdk/client-iot: things, thing groups,
// endpoints, role aliases, the AWS errors, and persistence across a restart. Certificates, policies
// and principals are in iot-control-plane-certs.test.ts.
import t from 'tap';
import {
  AddThingToThingGroupCommand,
  CreateKeysAndCertificateCommand,
  CreateRoleAliasCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DeleteRoleAliasCommand,
  DeleteThingCommand,
  DescribeCertificateCommand,
  DescribeEndpointCommand,
  DescribeRoleAliasCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  ListJobsCommand,
  ListThingGroupsForThingCommand,
  ListThingsCommand,
  ListThingsInThingGroupCommand,
  RemoveThingFromThingGroupCommand,
  UpdateThingCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { createServer, type AddressInfo } from 'node:net';
import { failure, iotClient, startIotSandbox } from './iot-harness.js';
import { startSandbox } from '../../../sandbox/sandbox.js';

const ACCOUNT = '111111111111';

/** Every page of ListThings with maxResults 2: the names, and the largest page seen. */
async function allThings(iot: IoTClient, filter: { attributeName?: string; attributeValue?: string; usePrefixAttributeValue?: boolean }): Promise<{ names: string[]; largest: number }> {
  const names: string[] = [];
  let largest = 0;
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListThingsCommand({ ...filter, maxResults: 2, ...(nextToken ? { nextToken } : {}) }));
    largest = Math.max(largest, (page.things ?? []).length);
    names.push(...(page.things ?? []).map((x) => x.thingName!));
    nextToken = page.nextToken;
  } while (nextToken);
  return { names, largest };
}

async function listenable(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port p with p, p+1 and p+2 free just now. */
async function freePortRun(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const server = createServer();
    const p = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (p + 2 < 65536 && (await listenable(p + 1)) && (await listenable(p + 2))) return p;
  }
  throw new Error('no run of three free ports found');
}

t.test('things: create (idempotent), describe, update, list with filters and pages, delete', async (t) => {
  const { iot } = await startIotSandbox(t);
  const created = await iot.send(new CreateThingCommand({ thingName: 'rpi-01', attributePayload: { attributes: { site: 'lab', rack: 'r1' } } }));
  t.equal(created.thingArn, `arn:aws:iot:us-east-1:${ACCOUNT}:thing/rpi-01`);
  t.match(created.thingId, /^[0-9a-f-]{36}$/);
  const again = await iot.send(new CreateThingCommand({ thingName: 'rpi-01', attributePayload: { attributes: { rack: 'r1', site: 'lab' } } }));
  t.equal(again.thingId, created.thingId, 'the same name and attributes: the existing thing');
  const clash = await failure(iot.send(new CreateThingCommand({ thingName: 'rpi-01', attributePayload: { attributes: { site: 'office' } } })));
  t.equal(clash.name, 'ResourceAlreadyExistsException');
  t.equal(clash.status, 409);
  t.equal(clash.error['resourceId'], created.thingId);
  t.equal(clash.error['resourceArn'], created.thingArn);

  const d = await iot.send(new DescribeThingCommand({ thingName: 'rpi-01' }));
  t.same({ name: d.thingName, id: d.thingId, arn: d.thingArn, attrs: d.attributes, version: d.version, clientId: d.defaultClientId }, {
    name: 'rpi-01', id: created.thingId, arn: created.thingArn, attrs: { site: 'lab', rack: 'r1' }, version: 1, clientId: 'rpi-01',
  });

  await iot.send(new UpdateThingCommand({ thingName: 'rpi-01', attributePayload: { attributes: { fw: '1.2', rack: '' }, merge: true } }));
  t.same((await iot.send(new DescribeThingCommand({ thingName: 'rpi-01' }))).attributes, { site: 'lab', fw: '1.2' }, 'merge adds and an empty value removes');
  await iot.send(new UpdateThingCommand({ thingName: 'rpi-01', attributePayload: { attributes: { site: 'field' } }, expectedVersion: 2 }));
  const updated = await iot.send(new DescribeThingCommand({ thingName: 'rpi-01' }));
  t.same(updated.attributes, { site: 'field' }, 'without merge the attributes are replaced');
  t.equal(updated.version, 3);
  const stale = await failure(iot.send(new UpdateThingCommand({ thingName: 'rpi-01', attributePayload: { attributes: {} }, expectedVersion: 1 })));
  t.same([stale.name, stale.status], ['VersionConflictException', 409]);

  for (const [name, site] of [['rpi-02', 'lab'], ['rpi-03', 'lab-2'], ['rpi-04', 'lab'], ['rpi-05', 'office']] as const) {
    await iot.send(new CreateThingCommand({ thingName: name, attributePayload: { attributes: { site } } }));
  }
  t.same(await allThings(iot, {}), { names: ['rpi-01', 'rpi-02', 'rpi-03', 'rpi-04', 'rpi-05'], largest: 2 }, 'every thing, in pages of two');
  t.same((await allThings(iot, { attributeName: 'site', attributeValue: 'lab' })).names, ['rpi-02', 'rpi-04']);
  t.same((await allThings(iot, { attributeName: 'site', attributeValue: 'lab', usePrefixAttributeValue: true })).names, ['rpi-02', 'rpi-03', 'rpi-04']);
  const listed = await iot.send(new ListThingsCommand({ attributeName: 'site', attributeValue: 'office' }));
  t.same(listed.things, [{ thingName: 'rpi-05', thingArn: `arn:aws:iot:us-east-1:${ACCOUNT}:thing/rpi-05`, attributes: { site: 'office' }, version: 1 }]);
  const badToken = await failure(iot.send(new ListThingsCommand({ nextToken: 'garbage' })));
  t.equal(badToken.name, 'InvalidRequestException');

  await iot.send(new DeleteThingCommand({ thingName: 'rpi-05' }));
  await iot.send(new DeleteThingCommand({ thingName: 'rpi-05' }));
  t.pass('deleting a thing that does not exist succeeds, as in AWS');
  const gone = await failure(iot.send(new DescribeThingCommand({ thingName: 'rpi-05' })));
  t.same([gone.name, gone.status], ['ResourceNotFoundException', 404]);
  const badName = await failure(iot.send(new CreateThingCommand({ thingName: 'bad name' })));
  t.same([badName.name, badName.status], ['InvalidRequestException', 400]);
  t.match(badName.message, /thingName.*regular expression/);
  const typed = await failure(iot.send(new CreateThingCommand({ thingName: 'typed', thingTypeName: 'Pi4' })));
  t.equal(typed.name, 'ResourceNotFoundException', 'thing types do not exist in the sandbox');
});

t.test('thing groups: nested groups, membership by name and ARN, recursive listing', async (t) => {
  const { iot } = await startIotSandbox(t);
  for (const n of ['rpi-01', 'rpi-02', 'rpi-03']) await iot.send(new CreateThingCommand({ thingName: n }));
  const fleet = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet', thingGroupProperties: { thingGroupDescription: 'all devices' } }));
  t.equal(fleet.thingGroupArn, `arn:aws:iot:us-east-1:${ACCOUNT}:thinggroup/fleet`);
  const same = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet', thingGroupProperties: { thingGroupDescription: 'all devices' } }));
  t.equal(same.thingGroupId, fleet.thingGroupId, 'identical CreateThingGroup returns the group');
  t.equal((await failure(iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet' })))).name, 'ResourceAlreadyExistsException');
  await iot.send(new CreateThingGroupCommand({ thingGroupName: 'canary', parentGroupName: 'fleet' }));
  t.equal((await failure(iot.send(new CreateThingGroupCommand({ thingGroupName: 'x', parentGroupName: 'nope' })))).name, 'ResourceNotFoundException');

  const canary = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'canary' }));
  t.equal(canary.thingGroupMetadata?.parentGroupName, 'fleet');
  t.same(canary.thingGroupMetadata?.rootToParentThingGroups, [{ groupName: 'fleet', groupArn: fleet.thingGroupArn }]);
  t.ok(canary.thingGroupMetadata?.creationDate instanceof Date);
  t.equal((await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'fleet' }))).thingGroupProperties?.thingGroupDescription, 'all devices');

  await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'fleet', thingName: 'rpi-01' }));
  await iot.send(new AddThingToThingGroupCommand({ thingGroupArn: fleet.thingGroupArn, thingArn: `arn:aws:iot:us-east-1:${ACCOUNT}:thing/rpi-02` }));
  await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'canary', thingName: 'rpi-03' }));
  await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'canary', thingName: 'rpi-03' }));
  t.same((await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'fleet' }))).things, ['rpi-01', 'rpi-02']);
  const p1 = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'fleet', recursive: true, maxResults: 2 }));
  t.same(p1.things, ['rpi-01', 'rpi-02']);
  const p2 = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'fleet', recursive: true, maxResults: 2, nextToken: p1.nextToken! }));
  t.same([p2.things, p2.nextToken], [['rpi-03'], undefined], 'recursive: the child group\'s things too');
  t.same((await iot.send(new ListThingGroupsForThingCommand({ thingName: 'rpi-03' }))).thingGroups?.map((g) => g.groupName), ['canary']);
  t.equal((await failure(iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'fleet', thingName: 'ghost' })))).name, 'ResourceNotFoundException');
  t.equal((await failure(iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'ghosts', thingName: 'rpi-01' })))).name, 'ResourceNotFoundException');

  await iot.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 'fleet', thingName: 'rpi-01' }));
  await iot.send(new DeleteThingCommand({ thingName: 'rpi-03' }));
  t.same((await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'fleet', recursive: true }))).things, ['rpi-02'], 'removed and deleted things leave their groups');
});

t.test('DescribeEndpoint answers host:port of the sandbox listeners', async (t) => {
  const { sb, iot } = await startIotSandbox(t);
  const ats = await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
  t.equal(ats.endpointAddress, sb.iot.dataEndpoint);
  t.match(ats.endpointAddress, /^127\.0\.0\.1:\d+$/);
  t.equal((await iot.send(new DescribeEndpointCommand({}))).endpointAddress, sb.iot.dataEndpoint, 'no type: iot:Data');
  t.equal((await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:CredentialProvider' }))).endpointAddress, sb.iot.credentialsEndpoint);
  t.not(sb.iot.credentialsEndpoint, sb.iot.dataEndpoint);
  t.equal((await failure(iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Bogus' })))).name, 'InvalidRequestException');
  t.match((await failure(iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Jobs' })))).message, /does not serve/);
});

t.test('role aliases', async (t) => {
  const { iot } = await startIotSandbox(t);
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/edge-device`;
  const created = await iot.send(new CreateRoleAliasCommand({ roleAlias: 'edge-device-alias', roleArn, credentialDurationSeconds: 1800 }));
  t.equal(created.roleAliasArn, `arn:aws:iot:us-east-1:${ACCOUNT}:rolealias/edge-device-alias`);
  const d = (await iot.send(new DescribeRoleAliasCommand({ roleAlias: 'edge-device-alias' }))).roleAliasDescription!;
  t.same([d.roleAlias, d.roleArn, d.owner, d.credentialDurationSeconds], ['edge-device-alias', roleArn, ACCOUNT, 1800]);
  t.ok(d.creationDate instanceof Date);
  t.equal((await failure(iot.send(new CreateRoleAliasCommand({ roleAlias: 'edge-device-alias', roleArn })))).name, 'ResourceAlreadyExistsException');
  const short = await failure(iot.send(new CreateRoleAliasCommand({ roleAlias: 'a2', roleArn, credentialDurationSeconds: 60 })));
  t.same([short.name, short.status], ['InvalidRequestException', 400]);
  t.equal((await failure(iot.send(new CreateRoleAliasCommand({ roleAlias: 'a3', roleArn: 'arn:aws:iam::123:user/someone' })))).name, 'InvalidRequestException');
  await iot.send(new CreateRoleAliasCommand({ roleAlias: 'default-duration', roleArn }));
  t.equal((await iot.send(new DescribeRoleAliasCommand({ roleAlias: 'default-duration' }))).roleAliasDescription?.credentialDurationSeconds, 3600);
  await iot.send(new DeleteRoleAliasCommand({ roleAlias: 'edge-device-alias' }));
  t.equal((await failure(iot.send(new DescribeRoleAliasCommand({ roleAlias: 'edge-device-alias' })))).status, 404);
  t.equal((await failure(iot.send(new DeleteRoleAliasCommand({ roleAlias: 'edge-device-alias' })))).name, 'ResourceNotFoundException');
});

t.test('accounts are separate; unserved operations and bad signatures get AWS errors', async (t) => {
  const { sb, iot } = await startIotSandbox(t);
  await iot.send(new CreateThingCommand({ thingName: 'mine' }));
  const tenant = sb.credentials.issue({ arn: 'arn:aws:iam::222222222222:user/ops', accountId: '222222222222', userId: 'AIDATENANT' });
  const other = iotClient(sb, tenant);
  t.equal((await failure(other.send(new DescribeThingCommand({ thingName: 'mine' })))).name, 'ResourceNotFoundException');
  const theirs = await other.send(new CreateThingCommand({ thingName: 'mine' }));
  t.equal(theirs.thingArn, 'arn:aws:iot:us-east-1:222222222222:thing/mine');

  const unknownKey = await failure(iotClient(sb, { ...sb.root, accessKeyId: 'AKIAUNKNOWNUNKNOWN22' }).send(new ListThingsCommand({})));
  t.same([unknownKey.name, unknownKey.status], ['UnrecognizedClientException', 403]);
  const unserved = await failure(iot.send(new ListJobsCommand({})));
  t.same([unserved.name, unserved.status], ['UnknownOperationException', 404]);
  t.match(unserved.message, /GET \/jobs is not an IoT operation the sandbox serves \(it serves: .*CreateThing/, 'says what is served');
  const forged = iotClient(sb, { ...sb.root, secretAccessKey: 'wrong-secret-wrong-secret-wrong-secret12' });
  const bad = await failure(forged.send(new DescribeThingCommand({ thingName: 'mine' })));
  t.same([bad.name, bad.status], ['InvalidSignatureException', 403]);
});

t.test('state, certificates and the IoT CA survive a restart with dir', async (t) => {
  const dir = t.testdir();
  const first = await startSandbox({ dir });
  const iot1 = iotClient(first);
  await iot1.send(new CreateThingCommand({ thingName: 'rpi-01', attributePayload: { attributes: { site: 'lab' } } }));
  await iot1.send(new CreateThingGroupCommand({ thingGroupName: 'fleet' }));
  await iot1.send(new AddThingToThingGroupCommand({ thingGroupName: 'fleet', thingName: 'rpi-01' }));
  const keys = await iot1.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot1.send(new CreateRoleAliasCommand({ roleAlias: 'edge', roleArn: `arn:aws:iam::${ACCOUNT}:role/edge` }));
  const caPem = first.iot.caPem;
  t.equal(first.env()['EDGE_IOT_CA'], `${dir}/iot-ca.pem`);
  await first.close();

  const second = await startSandbox({ dir });
  t.teardown(() => second.close());
  const iot2 = iotClient(second);
  t.equal(second.iot.caPem, caPem, 'the same IoT CA');
  t.same((await iot2.send(new DescribeThingCommand({ thingName: 'rpi-01' }))).attributes, { site: 'lab' });
  t.same((await iot2.send(new ListThingsInThingGroupCommand({ thingGroupName: 'fleet' }))).things, ['rpi-01']);
  const cert = await iot2.send(new DescribeCertificateCommand({ certificateId: keys.certificateId! }));
  t.equal(cert.certificateDescription?.status, 'ACTIVE');
  t.equal(second.iot.directory.certificate(keys.certificateId!)?.certificateArn, keys.certificateArn);
  t.equal((await iot2.send(new DescribeRoleAliasCommand({ roleAlias: 'edge' }))).roleAliasDescription?.roleArn, `arn:aws:iam::${ACCOUNT}:role/edge`);
  // closed before the test ends: tap removes t.testdir() before running teardowns, and a running
  // sandbox could write its state into the folder while it is removed
  await second.close();
});

t.test('ports: explicit IoT ports, and environment for SDKs', async (t) => {
  const { sb } = await startIotSandbox(t);
  const env = sb.env();
  t.equal(env['AWS_ENDPOINT_URL_IOT'], sb.url);
  t.equal(env['AWS_ENDPOINT_URL_IOT_DATA_PLANE'], sb.url);
  t.equal(env['EDGE_IOT_CA'], undefined, 'no CA file without dir');
  const mqttPort = Number(sb.iot.dataEndpoint.split(':')[1]);
  const credsPort = Number(sb.iot.credentialsEndpoint.split(':')[1]);
  await sb.close();
  // The ports just freed, given explicitly to a new sandbox.
  const again = await startSandbox({ mqttPort, credentialsProviderPort: credsPort });
  t.teardown(() => again.close());
  t.equal(again.iot.dataEndpoint, `127.0.0.1:${mqttPort}`);
  t.equal(again.iot.credentialsEndpoint, `127.0.0.1:${credsPort}`);
});

t.test('with port given, the MQTT broker listens on port+1 and the credentials provider on port+2', async (t) => {
  const port = await freePortRun();
  const { sb } = await startIotSandbox(t, { port });
  t.equal(sb.url, `http://127.0.0.1:${port}`);
  t.equal(sb.iot.dataEndpoint, `127.0.0.1:${port + 1}`);
  t.equal(sb.iot.credentialsEndpoint, `127.0.0.1:${port + 2}`);
});
