// The fakes keep state and fail as AWS does, with the codes the SDK adapter produces.
import t from 'tap';
import { fakePool } from '../../../fakes/aws/pool.js';

t.test('s3: conditional writes, reads, copies and listings', async (t) => {
  const { pool, world } = fakePool();
  world.s3().createBucket('b');
  const s3 = pool.session().s3;
  const first = await s3.putObject({ bucket: 'b', key: 'j/1', body: 'one', ifNoneMatch: '*' });
  await t.rejects(s3.putObject({ bucket: 'b', key: 'j/1', body: 'two', ifNoneMatch: '*' }), { code: 'AWS_PRECONDITION_FAILED', details: { httpStatus: 412 } });
  await t.rejects(s3.putObject({ bucket: 'b', key: 'j/1', body: 'two', ifMatch: '"nope"' }), { code: 'AWS_PRECONDITION_FAILED' });
  const second = await s3.putObject({ bucket: 'b', key: 'j/1', body: 'two', ifMatch: first.etag });
  t.equal(Buffer.from((await s3.getObject({ bucket: 'b', key: 'j/1' })).body).toString(), 'two');
  await t.rejects(s3.getObject({ bucket: 'b', key: 'j/1', ifMatch: first.etag }), { code: 'AWS_PRECONDITION_FAILED' });
  await t.rejects(s3.copyObject({ source: { bucket: 'b', key: 'j/1' }, bucket: 'b', key: 'k', sourceIfMatch: first.etag }), { code: 'AWS_PRECONDITION_FAILED' });
  t.equal((await s3.copyObject({ source: { bucket: 'b', key: 'j/1' }, bucket: 'b', key: 'j/2', sourceIfMatch: second.etag })).etag, second.etag);
  await t.rejects(s3.headObject({ bucket: 'b', key: 'nosuch' }), { code: 'AWS_NOT_FOUND', details: { awsName: 'NotFound' } });
  await t.rejects(s3.getObject({ bucket: 'nosuch', key: 'x' }), { code: 'AWS_NOT_FOUND', details: { awsName: 'NoSuchBucket' } });
  const big = new Uint8Array(11 * 1024 * 1024);
  t.match((await s3.uploadObject({ bucket: 'b', key: 'big', body: big, partSizeBytes: 5 * 1024 * 1024 })).etag, /-3"$/);
  await s3.putObject({ bucket: 'b', key: 'a', body: '' });
  const top = await s3.listObjectsV2({ bucket: 'b', delimiter: '/' });
  t.same([top.objects.map((o) => o.key), top.commonPrefixes], [['a', 'big'], ['j/']]);
  const p1 = await s3.listObjectsV2({ bucket: 'b', maxKeys: 2 });
  const p2 = await s3.listObjectsV2({ bucket: 'b', maxKeys: 2, ...(p1.nextContinuationToken ? { continuationToken: p1.nextContinuationToken } : {}) });
  t.same([...p1.objects, ...p2.objects].map((o) => o.key), ['a', 'big', 'j/1', 'j/2']);
  t.notOk(p2.nextContinuationToken);
});

t.test('codedeploy: registrations, tags, deployments driven by the test', async (t) => {
  const { pool, world } = fakePool();
  const cd = pool.session().codedeploy;
  world.codedeploy().seedGroup({ applicationName: 'app', deploymentGroupName: 'pis', onPremisesTagSets: [[{ Key: 'fleet', Value: 'pis' }]] });
  await cd.registerOnPremisesInstance({ instanceName: 'rpi-01', iamSessionArn: 'arn:aws:sts::111111111111:assumed-role/r/s1' });
  await t.rejects(cd.registerOnPremisesInstance({ instanceName: 'rpi-02', iamSessionArn: 'arn:aws:sts::111111111111:assumed-role/r/s1' }), { code: 'AWS_ALREADY_EXISTS', details: { awsName: 'IamSessionArnAlreadyRegisteredException' } });
  await cd.addTagsToOnPremisesInstances(['rpi-01'], [{ Key: 'fleet', Value: 'pis' }]);
  await t.rejects(cd.addTagsToOnPremisesInstances(['nosuch'], [{ Key: 'a', Value: 'b' }]), { code: 'AWS_NOT_FOUND' });
  const revision = { bucket: 'b', key: 'app.tgz', bundleType: 'tgz' as const };
  await t.rejects(cd.createDeployment({ applicationName: 'app', deploymentGroupName: 'nosuch', revision }), { code: 'AWS_NOT_FOUND', details: { awsName: 'DeploymentGroupDoesNotExistException' } });
  const { deploymentId } = await cd.createDeployment({ applicationName: 'app', deploymentGroupName: 'pis', revision });
  await t.rejects(cd.createDeployment({ applicationName: 'app', deploymentGroupName: 'pis', revision }), { code: 'AWS_QUOTA_EXCEEDED' }, 'one active deployment per group');
  await t.rejects(cd.listDeploymentTargets({ deploymentId }), { code: 'AWS_CONFLICT', details: { awsName: 'DeploymentNotStartedException' } });
  world.codedeploy().progress(deploymentId, 'InProgress', { 'rpi-01': 'InProgress' });
  t.same((await cd.listDeploymentTargets({ deploymentId })).items, ['rpi-01']);
  t.match(await cd.getDeployment(deploymentId), { status: 'InProgress', overview: { InProgress: 1 } });
  t.same((await cd.listDeployments({ includeOnlyStatuses: ['InProgress'] })).items, [deploymentId]);
  await cd.stopDeployment(deploymentId);
  await t.rejects(cd.stopDeployment(deploymentId), { code: 'AWS_CONFLICT' });
  await cd.deregisterOnPremisesInstance('rpi-01');
  t.same((await cd.listOnPremisesInstances({ registrationStatus: 'Deregistered' })).items, ['rpi-01']);
});

t.test('iot and iam keep the rules AWS enforces', async (t) => {
  const { pool } = fakePool();
  const { iot, iam } = pool.session();
  await iot.createThing('rpi-01');
  await iot.createPolicy('p', '{}');
  const cert = await iot.createKeysAndCertificate(true);
  await iot.attachThingPrincipal('rpi-01', cert.certificateArn);
  await t.rejects(iot.deleteCertificate(cert.certificateId), { code: 'AWS_CONFLICT', details: { awsName: 'CertificateStateException' } });
  await iot.updateCertificate(cert.certificateId, 'INACTIVE');
  await t.rejects(iot.deleteCertificate(cert.certificateId), { code: 'AWS_CONFLICT', details: { awsName: 'DeleteConflictException' } });
  await iot.detachThingPrincipal('rpi-01', cert.certificateArn);
  await iot.deleteCertificate(cert.certificateId);
  await iam.createUser('u');
  await iam.createAccessKey('u');
  await iam.createAccessKey('u');
  await t.rejects(iam.createAccessKey('u'), { code: 'AWS_QUOTA_EXCEEDED' });
});

t.test('faults: the nth call, by operation or service, as throttling, 5xx or any AWS error', async (t) => {
  const { pool, world } = fakePool({ retry: { maxAttempts: 1, baseMs: 1, capMs: 1 } });
  const { iot } = pool.session();
  world.faults.inject({ operation: 'iot.CreateThing', nth: 2, fault: '5xx' });
  world.faults.inject({ operation: 'iam', fault: { name: 'ServiceFailure', status: 500 } });
  world.faults.inject({ fault: 'access-denied', operation: 'iot.DeleteThing' });
  await iot.createThing('a');
  await t.rejects(iot.createThing('b'), { code: 'AWS_SERVICE_ERROR', retryable: true });
  await iot.createThing('c');
  await t.rejects(pool.session().iam.getUser('x'), { code: 'AWS_SERVICE_ERROR' });
  await t.rejects(iot.deleteThing('a'), { code: 'AWS_ACCESS_DENIED', retryable: false });
  await iot.deleteThing('a');
});
