// The real SDK adapter and pool against the sandbox: each port's main operations, an error path per
// service mapped to its EdgeError code, a bad signature, and an assumed-role session.
import t from 'tap';
import { CodeDeployClient, CreateApplicationCommand, CreateDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { silentLogger } from '../../../shared/log.js';
import { createAwsPool, type AwsPool } from '../../../controller/aws/pool.js';
import { createSdkPortFactory } from '../../../controller/aws/sdk-adapter.js';
import { SERVICES, type Service } from '../../../controller/aws/ports.js';
import type { CredentialProvider } from '../../../controller/aws/clients.js';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const realTimers = { now: () => performance.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

function poolFor(sb: Sandbox, credentials: CredentialProvider): AwsPool {
  const endpoints = Object.fromEntries(SERVICES.map((s) => [s, sb.url])) as Record<Service, string>;
  return createAwsPool(
    { region: sb.region, credentials, endpoints, retry: { maxAttempts: 3, baseMs: 10, capMs: 50 } },
    { factory: createSdkPortFactory({ forcePathStyle: true }), timers: realTimers, clock: () => Date.now(), random: Math.random, log: silentLogger() },
  );
}

t.test('the SDK adapter against the sandbox', async (t) => {
  const sb = await startSandbox();
  const root = { accessKeyId: sb.root.accessKeyId, secretAccessKey: sb.root.secretAccessKey };
  const pool = poolFor(sb, async () => root);
  t.teardown(async () => {
    pool.destroy();
    await sb.close();
  });
  const aws = pool.session();
  const raw = { endpoint: sb.url, region: sb.region, credentials: root, forcePathStyle: true };

  t.test('sts: caller identity, assumed-role session, bad signature', async (t) => {
    const me = await aws.sts.getCallerIdentity();
    t.equal(me.arn, sb.root.arn);
    const role = pool.session({ credentials: { kind: 'assume-role', roleArn: `arn:aws:iam::${me.account}:role/Deployer`, sessionName: 'fleetctl-it', externalId: 'ext-1' } });
    const assumed = await role.sts.getCallerIdentity();
    t.equal(assumed.arn, `arn:aws:sts::${me.account}:assumed-role/Deployer/fleetctl-it`);
    await role.s3.listObjectsV2({ bucket: 'nosuch-bucket' }).catch(() => undefined);
    t.equal(pool.stats.calls['sts.AssumeRole'], 1, 'the session credentials are cached');
    const bad = poolFor(sb, async () => ({ ...root, secretAccessKey: 'wrong' }));
    t.teardown(() => bad.destroy());
    await t.rejects(bad.session().sts.getCallerIdentity(), { code: 'AWS_CREDENTIALS_REJECTED', retryable: false, details: { service: 'sts', operation: 'GetCallerIdentity' } });
    await t.rejects(bad.session().codedeploy.getOnPremisesInstance('x'), { code: 'AWS_CREDENTIALS_REJECTED', details: { awsName: 'InvalidSignatureException' } });
  });

  t.test('s3: put, conditional writes, head, get, multipart upload, list, NoSuchKey', async (t) => {
    const s3 = new S3Client(raw);
    t.teardown(() => s3.destroy());
    await s3.send(new CreateBucketCommand({ Bucket: 'releases' }));
    const put = await aws.s3.putObject({ bucket: 'releases', key: 'journal/run-1.json', body: '{"n":1}', contentType: 'application/json', ifNoneMatch: '*' });
    t.match(put.etag, /^"[0-9a-f]{32}"$/);
    await t.rejects(aws.s3.putObject({ bucket: 'releases', key: 'journal/run-1.json', body: 'x', ifNoneMatch: '*' }), { code: 'AWS_PRECONDITION_FAILED', details: { httpStatus: 412 } });
    await t.rejects(aws.s3.putObject({ bucket: 'releases', key: 'journal/run-1.json', body: 'x', ifMatch: '"0000"' }), { code: 'AWS_PRECONDITION_FAILED' });
    const next = await aws.s3.putObject({ bucket: 'releases', key: 'journal/run-1.json', body: '{"n":2}', contentType: 'application/json', ifMatch: put.etag });
    t.not(next.etag, put.etag);
    t.match(await aws.s3.headObject({ bucket: 'releases', key: 'journal/run-1.json' }), { etag: next.etag, size: 7, contentType: 'application/json' });
    const got = await aws.s3.getObject({ bucket: 'releases', key: 'journal/run-1.json' });
    t.equal(Buffer.from(got.body).toString(), '{"n":2}');
    await t.rejects(aws.s3.getObject({ bucket: 'releases', key: 'nosuch' }), { code: 'AWS_NOT_FOUND', details: { awsName: 'NoSuchKey', httpStatus: 404 } });
    await t.rejects(aws.s3.headObject({ bucket: 'releases', key: 'nosuch' }), { code: 'AWS_NOT_FOUND' });
    const big = Buffer.alloc(11 * 1024 * 1024, 7);
    let loaded = 0;
    const up = await aws.s3.uploadObject({ bucket: 'releases', key: 'bundles/app.tgz', body: big, partSizeBytes: 5 * 1024 * 1024, onProgress: (n) => (loaded = n) });
    t.match(up.etag, /-3"$/, 'a three-part multipart upload');
    t.equal(loaded, big.length);
    t.equal((await aws.s3.headObject({ bucket: 'releases', key: 'bundles/app.tgz' })).size, big.length);
    const listing = await aws.s3.listObjectsV2({ bucket: 'releases', delimiter: '/' });
    t.same(listing.commonPrefixes, ['bundles/', 'journal/']);
    const page = await aws.s3.listObjectsV2({ bucket: 'releases', prefix: 'journal/', maxKeys: 10 });
    t.same(page.objects.map((o) => o.key), ['journal/run-1.json']);
  });

  t.test('codedeploy: instances, tags, groups, revisions, deployments, DeploymentGroupDoesNotExist', async (t) => {
    const cd = new CodeDeployClient(raw);
    t.teardown(() => cd.destroy());
    await cd.send(new CreateApplicationCommand({ applicationName: 'app', computePlatform: 'Server' }));
    await cd.send(
      new CreateDeploymentGroupCommand({
        applicationName: 'app',
        deploymentGroupName: 'pis',
        serviceRoleArn: 'arn:aws:iam::111111111111:role/CodeDeployServiceRole',
        onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: 'pis', Type: 'KEY_AND_VALUE' }],
      }),
    );
    const arn = 'arn:aws:iam::111111111111:user/edge/rpi-01';
    await aws.codedeploy.registerOnPremisesInstance({ instanceName: 'rpi-01', iamUserArn: arn });
    await t.rejects(aws.codedeploy.registerOnPremisesInstance({ instanceName: 'rpi-01', iamUserArn: arn }), { code: 'AWS_ALREADY_EXISTS' });
    await aws.codedeploy.addTagsToOnPremisesInstances(['rpi-01'], [{ Key: 'fleet', Value: 'pis' }]);
    t.match(await aws.codedeploy.getOnPremisesInstance('rpi-01'), { instanceName: 'rpi-01', iamUserArn: arn, tags: [{ Key: 'fleet', Value: 'pis' }] });
    t.same((await aws.codedeploy.batchGetOnPremisesInstances(['rpi-01', 'nosuch'])).map((i) => i.instanceName), ['rpi-01']);
    t.same((await aws.codedeploy.listOnPremisesInstances({ registrationStatus: 'Registered', tagFilters: [{ Key: 'fleet', Value: 'pis' }] })).items, ['rpi-01']);
    const group = await aws.codedeploy.getDeploymentGroup('app', 'pis');
    t.same(group.onPremisesTagSets, [[{ Key: 'fleet', Value: 'pis' }]]);
    await t.rejects(aws.codedeploy.getDeploymentGroup('app', 'nosuch'), { code: 'AWS_NOT_FOUND', details: { awsName: 'DeploymentGroupDoesNotExistException', requestId: /./ } });
    const revision = { bucket: 'releases', key: 'bundles/app.tgz', bundleType: 'tgz' as const };
    await aws.codedeploy.registerApplicationRevision({ applicationName: 'app', revision });
    const { deploymentId } = await aws.codedeploy.createDeployment({ applicationName: 'app', deploymentGroupName: 'pis', revision });
    t.match(deploymentId, /^d-/);
    t.match(await aws.codedeploy.getDeployment(deploymentId), { deploymentId, applicationName: 'app', revision: { bucket: 'releases', key: 'bundles/app.tgz' } });
    t.same((await aws.codedeploy.batchGetDeployments([deploymentId])).map((d) => d.deploymentId), [deploymentId]);
    t.ok((await aws.codedeploy.listDeployments({ applicationName: 'app', deploymentGroupName: 'pis' })).items.includes(deploymentId));
    const targets = await aws.codedeploy.listDeploymentTargets({ deploymentId }).catch((e: { code?: string }) => e.code);
    if (typeof targets === 'object') t.same(targets.items, ['rpi-01']);
    else t.equal(targets, 'AWS_CONFLICT', 'not started yet: DeploymentNotStarted');
    t.match(await aws.codedeploy.stopDeployment(deploymentId), { status: /Pending|Succeeded/ });
    await aws.codedeploy.removeTagsFromOnPremisesInstances(['rpi-01'], [{ Key: 'fleet', Value: 'pis' }]);
    await aws.codedeploy.deregisterOnPremisesInstance('rpi-01');
    t.ok((await aws.codedeploy.getOnPremisesInstance('rpi-01')).deregisterTime);
  });

  t.test('iot and iot data: things, policies, certificates, shadows, ResourceNotFound', async (t) => {
    t.match(await aws.iot.describeEndpoint('iot:Data-ATS'), /:\d+$/);
    await aws.iot.createThing('rpi-02');
    t.match(await aws.iot.describeThing('rpi-02'), { thingName: 'rpi-02' });
    await t.rejects(aws.iot.describeThing('nosuch'), { code: 'AWS_NOT_FOUND', details: { service: 'iot', awsName: 'ResourceNotFoundException' } });
    await aws.iot.createPolicy('edge-agent', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] }));
    await t.rejects(aws.iot.createPolicy('edge-agent', '{}'), { code: 'AWS_ALREADY_EXISTS' });
    const cert = await aws.iot.createKeysAndCertificate(true);
    await aws.iot.attachPolicy('edge-agent', cert.certificateArn);
    await aws.iot.attachThingPrincipal('rpi-02', cert.certificateArn);
    t.same((await aws.iot.listThingPrincipals({ thingName: 'rpi-02' })).items, [cert.certificateArn]);
    await aws.iot.detachThingPrincipal('rpi-02', cert.certificateArn);
    await aws.iot.detachPolicy('edge-agent', cert.certificateArn);
    await aws.iot.updateCertificate(cert.certificateId, 'INACTIVE');
    await aws.iot.deleteCertificate(cert.certificateId);
    await t.rejects(aws.iotdata.getThingShadow('rpi-02'), { code: 'AWS_NOT_FOUND', details: { service: 'iotdata' } });
  });

  t.test('iam: users, keys, policies, NoSuchEntity and DeleteConflict', async (t) => {
    const { arn } = await aws.iam.createUser('rpi-03', '/edge/');
    t.match(arn, /:user\/edge\/rpi-03$/);
    await t.rejects(aws.iam.createUser('rpi-03'), { code: 'AWS_ALREADY_EXISTS' });
    const key = await aws.iam.createAccessKey('rpi-03');
    t.same((await aws.iam.listAccessKeys('rpi-03')).map((k) => k.accessKeyId), [key.accessKeyId]);
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
    await aws.iam.putUserPolicy('rpi-03', 'agent', doc);
    t.same(JSON.parse(await aws.iam.getUserPolicy('rpi-03', 'agent')), JSON.parse(doc));
    t.same(await aws.iam.listUserPolicies('rpi-03'), ['agent']);
    await t.rejects(aws.iam.deleteUser('rpi-03'), { code: 'AWS_CONFLICT' });
    await aws.iam.deleteAccessKey('rpi-03', key.accessKeyId);
    await aws.iam.deleteUserPolicy('rpi-03', 'agent');
    await aws.iam.deleteUser('rpi-03');
    await t.rejects(aws.iam.getUser('rpi-03'), { code: 'AWS_NOT_FOUND', details: { service: 'iam', operation: 'GetUser' } });
  });
});
