// The sandbox IAM handler on a real in-memory store and credential registry: the wire format it
// writes (namespace, Result element, member lists), action/version dispatch, parameter checks,
// the policy grammar and pagination.
import t from 'tap';
import { createCredentialRegistry } from '../../../sandbox/credentials.js';
import { createIamService } from '../../../sandbox/iam/iam-service.js';
import { mergeTags, paginateIam, tagsParam } from '../../../sandbox/iam/iam-params.js';
import { checkPolicyDocument } from '../../../sandbox/iam/user-policies.js';
import { createStore } from '../../../sandbox/store.js';
import { AwsError, type Principal, type SandboxResponse } from '../../../sandbox/types.js';

async function service() {
  const store = await createStore();
  const credentials = createCredentialRegistry();
  const root = credentials.issue({ arn: 'arn:aws:iam::111111111111:root', accountId: '111111111111', userId: '111111111111' });
  let counter = 0;
  const iam = createIamService({ store, credentials, clock: { now: () => new Date('2024-05-01T10:00:00.123Z') }, randomBytes: (n) => Buffer.alloc(n, counter++) });
  const call = async (params: Record<string, string>, principal: Principal = root): Promise<SandboxResponse & { text: string }> => {
    const res = await iam({
      method: 'POST',
      rawPath: '/',
      path: '/',
      query: new URLSearchParams(),
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'x-amzn-requestid': 'req-1' },
      body: Buffer.from(new URLSearchParams({ Version: '2010-05-08', ...params }).toString()),
      service: 'iam',
      region: 'us-east-1',
      principal,
      signal: new AbortController().signal,
    });
    return { ...res, text: String(res.body) };
  };
  const fails = (params: Record<string, string>) =>
    call(params).then(
      () => 'succeeded',
      (e: unknown) => (e instanceof AwsError ? `${e.code} ${e.status}: ${e.message}` : String(e)),
    );
  return { call, fails, credentials, store };
}

t.test('the XML written for CreateUser, DeleteUser and ListUserPolicies', async (t) => {
  const { call } = await service();
  const created = await call({ Action: 'CreateUser', UserName: 'pi-1', Path: '/fleet/' });
  t.equal(created.status, 200);
  t.equal(created.headers?.['content-type'], 'text/xml');
  t.equal(
    created.text,
    '<CreateUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateUserResult><User><Path>/fleet/</Path><UserName>pi-1</UserName>' +
      '<UserId>AIDAAAAAAAAAAAAAAAAAA</UserId><Arn>arn:aws:iam::111111111111:user/fleet/pi-1</Arn><CreateDate>2024-05-01T10:00:00Z</CreateDate></User>' +
      '</CreateUserResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></CreateUserResponse>\n',
  );
  await call({ Action: 'PutUserPolicy', UserName: 'pi-1', PolicyName: 'b', PolicyDocument: '{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}' });
  await call({ Action: 'PutUserPolicy', UserName: 'pi-1', PolicyName: 'a', PolicyDocument: '{"Statement":{"Effect":"Deny","NotAction":"s3:*","NotResource":"*"}}' });
  t.match((await call({ Action: 'ListUserPolicies', UserName: 'pi-1' })).text, '<PolicyNames><member>a</member><member>b</member></PolicyNames><IsTruncated>false</IsTruncated>');
  await call({ Action: 'DeleteUserPolicy', UserName: 'pi-1', PolicyName: 'a' });
  await call({ Action: 'DeleteUserPolicy', UserName: 'pi-1', PolicyName: 'b' });
  t.equal((await call({ Action: 'DeleteUser', UserName: 'PI-1' })).text, '<DeleteUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></DeleteUserResponse>\n');
});

t.test('dispatch and parameter errors', async (t) => {
  const { fails } = await service();
  t.match(await fails({ Action: 'CreateRole', RoleName: 'x' }), /^InvalidAction 400: Could not find operation CreateRole/);
  t.match(await fails({ Action: 'ListUsers', Version: '2011-06-15' }), /^InvalidAction 400/);
  t.match(await fails({ Action: 'toString' }), /^InvalidAction 400/, 'no prototype lookups');
  t.match(await fails({ Action: 'CreateUser' }), /^ValidationError 400: 1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null/);
  t.match(await fails({ Action: 'CreateUser', UserName: '' }), /Member must have length greater than or equal to 1/);
  t.match(await fails({ Action: 'ListUsers', PathPrefix: 'fleet' }), /ValidationError 400: .*'pathPrefix'/);
  t.match(await fails({ Action: 'ListUsers', MaxItems: '0' }), /'maxItems'.*greater than or equal to 1/);
  t.match(await fails({ Action: 'ListUsers', MaxItems: '1001' }), /less than or equal to 1000/);
  t.match(await fails({ Action: 'PutUserPolicy', UserName: 'x', PolicyName: 'p' }), /ValidationError 400/, 'validated before the user is looked up');
  t.match(await fails({ Action: 'DeleteAccessKey', UserName: 'x', AccessKeyId: 'short' }), /'accessKeyId'/);
  t.match(await fails({ Action: 'CreateUser', UserName: 'x', 'Tags.member.1.Key': 'a' }), /tags\.1\.member\.value.*must not be null/);
  t.match(await fails({ Action: 'CreateUser', UserName: 'x', 'Tags.member.1.Key': 'a', 'Tags.member.1.Value': '1', 'Tags.member.2.Key': 'A', 'Tags.member.2.Value': '2' }), /^InvalidInput 400: Duplicate tag keys/);
});

