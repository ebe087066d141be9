// The sandbox's IAM through the real @aws-sdk/client-iam (and client-sts / client-codedeploy):
// what `register --create-iam-user` and `deregister` do, the errors IAM returns, and that the
// access keys it creates really sign requests as the IAM user.
import t from 'tap';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  PutUserPolicyCommand,
  TagUserCommand,
  UntagUserCommand,
  type IAMServiceException,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CodeDeployClient, GetOnPremisesInstanceCommand, RegisterOnPremisesInstanceCommand } from '@aws-sdk/client-codedeploy';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}
const cfg = (sb: Sandbox, credentials: Creds = sb.root) => ({
  endpoint: sb.url,
  region: sb.region,
  maxAttempts: 1,
  credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}) },
});

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (e) {
    const err = e as IAMServiceException;
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('expected a failure');
}

const AGENT_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Action: ['s3:Get*', 's3:List*'], Effect: 'Allow', Resource: '*' }] });

t.test('register --create-iam-user: user, least-privilege policy, working access key; then the reverse', async (t) => {
  const sb = await startSandbox({});
  t.teardown(() => sb.close());
  const iam = new IAMClient(cfg(sb));

  const created = await iam.send(new CreateUserCommand({ UserName: 'pi-kitchen', Path: '/AWS/CodeDeploy/', Tags: [{ Key: 'fleet', Value: 'air' }] }));
  const user = created.User!;
  t.equal(user.UserName, 'pi-kitchen');
  t.equal(user.Path, '/AWS/CodeDeploy/');
  t.equal(user.Arn, 'arn:aws:iam::111111111111:user/AWS/CodeDeploy/pi-kitchen');
  t.match(user.UserId, /^AIDA[A-Z2-7]{17}$/);
  t.type(user.CreateDate, Date);
  t.same(user.Tags, [{ Key: 'fleet', Value: 'air' }]);

  await iam.send(new PutUserPolicyCommand({ UserName: 'pi-kitchen', PolicyName: 'codedeploy-agent', PolicyDocument: AGENT_POLICY }));
  const policy = await iam.send(new GetUserPolicyCommand({ UserName: 'pi-kitchen', PolicyName: 'codedeploy-agent' }));
  t.equal(decodeURIComponent(policy.PolicyDocument!), AGENT_POLICY, 'the document comes back URL-encoded, as from IAM');
  t.same((await iam.send(new ListUserPoliciesCommand({ UserName: 'pi-kitchen' }))).PolicyNames, ['codedeploy-agent']);

  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'pi-kitchen' }))).AccessKey!;
  t.match(key, { UserName: 'pi-kitchen', Status: 'Active' });
  t.match(key.AccessKeyId, /^AKIA[A-Z2-7]{16}$/);
  t.equal(key.SecretAccessKey?.length, 40);
  const listed = (await iam.send(new ListAccessKeysCommand({ UserName: 'pi-kitchen' }))).AccessKeyMetadata;
  t.same(listed?.map((k) => [k.AccessKeyId, k.Status, k.UserName]), [[key.AccessKeyId, 'Active', 'pi-kitchen']]);

  const asUser = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  const me = await new STSClient(cfg(sb, asUser)).send(new GetCallerIdentityCommand({}));
  t.same({ Arn: me.Arn, Account: me.Account, UserId: me.UserId }, { Arn: user.Arn, Account: '111111111111', UserId: user.UserId }, 'the key signs as the IAM user');
  t.equal((await new IAMClient(cfg(sb, asUser)).send(new GetUserCommand({}))).User?.UserName, 'pi-kitchen', 'GetUser without a name: the caller');
  const cd = new CodeDeployClient(cfg(sb));
  await cd.send(new RegisterOnPremisesInstanceCommand({ instanceName: 'pi-kitchen', iamUserArn: user.Arn! }));
  t.equal((await cd.send(new GetOnPremisesInstanceCommand({ instanceName: 'pi-kitchen' }))).instanceInfo?.iamUserArn, user.Arn);

  // deregister: the user cannot go while it has keys or policies
  t.match(await failure(iam.send(new DeleteUserCommand({ UserName: 'pi-kitchen' }))), { name: 'DeleteConflict', status: 409, message: /access keys/ });
  await iam.send(new DeleteAccessKeyCommand({ UserName: 'pi-kitchen', AccessKeyId: key.AccessKeyId! }));
  t.match(await failure(new STSClient(cfg(sb, asUser)).send(new GetCallerIdentityCommand({}))), { name: 'InvalidClientTokenId', status: 403 }, 'a deleted key is refused');
  t.match(await failure(iam.send(new DeleteUserCommand({ UserName: 'pi-kitchen' }))), { name: 'DeleteConflict', status: 409, message: /policies/ });
  await iam.send(new DeleteUserPolicyCommand({ UserName: 'pi-kitchen', PolicyName: 'codedeploy-agent' }));
  await iam.send(new DeleteUserCommand({ UserName: 'pi-kitchen' }));
  t.match(await failure(iam.send(new GetUserCommand({ UserName: 'pi-kitchen' }))), { name: 'NoSuchEntity', status: 404, message: 'The user with name pi-kitchen cannot be found.' });
});

