// Accounts from config through the real SDK clients: AssumeRole trust and ExternalId, S3 across
// accounts under bucket policies, CopyObject/UploadPartCopy with SSE-KMS, KMS key policies and
// grants, aliases that do not resolve across accounts.
import t from 'tap';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command,
  PutObjectCommand, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { CreateGrantCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ARTIFACTS, OTHER, PIPELINE, TENANT, WEB, assume, clients, failure, startAccountsSandbox } from './accounts-harness.js';

const DEPLOY_333 = `arn:aws:iam::${TENANT}:role/DeployRole`;
const DEPLOY_444 = `arn:aws:iam::${OTHER}:role/DeployRole`;

t.test('AssumeRole enforces trust, ExternalId and the role session limit', async (t) => {
  const sb = await startAccountsSandbox(t);
  const sts = clients(sb, sb.root).sts;
  const ask = (RoleArn: string, ExternalId?: string, DurationSeconds?: number) =>
    sts.send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 'rollout', ...(ExternalId ? { ExternalId } : {}), ...(DurationSeconds ? { DurationSeconds } : {}) }));
  const denied = (role: string, who = `arn:aws:iam::${PIPELINE}:root`) => `User: ${who} is not authorized to perform: sts:AssumeRole on resource: ${role}`;

  const missing = await failure(ask(DEPLOY_333));
  t.same([missing.name, missing.status, missing.message], ['AccessDenied', 403, denied(DEPLOY_333)], 'no ExternalId');
  const wrong = await failure(ask(DEPLOY_333, 'ext-444'));
  t.same([wrong.name, wrong.message], ['AccessDenied', denied(DEPLOY_333)], 'wrong ExternalId');
  t.equal((await failure(ask(`arn:aws:iam::${TENANT}:role/NoSuchRole`, 'ext-333'))).name, 'AccessDenied', 'undeclared role');
  t.equal((await failure(ask('arn:aws:iam::555555555555:role/DeployRole', 'ext-333'))).name, 'AccessDenied', 'undeclared account');
  t.equal((await failure(ask(`arn:aws:iam::${TENANT}:role/CloudFormationRole`))).name, 'AccessDenied', 'a service-only role');

  const ok = await ask(DEPLOY_333, 'ext-333', 7200);
  t.equal(ok.AssumedRoleUser?.Arn, `arn:aws:sts::${TENANT}:assumed-role/DeployRole/rollout`);
  const tooLong = await failure(ask(DEPLOY_333, 'ext-333', 7201));
  t.same([tooLong.name, tooLong.message], ['ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.']);
  const badExternal = await failure(ask(DEPLOY_333, 'x'));
  t.match(badExternal.message, /externalId.*greater than or equal to 2/);

  const tenantRole = await assume(sb, sb.root, DEPLOY_333, 'ext-333');
  const who = await clients(sb, tenantRole).sts.send(new GetCallerIdentityCommand({}));
  t.same([who.Account, who.Arn], [TENANT, `arn:aws:sts::${TENANT}:assumed-role/DeployRole/test`]);
  const untrusted = await failure(clients(sb, sb.rootOf(OTHER)).sts.send(new AssumeRoleCommand({ RoleArn: DEPLOY_333, RoleSessionName: 'x1', ExternalId: 'ext-333' })));
  t.same([untrusted.name, untrusted.message], ['AccessDenied', denied(DEPLOY_333, `arn:aws:iam::${OTHER}:root`)], 'an untrusted account');

  const cfn = sb.roles.assume({ caller: { service: 'cloudformation.amazonaws.com' }, roleArn: `arn:aws:iam::${TENANT}:role/CloudFormationRole`, sessionName: 'stack' });
  t.equal(cfn.arn, `arn:aws:sts::${TENANT}:assumed-role/CloudFormationRole/stack`, 'a service principal assumes its role');
  t.throws(() => sb.roles.assume({ caller: { service: 'cloudformation.amazonaws.com' }, roleArn: DEPLOY_333, sessionName: 'stack' }), { code: 'AccessDenied' });
});

