// The sandbox's IoT control plane through the real @aws-sdk/client-iot: certificates (issued by the
// sandbox IoT CA), thing principals and policies, with the refusals AWS gives.
import t from 'tap';
import { createHash, X509Certificate } from 'node:crypto';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DeleteCertificateCommand,
  DeletePolicyCommand,
  DeleteThingCommand,
  DescribeCertificateCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  GetPolicyCommand,
  ListAttachedPoliciesCommand,
  ListCertificatesCommand,
  ListPrincipalThingsCommand,
  ListTargetsForPolicyCommand,
  ListThingPrincipalsCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { failure, startIotSandbox } from './iot-harness.js';

const ACCOUNT = '111111111111';
const DOCUMENT = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iot:Connect', 'iot:Publish'], Resource: '*' }] });

t.test('certificates: create, describe, status changes, list, delete with AWS refusals', async (t) => {
  const { sb, iot } = await startIotSandbox(t);
  const inactive = await iot.send(new CreateKeysAndCertificateCommand({}));
  const der = new X509Certificate(inactive.certificatePem!).raw;
  t.equal(inactive.certificateId, createHash('sha256').update(der).digest('hex'), 'the id is the SHA-256 of the DER');
  t.equal(inactive.certificateArn, `arn:aws:iot:us-east-1:${ACCOUNT}:cert/${inactive.certificateId}`);
  t.ok(new X509Certificate(inactive.certificatePem!).verify(new X509Certificate(sb.iot.caPem).publicKey), 'issued by the sandbox IoT CA');
  t.match(inactive.keyPair?.PrivateKey, /BEGIN RSA PRIVATE KEY/);
  t.match(inactive.keyPair?.PublicKey, /BEGIN PUBLIC KEY/);

  const d = (await iot.send(new DescribeCertificateCommand({ certificateId: inactive.certificateId! }))).certificateDescription!;
  t.same([d.status, d.ownedBy, d.certificatePem, d.certificateMode, d.customerVersion], ['INACTIVE', ACCOUNT, inactive.certificatePem, 'DEFAULT', 1], 'setAsActive absent: INACTIVE');
  t.equal(d.validity?.notAfter?.toISOString(), '2049-12-31T23:59:59.000Z');
  t.ok(d.creationDate instanceof Date);
  t.equal(sb.iot.directory.certificate(inactive.certificateId!)?.status, 'INACTIVE');

  const active = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  t.equal((await iot.send(new DescribeCertificateCommand({ certificateId: active.certificateId! }))).certificateDescription?.status, 'ACTIVE');
  await iot.send(new UpdateCertificateCommand({ certificateId: inactive.certificateId!, newStatus: 'ACTIVE' }));
  const activated = (await iot.send(new DescribeCertificateCommand({ certificateId: inactive.certificateId! }))).certificateDescription!;
  t.same([activated.status, activated.customerVersion], ['ACTIVE', 2]);
  t.equal((await failure(iot.send(new UpdateCertificateCommand({ certificateId: inactive.certificateId!, newStatus: 'PENDING_TRANSFER' })))).name, 'InvalidRequestException');

  const all = await iot.send(new ListCertificatesCommand({ pageSize: 1, ascendingOrder: true }));
  t.same(all.certificates?.map((c) => c.certificateId), [inactive.certificateId], 'oldest first with ascendingOrder');
  t.equal(all.certificates?.[0]?.status, 'ACTIVE');
  const rest = await iot.send(new ListCertificatesCommand({ pageSize: 1, ascendingOrder: true, marker: all.nextMarker! }));
  t.same([rest.certificates?.map((c) => c.certificateId), rest.nextMarker], [[active.certificateId], undefined]);

  const whileActive = await failure(iot.send(new DeleteCertificateCommand({ certificateId: active.certificateId! })));
  t.same([whileActive.name, whileActive.status], ['CertificateStateException', 406], 'an ACTIVE certificate cannot be deleted');
  await iot.send(new CreateThingCommand({ thingName: 'rpi-01' }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'rpi-01', principal: active.certificateArn! }));
  await iot.send(new UpdateCertificateCommand({ certificateId: active.certificateId!, newStatus: 'INACTIVE' }));
  const attached = await failure(iot.send(new DeleteCertificateCommand({ certificateId: active.certificateId! })));
  t.same([attached.name, attached.status], ['DeleteConflictException', 409], 'a certificate attached to a thing cannot be deleted');
  t.match(attached.message, /thing\/rpi-01/);
  await iot.send(new DetachThingPrincipalCommand({ thingName: 'rpi-01', principal: active.certificateArn! }));
  await iot.send(new CreatePolicyCommand({ policyName: 'device', policyDocument: DOCUMENT }));
  await iot.send(new AttachPolicyCommand({ policyName: 'device', target: active.certificateArn! }));
  t.equal((await failure(iot.send(new DeleteCertificateCommand({ certificateId: active.certificateId! })))).name, 'DeleteConflictException', 'policies attached');
  await iot.send(new DeleteCertificateCommand({ certificateId: active.certificateId!, forceDelete: true }));
  t.equal((await failure(iot.send(new DescribeCertificateCommand({ certificateId: active.certificateId! })))).status, 404);
  t.same((await iot.send(new ListTargetsForPolicyCommand({ policyName: 'device' }))).targets, [], 'forceDelete detached the policy');
  t.equal(sb.iot.directory.certificate(active.certificateId!), undefined);

  await iot.send(new UpdateCertificateCommand({ certificateId: inactive.certificateId!, newStatus: 'REVOKED' }));
  const revoked = await failure(iot.send(new UpdateCertificateCommand({ certificateId: inactive.certificateId!, newStatus: 'ACTIVE' })));
  t.same([revoked.name, revoked.status], ['CertificateStateException', 406], 'a revoked certificate stays revoked');
  t.equal((await failure(iot.send(new DescribeCertificateCommand({ certificateId: 'not-an-id' })))).name, 'InvalidRequestException');
});