t.test('access keys are issued to and revoked from the registry as the IAM user', async (t) => {
  const { call, credentials } = await service();
  await call({ Action: 'CreateUser', UserName: 'pi-2' });
  const text = (await call({ Action: 'CreateAccessKey', UserName: 'pi-2' })).text;
  const id = /<AccessKeyId>(\w+)<\/AccessKeyId>/.exec(text)![1]!;
  const principal = credentials.lookup(id)!;
  t.match(principal, { arn: 'arn:aws:iam::111111111111:user/pi-2', accountId: '111111111111', userId: /^AIDA/ });
  t.notOk(principal.sessionToken, 'long-lived key');
  t.match(text, `<SecretAccessKey>${principal.secretAccessKey}</SecretAccessKey>`);
  t.match((await call({ Action: 'ListAccessKeys' }, principal)).text, `<AccessKeyId>${id}</AccessKeyId><Status>Active</Status>`, 'the caller when UserName is omitted');
  await call({ Action: 'DeleteAccessKey', AccessKeyId: id }, principal);
  t.equal(credentials.lookup(id), undefined);
});

t.test('policy grammar', async (t) => {
  const ok = (doc: unknown) => t.doesNotThrow(() => checkPolicyDocument(JSON.stringify(doc)));
  const bad = (doc: string, message: RegExp | string) => t.throws(() => checkPolicyDocument(doc), { code: 'MalformedPolicyDocument', status: 400, message });
  ok({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:Get*'], Resource: '*' }] });
  ok({ Version: '2008-10-17', Statement: { Effect: 'Deny', NotAction: 'iam:*', NotResource: 'arn:aws:s3:::x' } });
  bad('[]', 'Syntax errors in policy.');
  bad('{}', 'Syntax errors in policy.');
  bad('{"Statement":[]}', 'Syntax errors in policy.');
  bad('{"Statement":["x"]}', 'Syntax errors in policy.');
  bad('{"Statement":{"Effect":"Maybe","Action":"*","Resource":"*"}}', 'Syntax errors in policy.');
  bad('{"Statement":{"Effect":"Allow","Resource":"*"}}', /must contain actions/);
  bad('{"Statement":{"Effect":"Allow","Action":"*"}}', /must contain resources/);
  bad('{"Statement":{"Effect":"Allow","NotPrincipal":"*","Action":"*","Resource":"*"}}', /principal/);
  bad('{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}', /valid version/);
});

t.test('pagination and tags helpers', async (t) => {
  const items = Array.from({ length: 5 }, (_, i) => i);
  const p1 = paginateIam(items, new URLSearchParams('MaxItems=2'));
  t.same(p1.items, [0, 1]);
  const p2 = paginateIam(items, new URLSearchParams({ MaxItems: '2', Marker: p1.marker! }));
  t.same(p2.items, [2, 3]);
  const p3 = paginateIam(items, new URLSearchParams({ MaxItems: '2', Marker: p2.marker! }));
  t.same(p3, { items: [4] });
  t.same(paginateIam(items, new URLSearchParams()), { items }, 'default 100');
  t.throws(() => paginateIam(items, new URLSearchParams({ Marker: Buffer.from('o:9').toString('base64url') })), { code: 'ValidationError' });
  t.throws(() => paginateIam(items, new URLSearchParams({ Marker: Buffer.from('9').toString('base64url') })), { code: 'ValidationError' });

  t.same(tagsParam(new URLSearchParams('Tags.member.1.Key=a&Tags.member.1.Value=&Tags.member.2.Key=b&Tags.member.2.Value=2')), [{ Key: 'a', Value: '' }, { Key: 'b', Value: '2' }]);
  const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: '' }));
  t.equal(mergeTags(fifty, [{ Key: 'K0', Value: 'x' }]).length, 50);
  t.throws(() => mergeTags(fifty, [{ Key: 'new', Value: 'x' }]), { code: 'LimitExceeded', status: 409 });
});
