// The KMS subset through @aws-sdk/client-kms (keys, aliases, grants, data keys, key state) and the
// S3 bucket policy / default encryption / ownership calls through @aws-sdk/client-s3.
import t from 'tap';
import {
  CreateAliasCommand, CreateGrantCommand, CreateKeyCommand, DecryptCommand, DisableKeyCommand, EnableKeyCommand, GenerateDataKeyCommand,
  GetKeyPolicyCommand, ListAliasesCommand, ListGrantsCommand, ListKeysCommand, PutKeyPolicyCommand, RevokeGrantCommand,
} from '@aws-sdk/client-kms';
import {
  CreateBucketCommand, DeleteBucketOwnershipControlsCommand, GetBucketEncryptionCommand, GetBucketOwnershipControlsCommand, GetBucketPolicyCommand,
  GetObjectCommand, PutBucketEncryptionCommand, PutBucketPolicyCommand, PutObjectCommand,
} from '@aws-sdk/client-s3';
import { startSandbox } from '../../../sandbox/sandbox.js';
import { clients, failure } from './accounts-harness.js';

t.test('KMS keys, aliases, grants and data keys', async (t) => {
  const sb = await startSandbox({});
  t.teardown(() => sb.close());
  const { kms } = clients(sb, sb.root);
  const other = clients(sb, sb.rootOf('222222222222')).kms;
  const created = (await kms.send(new CreateKeyCommand({ Description: 'releases' }))).KeyMetadata!;
  t.match(created, { AWSAccountId: '111111111111', Enabled: true, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyManager: 'CUSTOMER', Description: 'releases' });
  t.match(created.Arn, /^arn:aws:kms:us-east-1:111111111111:key\/[0-9a-f-]{36}$/);
  t.ok(created.CreationDate instanceof Date);
  t.same((await kms.send(new ListKeysCommand({}))).Keys?.map((k) => k.KeyArn), [created.Arn]);
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/releases', TargetKeyId: created.KeyId }));
  t.equal((await failure(kms.send(new CreateAliasCommand({ AliasName: 'alias/releases', TargetKeyId: created.KeyId })))).name, 'AlreadyExistsException');
  const aliases = (await kms.send(new ListAliasesCommand({ KeyId: created.KeyId }))).Aliases!;
  t.same(aliases.map((a) => [a.AliasName, a.AliasArn, a.TargetKeyId]), [['alias/releases', 'arn:aws:kms:us-east-1:111111111111:alias/releases', created.KeyId]]);

  const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: 'alias/releases', KeySpec: 'AES_256' }));
  t.equal(dataKey.Plaintext?.length, 32);
  const back = await kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }));
  t.ok(Buffer.from(back.Plaintext!).equals(Buffer.from(dataKey.Plaintext!)), 'Decrypt needs no KeyId');
  t.equal((await failure(kms.send(new GenerateDataKeyCommand({ KeyId: created.KeyId })))).name, 'ValidationException', 'neither KeySpec nor NumberOfBytes');

  t.equal((await failure(other.send(new GenerateDataKeyCommand({ KeyId: created.Arn, NumberOfBytes: 16 })))).name, 'AccessDeniedException', 'the default policy names only the account');
  const grant = await kms.send(new CreateGrantCommand({ KeyId: created.Arn, GranteePrincipal: 'arn:aws:iam::222222222222:root', Operations: ['GenerateDataKey'], Name: 'g' }));
  t.equal((await other.send(new GenerateDataKeyCommand({ KeyId: created.Arn, NumberOfBytes: 16 }))).Plaintext?.length, 16, 'a grant for the account');
  t.same((await kms.send(new ListGrantsCommand({ KeyId: created.Arn }))).Grants?.map((g) => [g.GrantId, g.Operations, g.GranteePrincipal]), [[grant.GrantId, ['GenerateDataKey'], 'arn:aws:iam::222222222222:root']]);
  await kms.send(new RevokeGrantCommand({ KeyId: created.KeyId, GrantId: grant.GrantId }));
  t.equal((await failure(other.send(new GenerateDataKeyCommand({ KeyId: created.Arn, NumberOfBytes: 16 })))).name, 'AccessDeniedException', 'revoked');
  t.equal((await failure(other.send(new CreateAliasCommand({ AliasName: 'alias/x', TargetKeyId: created.Arn })))).name, 'NotFoundException', 'aliases only for own keys');

  const policy = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: created.KeyId, PolicyName: 'default' }))).Policy!);
  policy.Statement.push({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' });
  await kms.send(new PutKeyPolicyCommand({ KeyId: created.KeyId, PolicyName: 'default', Policy: JSON.stringify(policy) }));
  const deny = await failure(kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob })));
  t.equal(deny.name, 'AccessDeniedException');
  t.match(deny.message, /with an explicit deny in a resource-based policy$/);
  t.equal((await failure(kms.send(new PutKeyPolicyCommand({ KeyId: created.KeyId, PolicyName: 'default', Policy: '{"Statement":[{"Effect":"Perhaps"}]}' })))).name, 'MalformedPolicyDocumentException');

  await kms.send(new DisableKeyCommand({ KeyId: created.KeyId }));
  t.equal((await failure(kms.send(new GenerateDataKeyCommand({ KeyId: created.KeyId, NumberOfBytes: 8 })))).name, 'DisabledException');
  await kms.send(new EnableKeyCommand({ KeyId: created.KeyId }));
  t.ok(await kms.send(new GenerateDataKeyCommand({ KeyId: created.KeyId, NumberOfBytes: 8 })));
  t.equal((await failure(kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from('not ours') })))).name, 'InvalidCiphertextException');
});

