// The SigV4 verifier against requests signed directly with @smithy/signature-v4 (as the SDK does).
import t, { type Test } from 'tap';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { createCredentialRegistry } from '../../../sandbox/credentials.js';
import { createSigV4Verifier, parseAmzDate, parseRawQuery, type RawSignedRequest } from '../../../sandbox/sigv4-verify.js';
import { AwsError, type Principal } from '../../../sandbox/types.js';

const NOW = new Date('2024-03-01T12:00:00Z');
const clock = { now: () => NOW };
const registry = createCredentialRegistry();
const root = registry.issue({ arn: 'arn:aws:iam::111111111111:root', accountId: '111111111111', userId: '111111111111' });
const session = registry.issue({
  arn: 'arn:aws:sts::222222222222:assumed-role/deployer/s1',
  accountId: '222222222222',
  userId: 'AROAEXAMPLE:s1',
  expiresAt: new Date(NOW.getTime() + 3600_000),
});
const expired = registry.issue({
  arn: 'arn:aws:sts::222222222222:assumed-role/deployer/old',
  accountId: '222222222222',
  userId: 'AROAEXAMPLE:old',
  expiresAt: new Date(NOW.getTime() - 1000),
});
const verifier = createSigV4Verifier({ credentials: registry, clock });

interface SignOpts {
  service: string;
  method?: string;
  path?: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string | Buffer;
  creds?: Pick<Principal, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>;
  date?: Date;
  s3PayloadHash?: string;
}

const encode = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function toRaw(req: HttpRequest, body: Buffer): RawSignedRequest {
  const rawQuery = Object.entries(req.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v ?? '']).map((x) => `${encode(k)}=${encode(String(x))}`))
    .join('&');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  return { method: req.method, rawPath: req.path, rawQuery, headers, body };
}

function signer(o: SignOpts): SignatureV4 {
  const c = o.creds ?? root;
  return new SignatureV4({
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) },
    region: 'us-east-1',
    service: o.service,
    sha256: Sha256,
    uriEscapePath: o.service !== 's3',
    applyChecksum: o.service === 's3',
  });
}

function request(o: SignOpts, extraHeaders: Record<string, string> = {}): { req: HttpRequest; body: Buffer } {
  const body = Buffer.from(o.body ?? '');
  const headers: Record<string, string> = { host: '127.0.0.1:4566', ...o.headers, ...extraHeaders };
  if (body.length > 0) headers['content-length'] = String(body.length);
  const req = new HttpRequest({ method: o.method ?? 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 4566, path: o.path ?? '/', query: o.query ?? {}, headers, body });
  return { req, body };
}

async function sign(o: SignOpts): Promise<RawSignedRequest> {
  const { req, body } = request(o, o.s3PayloadHash ? { 'x-amz-content-sha256': o.s3PayloadHash } : {});
  const signed = await signer(o).sign(req, { signingDate: o.date ?? NOW });
  return toRaw(signed as HttpRequest, body);
}

const codedeploy = (over: Partial<SignOpts> = {}): SignOpts => ({
  service: 'codedeploy',
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'CodeDeploy_20141006.ListApplications' },
  body: '{}',
  ...over,
});

async function rejects(t: Test, req: RawSignedRequest, code: string, status?: number, message?: RegExp): Promise<void> {
  const err = await verifier.verify(req).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof AwsError, `rejected with an AwsError (${code})`);
  if (!(err instanceof AwsError)) return;
  t.equal(err.code, code);
  if (status !== undefined) t.equal(err.status, status);
  if (message) t.match(err.message, message);
}

t.test('a correctly signed JSON request resolves its principal, service and region', async (t) => {
  const v = await verifier.verify(await sign(codedeploy()));
  t.equal(v.principal.arn, root.arn);
  t.equal(v.service, 'codedeploy');
  t.equal(v.region, 'us-east-1');
  t.equal(v.body.toString(), '{}');
});