t.test('cross-account copy of a KMS-encrypted artifact, single and multipart', async (t) => {
  const sb = await startAccountsSandbox(t);
  const pipeline = clients(sb, sb.root);
  const body = Buffer.alloc(6 * 1024 * 1024, 'release-1.2.3 ');
  const put = await pipeline.s3.send(new PutObjectCommand({ Bucket: ARTIFACTS, Key: 'releases/app.zip', Body: body }));
  const artifactsKey = (await pipeline.kms.send(new DescribeKeyCommand({ KeyId: 'alias/artifacts' }))).KeyMetadata!;
  t.same([put.ServerSideEncryption, put.SSEKMSKeyId], ['aws:kms', artifactsKey.Arn], 'the bucket default: SSE-KMS with the configured key');

  const tenant = clients(sb, await assume(sb, sb.root, DEPLOY_333, 'ext-333'));
  const webKey = (await tenant.kms.send(new DescribeKeyCommand({ KeyId: 'alias/web' }))).KeyMetadata!;
  t.equal(webKey.AWSAccountId, TENANT);
  const copied = await tenant.s3.send(new CopyObjectCommand({ Bucket: WEB, Key: 'app.zip', CopySource: `${ARTIFACTS}/releases/app.zip` }));
  t.same([copied.ServerSideEncryption, copied.SSEKMSKeyId], ['aws:kms', webKey.Arn], 'the copy takes the destination bucket default key');
  t.ok(copied.CopySourceVersionId, 'the source version');
  const got = await tenant.s3.send(new GetObjectCommand({ Bucket: WEB, Key: 'app.zip' }));
  t.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body), 'the same bytes');
  t.equal(got.SSEKMSKeyId, webKey.Arn);

  const mpu = await tenant.s3.send(new CreateMultipartUploadCommand({ Bucket: WEB, Key: 'big.zip' }));
  t.equal(mpu.SSEKMSKeyId, webKey.Arn);
  const half = 5 * 1024 * 1024;
  const p1 = await tenant.s3.send(new UploadPartCopyCommand({ Bucket: WEB, Key: 'big.zip', UploadId: mpu.UploadId, PartNumber: 1, CopySource: `${ARTIFACTS}/releases/app.zip`, CopySourceRange: `bytes=0-${half - 1}` }));
  const p2 = await tenant.s3.send(new UploadPartCopyCommand({ Bucket: WEB, Key: 'big.zip', UploadId: mpu.UploadId, PartNumber: 2, CopySource: `${ARTIFACTS}/releases/app.zip`, CopySourceRange: `bytes=${half}-${body.length - 1}` }));
  await tenant.s3.send(new CompleteMultipartUploadCommand({
    Bucket: WEB, Key: 'big.zip', UploadId: mpu.UploadId,
    MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.CopyPartResult!.ETag! }, { PartNumber: 2, ETag: p2.CopyPartResult!.ETag! }] },
  }));
  const big = await tenant.s3.send(new GetObjectCommand({ Bucket: WEB, Key: 'big.zip' }));
  t.ok(Buffer.from(await big.Body!.transformToByteArray()).equals(body), 'UploadPartCopy across accounts');
  const listed = await tenant.s3.send(new ListObjectsV2Command({ Bucket: ARTIFACTS, Prefix: 'releases/' }));
  t.same(listed.Contents?.map((o) => o.Key), ['releases/app.zip'], 'ListBucket under the s3:prefix condition');
});