t.test('bucket policy, default encryption and ownership controls through client-s3', async (t) => {
  const sb = await startSandbox({});
  t.teardown(() => sb.close());
  const owner = clients(sb, sb.root);
  const reader = clients(sb, sb.rootOf('222222222222'));
  await owner.s3.send(new CreateBucketCommand({ Bucket: 'shared' }));
  await owner.s3.send(new PutObjectCommand({ Bucket: 'shared', Key: 'pub/a', Body: 'a' }));
  t.equal((await failure(reader.s3.send(new GetObjectCommand({ Bucket: 'shared', Key: 'pub/a' })))).name, 'AccessDenied', 'no policy yet');
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '222222222222' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/pub/*' }] };
  await owner.s3.send(new PutBucketPolicyCommand({ Bucket: 'shared', Policy: JSON.stringify(policy) }));
  t.same(JSON.parse((await owner.s3.send(new GetBucketPolicyCommand({ Bucket: 'shared' }))).Policy!), policy);
  t.equal(await (await reader.s3.send(new GetObjectCommand({ Bucket: 'shared', Key: 'pub/a' }))).Body!.transformToString(), 'a');
  t.equal((await failure(reader.s3.send(new GetBucketPolicyCommand({ Bucket: 'shared' })))).status, 403, 'only the owner account reads the policy');
  const wrongResource = await failure(owner.s3.send(new PutBucketPolicyCommand({ Bucket: 'shared', Policy: JSON.stringify({ Statement: [{ ...policy.Statement[0], Resource: 'arn:aws:s3:::elsewhere/*' }] }) })));
  t.same([wrongResource.name, wrongResource.message], ['MalformedPolicy', 'Policy has invalid resource']);

  t.equal((await owner.s3.send(new GetBucketEncryptionCommand({ Bucket: 'shared' }))).ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm, 'AES256', 'SSE-S3 by default');
  await owner.s3.send(new PutBucketEncryptionCommand({ Bucket: 'shared', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }] } }));
  const put = await owner.s3.send(new PutObjectCommand({ Bucket: 'shared', Key: 'pub/b', Body: 'b' }));
  t.same([put.ServerSideEncryption, put.BucketKeyEnabled], ['aws:kms', true]);
  t.match(put.SSEKMSKeyId, /^arn:aws:kms:us-east-1:111111111111:key\//, 'the account\'s aws/s3 key');
  const managed = await failure(reader.s3.send(new GetObjectCommand({ Bucket: 'shared', Key: 'pub/b' })));
  t.same([managed.name, managed.status], ['AccessDenied', 403], 'the aws/s3 key is for its own account only');

  t.equal((await owner.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: 'shared' }))).OwnershipControls?.Rules?.[0]?.ObjectOwnership, 'BucketOwnerEnforced');
  t.equal((await failure(owner.s3.send(new PutObjectCommand({ Bucket: 'shared', Key: 'acl', Body: 'x', ACL: 'public-read' })))).name, 'AccessControlListNotSupported');
  await owner.s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket: 'shared' }));
  t.equal((await failure(owner.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: 'shared' })))).name, 'OwnershipControlsNotFoundError');
});