t.test('tampered body, tampered signed header, wrong secret', async (t) => {
  const good = await sign(codedeploy());
  await rejects(t, { ...good, body: Buffer.from('{"x":1}') }, 'InvalidSignatureException', 400);
  await rejects(t, { ...good, headers: { ...good.headers, 'x-amz-target': 'CodeDeploy_20141006.DeleteApplication' } }, 'InvalidSignatureException');
  t.resolves(verifier.verify({ ...good, headers: { ...good.headers, 'user-agent': 'changed (not signed)' } }), 'unsigned headers may change');
  await rejects(t, await sign(codedeploy({ creds: { ...root, secretAccessKey: 'wrong' } })), 'InvalidSignatureException', 400, /signature we calculated/);
  await rejects(t, await sign({ service: 's3', method: 'GET', path: '/b', s3PayloadHash: 'UNSIGNED-PAYLOAD', creds: { ...root, secretAccessKey: 'x' } }), 'SignatureDoesNotMatch', 403);
  await rejects(t, await sign({ service: 'sts', body: 'Action=GetCallerIdentity&Version=2011-06-15', creds: { ...root, secretAccessKey: 'x' } }), 'SignatureDoesNotMatch', 403);
  const signedSha = await sign(codedeploy({ headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-target': 'CodeDeploy_20141006.ListApplications' } }));
  await rejects(t, signedSha, 'InvalidSignatureException', 400, undefined);
});

t.test('unknown key and missing authentication, in each protocol', async (t) => {
  const stranger = { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' };
  await rejects(t, await sign(codedeploy({ creds: stranger })), 'UnrecognizedClientException', 400);
  await rejects(t, await sign({ service: 's3', method: 'GET', path: '/b', s3PayloadHash: 'UNSIGNED-PAYLOAD', creds: stranger }), 'InvalidAccessKeyId', 403);
  await rejects(t, await sign({ service: 'sts', body: 'Action=GetCallerIdentity', creds: stranger }), 'InvalidClientTokenId', 403);
  const bare = (headers: Record<string, string>, rawQuery = ''): RawSignedRequest => ({ method: 'POST', rawPath: '/', rawQuery, headers, body: Buffer.alloc(0) });
  await rejects(t, bare({ 'x-amz-target': 'CodeDeploy_20141006.ListApplications' }), 'MissingAuthenticationTokenException');
  await rejects(t, bare({ 'x-amz-target': 'CodeDeployCommandService_v20141006.PollHostCommand' }), 'MissingAuthenticationTokenException');
  await rejects(t, bare({}), 'AccessDenied', 403);
  await rejects(t, bare({}, 'Action=GetCallerIdentity'), 'MissingAuthenticationToken', 403);
});

t.test('session credentials: token required and matched, expiry enforced', async (t) => {
  t.equal((await verifier.verify(await sign(codedeploy({ creds: session })))).principal.arn, session.arn);
  await rejects(t, await sign(codedeploy({ creds: { ...session, sessionToken: undefined } })), 'UnrecognizedClientException');
  await rejects(t, await sign(codedeploy({ creds: { ...session, sessionToken: 'forged' } })), 'UnrecognizedClientException');
  await rejects(t, await sign({ service: 's3', method: 'GET', path: '/b', s3PayloadHash: 'UNSIGNED-PAYLOAD', creds: { ...session, sessionToken: 'forged' } }), 'InvalidToken');
  await rejects(t, await sign(codedeploy({ creds: { ...root, sessionToken: 'unexpected' } })), 'UnrecognizedClientException');
  await rejects(t, await sign(codedeploy({ creds: expired })), 'ExpiredTokenException', 400);
  await rejects(t, await sign({ service: 's3', method: 'GET', path: '/b', s3PayloadHash: 'UNSIGNED-PAYLOAD', creds: expired }), 'ExpiredToken', 400);
  await rejects(t, await sign({ service: 'sts', body: 'Action=GetCallerIdentity', creds: expired }), 'ExpiredToken', 400);
});

t.test('clock skew beyond 15 minutes', async (t) => {
  const old = new Date(NOW.getTime() - 16 * 60_000);
  await rejects(t, await sign(codedeploy({ date: old })), 'InvalidSignatureException', 400, /^Signature expired: 20240301T114400Z is now earlier than 20240301T114500Z/);
  await rejects(t, await sign(codedeploy({ date: new Date(NOW.getTime() + 16 * 60_000) })), 'InvalidSignatureException', 400, /not yet current/);
  await rejects(t, await sign({ service: 's3', method: 'GET', path: '/b', s3PayloadHash: 'UNSIGNED-PAYLOAD', date: old }), 'RequestTimeTooSkewed', 403);
  await rejects(t, await sign({ service: 'sts', body: 'Action=GetCallerIdentity', date: old }), 'SignatureDoesNotMatch', 403, /Signature expired/);
  t.resolves(verifier.verify(await sign(codedeploy({ date: new Date(NOW.getTime() - 14 * 60_000) }))), 'within the window');
});

t.test('s3: payload hash header, unsigned payload, raw paths and queries', async (t) => {
  const body = 'hello world';
  const hash = 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9';
  const put = { service: 's3', method: 'PUT', path: '/bucket/dir/a%20b%2Bc/%C3%BC.txt', body, s3PayloadHash: hash };
  const v = await verifier.verify(await sign(put));
  t.equal(v.body.toString(), body);
  await rejects(t, { ...(await sign(put)), body: Buffer.from('hello WORLD') }, 'XAmzContentSHA256Mismatch', 400);
  const unsigned = await sign({ ...put, s3PayloadHash: 'UNSIGNED-PAYLOAD' });
  t.equal((await verifier.verify({ ...unsigned, body: Buffer.from('anything') })).body.toString(), 'anything');
  const listing = await sign({ service: 's3', method: 'GET', path: '/bucket', query: { 'list-type': '2', prefix: 'a b/ü', 'continuation-token': 'x+y=', tag: ['b', 'a'] }, s3PayloadHash: 'UNSIGNED-PAYLOAD' });
  t.resolves(verifier.verify(listing), 'encoded and repeated query parameters');
  await rejects(t, { ...listing, rawQuery: listing.rawQuery.replace('prefix=a', 'prefix=b') }, 'SignatureDoesNotMatch');
  await rejects(t, { ...unsigned, rawPath: '/bucket/other' }, 'SignatureDoesNotMatch');
  const noSha = await sign({ service: 's3', method: 'GET', path: '/b' });
  delete (noSha.headers as Record<string, string>)['x-amz-content-sha256'];
  await rejects(t, noSha, 'InvalidRequest', 400, /x-amz-content-sha256/);
});

t.test('non-s3 paths are normalised and double-encoded as the SDK signs them', async (t) => {
  t.resolves(verifier.verify(await sign({ service: 'iot', method: 'GET', path: '/things/my%20thing', body: '' })));
});

t.test('presigned URLs (query form)', async (t) => {
  const presign = async (o: SignOpts, expiresIn = 900, signingDate = NOW): Promise<RawSignedRequest> => {
    const { req, body } = request(o, { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' });
    const p = await signer(o).presign(req, { signingDate, expiresIn });
    return toRaw(p as HttpRequest, body);
  };
  const get = { service: 's3', method: 'GET', path: '/bucket/key%20x.zip', headers: {} };
  const ok = await presign(get);
  t.match(ok.rawQuery, /X-Amz-Signature=/);
  t.equal((await verifier.verify(ok)).principal.arn, root.arn);
  t.equal((await verifier.verify(await presign({ ...get, creds: session }))).principal.arn, session.arn, 'session token in the query');
  await rejects(t, { ...ok, rawPath: '/bucket/other.zip' }, 'SignatureDoesNotMatch', 403);
  await rejects(t, { ...ok, rawQuery: ok.rawQuery.replace('X-Amz-Expires=900', 'X-Amz-Expires=901') }, 'SignatureDoesNotMatch');
  await rejects(t, await presign(get, 60, new Date(NOW.getTime() - 120_000)), 'AccessDenied', 403, /Request has expired/);
  t.resolves(verifier.verify(await presign(get, 3600, new Date(NOW.getTime() - 1800_000))), 'old but unexpired presigned URL');
  await rejects(t, await presign({ ...get, creds: { ...root, secretAccessKey: 'x' } }), 'SignatureDoesNotMatch');
  await rejects(t, await presign({ ...get, service: 'codedeploy', creds: expired }), 'ExpiredTokenException');
});

t.test('helpers: raw query parsing and X-Amz-Date', async (t) => {
  t.same(parseRawQuery('a=1&b&a=2&c=x%2By+z'), { a: ['1', '2'], b: '', c: 'x+y+z' });
  t.same(parseRawQuery(''), {});
  t.equal(parseAmzDate('20240301T120000Z')?.toISOString(), NOW.toISOString());
  t.equal(parseAmzDate('2024-03-01'), undefined);
});

t.test('malformed authorization', async (t) => {
  const good = await sign(codedeploy());
  await rejects(t, { ...good, headers: { ...good.headers, 'x-amz-date': '20240301T120001Z' } }, 'InvalidSignatureException');
  await rejects(t, { ...good, headers: { ...good.headers, 'x-amz-date': 'yesterday' } }, 'IncompleteSignatureException');
  const auth = good.headers['authorization']!;
  await rejects(t, { ...good, headers: { ...good.headers, authorization: auth.replace('/20240301/', '/20240302/') } }, 'IncompleteSignatureException', 400, /credential date/);
});