t.test('access denied across accounts: bucket policy, KMS key policy and grants, aliases', async (t) => {
  const sb = await startAccountsSandbox(t);
  const pipeline = clients(sb, sb.root);
  await pipeline.s3.send(new PutObjectCommand({ Bucket: ARTIFACTS, Key: 'releases/app.zip', Body: 'x' }));
  await pipeline.s3.send(new PutObjectCommand({ Bucket: ARTIFACTS, Key: 'internal/notes.txt', Body: 'y' }));
  await pipeline.s3.send(new PutObjectCommand({ Bucket: ARTIFACTS, Key: 'releases/secret.bin', Body: 'z', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/private' }));
  const tenant = clients(sb, await assume(sb, sb.root, DEPLOY_333, 'ext-333'));
  const other = clients(sb, await assume(sb, sb.root, DEPLOY_444, 'ext-444'));

  const noPolicy = await failure(other.s3.send(new GetObjectCommand({ Bucket: ARTIFACTS, Key: 'releases/app.zip' })));
  t.same([noPolicy.name, noPolicy.status, noPolicy.message], ['AccessDenied', 403, 'Access Denied'], 'no bucket policy names account 444');
  t.ok(noPolicy.error['HostId'], 'the error carries a HostId');
  t.ok(noPolicy.error['RequestId'], 'and a RequestId');
  const outside = await failure(tenant.s3.send(new GetObjectCommand({ Bucket: ARTIFACTS, Key: 'internal/notes.txt' })));
  t.same([outside.name, outside.status], ['AccessDenied', 403], 'outside the granted prefix');
  t.equal((await failure(tenant.s3.send(new PutObjectCommand({ Bucket: ARTIFACTS, Key: 'releases/evil', Body: 'e' })))).name, 'AccessDenied', 'no write grant');
  t.equal((await failure(tenant.s3.send(new ListObjectsV2Command({ Bucket: ARTIFACTS, Prefix: 'internal/' })))).name, 'AccessDenied', 'list outside the prefix');
  t.equal((await failure(tenant.s3.send(new CopyObjectCommand({ Bucket: WEB, Key: 'n', CopySource: `${ARTIFACTS}/internal/notes.txt` })))).name, 'AccessDenied', 'copy needs read on the source');

  const privateKey = (await pipeline.kms.send(new DescribeKeyCommand({ KeyId: 'alias/private' }))).KeyMetadata!;
  const noGrant = await failure(tenant.s3.send(new GetObjectCommand({ Bucket: ARTIFACTS, Key: 'releases/secret.bin' })));
  t.same([noGrant.name, noGrant.status], ['AccessDenied', 403]);
  t.equal(noGrant.message, `User: arn:aws:sts::${TENANT}:assumed-role/DeployRole/test is not authorized to perform: kms:Decrypt on resource: ${privateKey.Arn} because no resource-based policy allows the kms:Decrypt action`);
  t.equal((await failure(tenant.s3.send(new HeadObjectCommand({ Bucket: ARTIFACTS, Key: 'releases/secret.bin' })))).status, 403, 'HEAD needs kms:Decrypt too');
  await pipeline.kms.send(new CreateGrantCommand({ KeyId: privateKey.Arn, GranteePrincipal: DEPLOY_333, Operations: ['Decrypt'] }));
  const granted = await tenant.s3.send(new GetObjectCommand({ Bucket: ARTIFACTS, Key: 'releases/secret.bin' }));
  t.equal(await granted.Body!.transformToString(), 'z', 'a grant allows the read');

  const aliasArn = `arn:aws:kms:us-east-1:${PIPELINE}:alias/artifacts`;
  const viaAlias = await failure(tenant.kms.send(new DescribeKeyCommand({ KeyId: aliasArn })));
  t.same([viaAlias.name, viaAlias.message], ['NotFoundException', `Alias ${aliasArn} is not found.`], 'another account\'s alias ARN');
  t.equal((await failure(tenant.kms.send(new DescribeKeyCommand({ KeyId: 'alias/artifacts' })))).name, 'NotFoundException', 'an alias name resolves in the caller\'s account');
  const sealed = await pipeline.kms.send(new EncryptCommand({ KeyId: 'alias/artifacts', Plaintext: Buffer.from('s3cr3t'), EncryptionContext: { app: 'a' } }));
  const opened = await tenant.kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: { app: 'a' } }));
  t.equal(Buffer.from(opened.Plaintext!).toString(), 's3cr3t', 'cross-account Decrypt allowed by the key policy');
  t.equal((await failure(tenant.kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob })))).name, 'InvalidCiphertextException', 'the context must match');
  const encrypt = await failure(tenant.kms.send(new EncryptCommand({ KeyId: sealed.KeyId, Plaintext: Buffer.from('x') })));
  t.equal(encrypt.name, 'AccessDeniedException');
  t.match(encrypt.message, /kms:Encrypt on resource: arn:aws:kms:us-east-1:111111111111:key\//);
  t.equal((await failure(other.kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: { app: 'a' } })))).name, 'AccessDeniedException');
  const writeOther = await failure(tenant.s3.send(new PutObjectCommand({ Bucket: WEB, Key: 'k', Body: 'b', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: privateKey.Arn })));
  t.same([writeOther.name, writeOther.status], ['AccessDenied', 403], 'writing with a key the writer may not use');
  t.match(writeOther.message, /kms:GenerateDataKey/);
});
