// The STS handler on its own: query parameters from the body or the query string, action dispatch,
// validation. (The SDK round trip is in test/integration/sandbox/sts.test.ts.)
import t from 'tap';
import { XMLParser } from 'fast-xml-parser';
import { createCredentialRegistry } from '../../../sandbox/credentials.js';
import { createStsService, queryParams } from '../../../sandbox/sts/sts-service.js';
import { iamUniqueId } from '../../../sandbox/sts/unique-id.js';
import { AwsError, type SandboxRequest } from '../../../sandbox/types.js';

const credentials = createCredentialRegistry();
const caller = credentials.issue({ arn: 'arn:aws:iam::111111111111:user/ci', accountId: '111111111111', userId: 'AIDACI' });
const now = new Date('2024-03-01T12:00:00.500Z');
const sts = createStsService({ credentials, clock: { now: () => now } });
const xml = new XMLParser({ parseTagValue: false });

function req(params: string, where: 'body' | 'query' = 'body'): SandboxRequest {
  return {
    method: where === 'body' ? 'POST' : 'GET',
    rawPath: '/',
    path: '/',
    query: new URLSearchParams(where === 'query' ? params : ''),
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'x-amzn-requestid': 'req-1' },
    body: Buffer.from(where === 'body' ? params : ''),
    service: 'sts',
    region: 'us-east-1',
    principal: caller,
    signal: new AbortController().signal,
  };
}

const codeOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof AwsError ? `${e.code}: ${e.message}` : String(e)),
  );

t.test('GetCallerIdentity from a form body or a query string', async (t) => {
  for (const where of ['body', 'query'] as const) {
    const r = await sts(req('Action=GetCallerIdentity&Version=2011-06-15', where));
    t.equal(r.status, 200);
    const doc = xml.parse(String(r.body)).GetCallerIdentityResponse;
    t.same(doc.GetCallerIdentityResult, { Arn: caller.arn, UserId: 'AIDACI', Account: '111111111111' });
    t.equal(doc.ResponseMetadata.RequestId, 'req-1');
  }
  t.same(Object.fromEntries(queryParams(req('Action=A&RoleSessionName=a+b%40c'))), { Action: 'A', RoleSessionName: 'a b@c' });
});

t.test('AssumeRole response shape and issued credentials', async (t) => {
  const r = await sts(req('Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2Fdeployer&RoleSessionName=s-1&DurationSeconds=1800'));
  const result = xml.parse(String(r.body)).AssumeRoleResponse.AssumeRoleResult;
  t.equal(result.AssumedRoleUser.Arn, 'arn:aws:sts::222222222222:assumed-role/deployer/s-1');
  t.equal(result.AssumedRoleUser.AssumedRoleId, `${iamUniqueId('AROA', '222222222222:deployer')}:s-1`);
  t.equal(result.Credentials.Expiration, '2024-03-01T12:30:00Z');
  const issued = credentials.lookup(result.Credentials.AccessKeyId);
  t.match(issued, { arn: result.AssumedRoleUser.Arn, accountId: '222222222222', secretAccessKey: result.Credentials.SecretAccessKey, sessionToken: result.Credentials.SessionToken });
  t.equal(issued?.expiresAt?.toISOString(), '2024-03-01T12:30:00.000Z');
});

t.test('validation and dispatch errors', async (t) => {
  const arn = 'RoleArn=arn:aws:iam::222222222222:role/r';
  t.equal(await codeOf(sts(req('Version=2011-06-15'))), 'MissingAction: Missing Action');
  t.equal(await codeOf(sts(req('Action=GetSessionToken&Version=2011-06-15'))), 'InvalidAction: Could not find operation GetSessionToken for version 2011-06-15');
  t.equal(await codeOf(sts(req('Action=GetCallerIdentity&Version=2010-01-01'))), 'InvalidAction: Could not find operation GetCallerIdentity for version 2010-01-01');
  t.equal(
    await codeOf(sts(req('Action=AssumeRole'))),
    "ValidationError: 2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null",
  );
  t.match(await codeOf(sts(req(`Action=AssumeRole&${arn}&RoleSessionName=x`))), /length greater than or equal to 2/);
  t.match(await codeOf(sts(req(`Action=AssumeRole&${arn}&RoleSessionName=${'x'.repeat(65)}`))), /less than or equal to 64/);
  t.match(await codeOf(sts(req(`Action=AssumeRole&${arn}&RoleSessionName=ok&DurationSeconds=abc`))), /durationSeconds/);
  t.match(await codeOf(sts(req('Action=AssumeRole&RoleArn=arn:aws:iam::2222:role/r&RoleSessionName=ok'))), /^ValidationError: .*is invalid/);
  t.match(await codeOf(sts(req('Action=AssumeRole&RoleArn=role/r&RoleSessionName=ok'))), /length greater than or equal to 20/);
});