t.test('thing principals: attach, list both ways, exclusive attachment, detach', async (t) => {
  const { sb, iot } = await startIotSandbox(t);
  for (const n of ['rpi-01', 'rpi-02', 'rpi-03']) await iot.send(new CreateThingCommand({ thingName: n }));
  const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  const solo = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'rpi-01', principal: cert.certificateArn! }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'rpi-02', principal: cert.certificateArn! }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'rpi-01', principal: cert.certificateArn! }));
  t.same((await iot.send(new ListThingPrincipalsCommand({ thingName: 'rpi-01' }))).principals, [cert.certificateArn]);
  t.same((await iot.send(new ListPrincipalThingsCommand({ principal: cert.certificateArn! }))).things, ['rpi-01', 'rpi-02']);
  t.same(sb.iot.directory.thingsForPrincipal(ACCOUNT, 'us-east-1', cert.certificateArn!), ['rpi-01', 'rpi-02']);
  t.ok(sb.iot.directory.thingExists(ACCOUNT, 'us-east-1', 'rpi-03'));

  await iot.send(new AttachThingPrincipalCommand({ thingName: 'rpi-03', principal: solo.certificateArn!, thingPrincipalType: 'EXCLUSIVE_THING' }));
  const taken = await failure(iot.send(new AttachThingPrincipalCommand({ thingName: 'rpi-01', principal: solo.certificateArn! })));
  t.same([taken.name, taken.status], ['InvalidRequestException', 400], 'an exclusively attached certificate cannot be attached elsewhere');
  t.equal((await failure(iot.send(new AttachThingPrincipalCommand({ thingName: 'rpi-03', principal: cert.certificateArn!, thingPrincipalType: 'EXCLUSIVE_THING' })))).name, 'InvalidRequestException');

  const missing = `arn:aws:iot:us-east-1:${ACCOUNT}:cert/${'0'.repeat(64)}`;
  t.equal((await failure(iot.send(new AttachThingPrincipalCommand({ thingName: 'rpi-01', principal: missing })))).name, 'ResourceNotFoundException');
  t.equal((await failure(iot.send(new AttachThingPrincipalCommand({ thingName: 'ghost', principal: cert.certificateArn! })))).name, 'ResourceNotFoundException');
  t.equal((await failure(iot.send(new ListThingPrincipalsCommand({ thingName: 'ghost' })))).status, 404);

  const busy = await failure(iot.send(new DeleteThingCommand({ thingName: 'rpi-01' })));
  t.same([busy.name, busy.status], ['InvalidRequestException', 400], 'a thing with principals cannot be deleted');
  await iot.send(new DetachThingPrincipalCommand({ thingName: 'rpi-01', principal: cert.certificateArn! }));
  t.same((await iot.send(new ListPrincipalThingsCommand({ principal: cert.certificateArn! }))).things, ['rpi-02']);
  await iot.send(new DeleteThingCommand({ thingName: 'rpi-01' }));
});

