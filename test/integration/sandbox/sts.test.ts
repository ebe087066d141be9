// STS through the real @aws-sdk/client-sts against the sandbox: identities, AssumeRole across
// accounts, and the errors AWS returns.
import t from 'tap';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, type STSServiceException } from '@aws-sdk/client-sts';
import { issueSession, startTestSandbox, type TestCredentials } from '../../helpers/sandbox-server.js';

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number; requestId?: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as STSServiceException;
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode, requestId: err.$metadata?.requestId };
  }
  throw new Error('expected a failure');
}

t.test('GetCallerIdentity and AssumeRole into another account', async (t) => {
  const sb = await startTestSandbox({});
  t.teardown(() => sb.close());
  const sts = new STSClient(sb.clientConfig());

  const me = await sts.send(new GetCallerIdentityCommand({}));
  t.equal(me.Account, '111111111111');
  t.equal(me.Arn, 'arn:aws:iam::111111111111:root');
  t.equal(me.UserId, '111111111111');
  t.ok(me.$metadata.requestId, 'request id from the response');

  const before = Date.now();
  const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/fleet-deployer', RoleSessionName: 'rollout-42' }));
  const c = assumed.Credentials!;
  t.match(c.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
  t.equal(c.SecretAccessKey?.length, 40);
  t.ok(c.SessionToken);
  const ttl = c.Expiration!.getTime() - before;
  t.ok(ttl > 3590_000 && ttl <= 3605_000, `default duration 3600 s (${ttl} ms)`);
  t.equal(assumed.AssumedRoleUser?.Arn, 'arn:aws:sts::222222222222:assumed-role/fleet-deployer/rollout-42');
  t.match(assumed.AssumedRoleUser?.AssumedRoleId, /^AROA[A-Z2-7]{17}:rollout-42$/);

  const creds: TestCredentials = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
  const tenant = new STSClient(sb.clientConfig(creds));
  const who = await tenant.send(new GetCallerIdentityCommand({}));
  t.equal(who.Account, '222222222222');
  t.equal(who.Arn, assumed.AssumedRoleUser?.Arn);
  t.equal(who.UserId, assumed.AssumedRoleUser?.AssumedRoleId);

  const again = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/fleet-deployer', RoleSessionName: 'other', DurationSeconds: 900 }));
  t.equal(again.AssumedRoleUser?.AssumedRoleId?.split(':')[0], assumed.AssumedRoleUser?.AssumedRoleId?.split(':')[0], 'a role keeps its AROA id');
  t.ok(again.Credentials!.Expiration!.getTime() - before <= 905_000, 'DurationSeconds 900');

  const withPath = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::444444444444:role/service/edge/reader', RoleSessionName: 'p@x.y' }));
  t.equal(withPath.AssumedRoleUser?.Arn, 'arn:aws:sts::444444444444:assumed-role/reader/p@x.y', 'the role path is not part of the session ARN');

  const chained = await tenant.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::333333333333:role/child', RoleSessionName: 'chain' }));
  t.equal(chained.AssumedRoleUser?.Arn, 'arn:aws:sts::333333333333:assumed-role/child/chain', 'role chaining');
  const tooLong = await failure(tenant.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::333333333333:role/child', RoleSessionName: 'chain', DurationSeconds: 7200 })));
  t.equal(tooLong.name, 'ValidationError');
  t.match(tooLong.message, /role chaining/);
});

t.test('errors as AWS returns them', async (t) => {
  const sb = await startTestSandbox({}, { allowAssume: (account, role) => account !== '999999999999' && role !== 'forbidden' });
  t.teardown(() => sb.close());
  const sts = new STSClient(sb.clientConfig());

  const badSecret = await failure(new STSClient(sb.clientConfig({ accessKeyId: sb.root.accessKeyId, secretAccessKey: 'wrong' })).send(new GetCallerIdentityCommand({})));
  t.equal(badSecret.name, 'SignatureDoesNotMatch');
  t.equal(badSecret.status, 403);
  t.ok(badSecret.requestId, 'the error carries the request id');

  const unknown = await failure(new STSClient(sb.clientConfig({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' })).send(new GetCallerIdentityCommand({})));
  t.equal(unknown.name, 'InvalidClientTokenId');
  t.equal(unknown.message, 'The security token included in the request is invalid.');

  const denied = await failure(sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::999999999999:role/admin', RoleSessionName: 'x1' })));
  t.equal(denied.name, 'AccessDenied');
  t.equal(denied.status, 403);
  t.equal(denied.message, 'User: arn:aws:iam::111111111111:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::999999999999:role/admin');
  t.equal((await failure(sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/forbidden', RoleSessionName: 'x1' })))).name, 'AccessDenied');

  const expired = issueSession(sb, 'arn:aws:sts::222222222222:assumed-role/fleet-deployer/old', { ttlMs: -1000 });
  const exp = await failure(new STSClient(sb.clientConfig(expired)).send(new GetCallerIdentityCommand({})));
  t.equal(exp.name, 'ExpiredToken');
  t.equal(exp.message, 'The security token included in the request is expired');

  const malformed = await failure(sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::12345:role/short-account', RoleSessionName: 'ok-name' })));
  t.equal(malformed.name, 'ValidationError');
  t.equal(malformed.status, 400);
  const notRole = await failure(sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:user/someone', RoleSessionName: 'ok-name' })));
  t.equal(notRole.name, 'ValidationError');
  const badSession = await failure(sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/r', RoleSessionName: 'has space' })));
  t.equal(badSession.name, 'ValidationError');
  t.match(badSession.message, /roleSessionName.*regular expression/);
  const short = await failure(sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/r', RoleSessionName: 'ok', DurationSeconds: 899 })));
  t.equal(short.name, 'ValidationError');
  t.match(short.message, /durationSeconds.*greater than or equal to 900/);
  const long = await failure(sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/r', RoleSessionName: 'ok', DurationSeconds: 43201 })));
  t.match(long.message, /less than or equal to 43200/);
  t.ok(await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/r', RoleSessionName: 'ok', DurationSeconds: 43200 })), '12 h is allowed');
});