t.test('IAM errors as AWS returns them', async (t) => {
  const sb = await startSandbox({});
  t.teardown(() => sb.close());
  const iam = new IAMClient(cfg(sb));
  await iam.send(new CreateUserCommand({ UserName: 'Pi-01' }));

  t.match(await failure(iam.send(new CreateUserCommand({ UserName: 'pi-01' }))), { name: 'EntityAlreadyExists', status: 409, message: 'User with name pi-01 already exists.' }, 'names ignore case');
  t.match(await failure(iam.send(new CreateUserCommand({ UserName: 'bad name' }))), { name: 'ValidationError', status: 400, message: /userName.*regular expression/ });
  t.match(await failure(iam.send(new CreateUserCommand({ UserName: 'x', Path: 'no-slashes' }))), { name: 'ValidationError', message: /path/ });
  t.match(await failure(iam.send(new CreateUserCommand({ UserName: 'a'.repeat(65) }))), { name: 'ValidationError', message: /less than or equal to 64/ });
  t.match(await failure(iam.send(new GetUserCommand({}))), { name: 'ValidationError', message: /Must specify userName/ }, 'root must name the user');
  t.match(await failure(iam.send(new DeleteUserCommand({ UserName: 'ghost' }))), { name: 'NoSuchEntity', status: 404 });
  t.match(await failure(iam.send(new GetUserPolicyCommand({ UserName: 'pi-01', PolicyName: 'none' }))), { name: 'NoSuchEntity', message: 'The user policy with name none cannot be found.' });
  t.match(await failure(iam.send(new DeleteAccessKeyCommand({ UserName: 'pi-01', AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA' }))), { name: 'NoSuchEntity', status: 404 });

  const put = (PolicyDocument: string) => iam.send(new PutUserPolicyCommand({ UserName: 'pi-01', PolicyName: 'p', PolicyDocument }));
  t.match(await failure(put('{not json')), { name: 'MalformedPolicyDocument', status: 400, message: 'Syntax errors in policy.' });
  t.match(await failure(put(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*' }] }))), { name: 'MalformedPolicyDocument', message: /must contain resources/ });
  t.match(await failure(put(JSON.stringify({ Statement: { Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' } }))), { name: 'MalformedPolicyDocument', message: /principal/ });
  t.match(await failure(put(JSON.stringify({ Version: '2020-01-01', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }))), { name: 'MalformedPolicyDocument', message: /version/ });
  const big = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: Array.from({ length: 200 }, (_, i) => `s3:Action${i}`), Resource: '*' }] });
  t.match(await failure(put(big)), { name: 'LimitExceeded', status: 409, message: /2048/ }, 'inline policy quota per user');

  await iam.send(new CreateAccessKeyCommand({ UserName: 'pi-01' }));
  await iam.send(new CreateAccessKeyCommand({ UserName: 'pi-01' }));
  t.match(await failure(iam.send(new CreateAccessKeyCommand({ UserName: 'pi-01' }))), { name: 'LimitExceeded', status: 409, message: 'Cannot exceed quota for AccessKeysPerUser: 2' });
});

t.test('listing: path prefix, pagination, tags; accounts are separate', async (t) => {
  const sb = await startSandbox({});
  t.teardown(() => sb.close());
  const iam = new IAMClient(cfg(sb));
  for (const name of ['pi-c', 'pi-a', 'ops-admin', 'pi-b']) {
    await iam.send(new CreateUserCommand({ UserName: name, ...(name.startsWith('pi-') ? { Path: '/fleet/air/' } : {}) }));
  }
  const fleet = await iam.send(new ListUsersCommand({ PathPrefix: '/fleet/' }));
  t.same(fleet.Users?.map((u) => u.UserName), ['pi-a', 'pi-b', 'pi-c']);
  t.equal(fleet.IsTruncated, false);
  const first = await iam.send(new ListUsersCommand({ MaxItems: 3 }));
  t.same(first.Users?.map((u) => u.UserName), ['ops-admin', 'pi-a', 'pi-b']);
  t.equal(first.IsTruncated, true);
  const second = await iam.send(new ListUsersCommand({ MaxItems: 3, Marker: first.Marker }));
  t.same(second.Users?.map((u) => u.UserName), ['pi-c']);
  t.notOk(second.IsTruncated);
  t.match(await failure(iam.send(new ListUsersCommand({ Marker: 'junk' }))), { name: 'ValidationError' });

  await iam.send(new TagUserCommand({ UserName: 'pi-a', Tags: [{ Key: 'fleet', Value: 'air' }, { Key: 'site', Value: 'lab' }] }));
  await iam.send(new TagUserCommand({ UserName: 'pi-a', Tags: [{ Key: 'Site', Value: 'home' }] }));
  t.same((await iam.send(new ListUserTagsCommand({ UserName: 'pi-a' }))).Tags, [{ Key: 'fleet', Value: 'air' }, { Key: 'Site', Value: 'home' }], 'tag keys ignore case');
  await iam.send(new UntagUserCommand({ UserName: 'pi-a', TagKeys: ['FLEET'] }));
  t.same((await iam.send(new GetUserCommand({ UserName: 'pi-a' }))).User?.Tags, [{ Key: 'Site', Value: 'home' }]);

  const assumed = await new STSClient(cfg(sb)).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/Admin', RoleSessionName: 'tenant' }));
  const c = assumed.Credentials!;
  const tenant = new IAMClient(cfg(sb, { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }));
  t.same((await tenant.send(new ListUsersCommand({}))).Users, [], 'another account has its own users');
  const theirs = await tenant.send(new CreateUserCommand({ UserName: 'pi-a' }));
  t.equal(theirs.User?.Arn, 'arn:aws:iam::222222222222:user/pi-a');
});

t.test('users and keys survive a restart of a persistent sandbox', async (t) => {
  const dir = t.testdir();
  const first = await startSandbox({ dir });
  const iam = new IAMClient(cfg(first));
  await iam.send(new CreateUserCommand({ UserName: 'pi-persist' }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'pi-persist' }))).AccessKey!;
  await first.close();

  const second = await startSandbox({ dir });
  t.teardown(() => second.close());
  const me = await new STSClient(cfg(second, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! })).send(new GetCallerIdentityCommand({}));
  t.equal(me.Arn, 'arn:aws:iam::111111111111:user/pi-persist');
  t.same((await new IAMClient(cfg(second)).send(new ListAccessKeysCommand({ UserName: 'pi-persist' }))).AccessKeyMetadata?.map((k) => k.AccessKeyId), [key.AccessKeyId]);
  t.equal(second.env()['AWS_ENDPOINT_URL_IAM'], second.url);
  // closed before the test ends: tap removes t.testdir() before running teardowns, and a running
  // sandbox could write its state into the folder while it is removed
  await second.close();
});