t.test('policies: create, get, attach to certificates and groups, recursive listing, delete refusals', async (t) => {
  const { iot } = await startIotSandbox(t);
  const created = await iot.send(new CreatePolicyCommand({ policyName: 'device', policyDocument: DOCUMENT }));
  t.same([created.policyArn, created.policyVersionId, created.policyDocument], [`arn:aws:iot:us-east-1:${ACCOUNT}:policy/device`, '1', DOCUMENT]);
  const got = await iot.send(new GetPolicyCommand({ policyName: 'device' }));
  t.same([got.policyDocument, got.defaultVersionId], [DOCUMENT, '1']);
  t.ok(got.creationDate instanceof Date);
  t.equal((await failure(iot.send(new CreatePolicyCommand({ policyName: 'device', policyDocument: DOCUMENT })))).status, 409);
  const malformed = await failure(iot.send(new CreatePolicyCommand({ policyName: 'broken', policyDocument: '{"Statement": [' })));
  t.same([malformed.name, malformed.status], ['MalformedPolicyException', 400]);
  t.equal((await failure(iot.send(new CreatePolicyCommand({ policyName: 'no-effect', policyDocument: '{"Statement":[{"Action":"iot:*","Resource":"*"}]}' })))).name, 'MalformedPolicyException');
  await iot.send(new CreatePolicyCommand({ policyName: 'fleet-wide', policyDocument: DOCUMENT }));

  const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  const fleet = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet' }));
  const canary = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'canary', parentGroupName: 'fleet' }));
  await iot.send(new AttachPolicyCommand({ policyName: 'device', target: cert.certificateArn! }));
  await iot.send(new AttachPolicyCommand({ policyName: 'device', target: cert.certificateArn! }));
  await iot.send(new AttachPolicyCommand({ policyName: 'fleet-wide', target: fleet.thingGroupArn! }));
  t.same((await iot.send(new ListAttachedPoliciesCommand({ target: cert.certificateArn! }))).policies, [{ policyName: 'device', policyArn: created.policyArn }]);
  t.same((await iot.send(new ListAttachedPoliciesCommand({ target: canary.thingGroupArn! }))).policies, []);
  t.same((await iot.send(new ListAttachedPoliciesCommand({ target: canary.thingGroupArn!, recursive: true }))).policies?.map((p) => p.policyName), ['fleet-wide'], 'recursive: the parent group\'s policies');
  t.same((await iot.send(new ListTargetsForPolicyCommand({ policyName: 'device' }))).targets, [cert.certificateArn]);
  t.equal((await failure(iot.send(new AttachPolicyCommand({ policyName: 'nope', target: cert.certificateArn! })))).name, 'ResourceNotFoundException');
  t.equal((await failure(iot.send(new AttachPolicyCommand({ policyName: 'device', target: `arn:aws:iot:us-east-1:${ACCOUNT}:thinggroup/ghosts` })))).name, 'ResourceNotFoundException');

  const inUse = await failure(iot.send(new DeletePolicyCommand({ policyName: 'device' })));
  t.same([inUse.name, inUse.status], ['DeleteConflictException', 409], 'an attached policy cannot be deleted');
  await iot.send(new DetachPolicyCommand({ policyName: 'device', target: cert.certificateArn! }));
  await iot.send(new DeletePolicyCommand({ policyName: 'device' }));
  t.equal((await failure(iot.send(new GetPolicyCommand({ policyName: 'device' })))).name, 'ResourceNotFoundException');
});
