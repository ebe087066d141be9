// SigV4 verification of requests made by the real AWS SDK v3 clients, over loopback HTTP.
// Tampering happens in a middleware at the deserialize step, i.e. after the SDK has signed.
import t from 'tap';
import { Readable } from 'node:stream';
import { CodeDeployClient, ListApplicationsCommand } from '@aws-sdk/client-codedeploy';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { HttpRequest } from '@smithy/protocol-http';
import { issueSession, startTestSandbox } from '../../helpers/sandbox-server.js';
import type { SandboxRequest, SandboxResponse, ServiceHandler } from '../../../sandbox/types.js';

const seen: SandboxRequest[] = [];
const s3: ServiceHandler = async (req): Promise<SandboxResponse> => {
  seen.push(req);
  if (req.method === 'GET' && req.query.has('list-type')) {
    return { status: 200, headers: { 'content-type': 'application/xml' }, body: '<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>' };
  }
  if (req.method === 'GET') return { status: 200, headers: { 'content-type': 'application/octet-stream', etag: '"e"' }, body: Readable.from([Buffer.from(req.path)]) };
  return { status: 200, headers: { etag: '"e"' } };
};
const codedeploy: ServiceHandler = async (req) => {
  seen.push(req);
  return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ applications: [req.principal.arn] }) };
};

const errorName = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: unknown) => (e as Error).name,
  );

type Mutate = (req: HttpRequest) => void;
function tamper<C extends { middlewareStack: { add: (...a: never[]) => unknown } }>(client: C, mutate: Mutate): C {
  const add = client.middlewareStack.add as unknown as (mw: unknown, opts: { step: string; name: string }) => void;
  add.call(
    client.middlewareStack,
    (next: (args: { request: HttpRequest }) => Promise<unknown>) => async (args: { request: HttpRequest }) => {
      mutate(args.request);
      return next(args);
    },
    { step: 'deserialize', name: 'tamperAfterSigning' },
  );
  return client;
}

t.test('SDK clients sign, the sandbox verifies', async (t) => {
  const sb = await startTestSandbox({ s3, codedeploy });
  t.teardown(() => sb.close());

  const client = new S3Client(sb.clientConfig());
  const keys = ['plain.txt', 'dir/with space/ü+x=y&z.bin', 'a%2Fb', '~tilde*star(1)'];
  for (const Key of keys) {
    seen.length = 0;
    await client.send(new PutObjectCommand({ Bucket: 'bucket', Key, Body: 'hello' }));
    t.equal(seen[0]?.path, `/bucket/${Key}`, `decoded path for ${Key}`);
    t.equal(seen[0]?.body.toString(), 'hello');
    const got = await client.send(new GetObjectCommand({ Bucket: 'bucket', Key }));
    t.equal(await got.Body?.transformToString(), `/bucket/${Key}`);
  }
  seen.length = 0;
  await client.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'big', Body: Readable.from([Buffer.alloc(70_000, 7)]), ContentLength: 70_000 }));
  t.equal(seen[0]?.headers['x-amz-content-sha256'], 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'the SDK streams with a checksum trailer');
  t.ok(seen[0]?.body.equals(Buffer.alloc(70_000, 7)), 'aws-chunked body decoded for the handler');
  t.ok(seen[0]?.headers['x-amz-checksum-crc32'], 'trailer checksum merged into the headers');
  await client.send(new ListObjectsV2Command({ Bucket: 'bucket', Prefix: 'dir/with space/', Delimiter: '/', StartAfter: 'a+b' }));

  const cd = new CodeDeployClient(sb.clientConfig());
  t.same((await cd.send(new ListApplicationsCommand({}))).applications, [sb.root.arn]);
  const sts = await new STSClient(sb.clientConfig()).send(new GetCallerIdentityCommand({}));
  t.equal(sts.Arn, sb.root.arn);

  const user = issueSession(sb, 'arn:aws:iam::333333333333:user/edge/pi-01');
  t.match(user.accessKeyId, /^AKIA/);
  t.same((await new CodeDeployClient(sb.clientConfig(user)).send(new ListApplicationsCommand({}))).applications, [user.arn]);
  const role = issueSession(sb, 'arn:aws:sts::333333333333:assumed-role/deployer/s1');
  t.match(role.accessKeyId, /^ASIA/);
  t.same((await new CodeDeployClient(sb.clientConfig(role)).send(new ListApplicationsCommand({}))).applications, [role.arn]);
});

t.test('tampered body, tampered header, wrong secret, expired session', async (t) => {
  const sb = await startTestSandbox({ s3, codedeploy });
  t.teardown(() => sb.close());

  const cdBody = tamper(new CodeDeployClient(sb.clientConfig()), (r) => {
    r.body = '{"nextToken":"x"}';
    r.headers['content-length'] = String(r.body.length);
  });
  t.equal(await errorName(cdBody.send(new ListApplicationsCommand({}))), 'InvalidSignatureException');
  const cdHeader = tamper(new CodeDeployClient(sb.clientConfig()), (r) => {
    r.headers['x-amz-target'] = 'CodeDeploy_20141006.ListApplicationRevisions';
  });
  t.equal(await errorName(cdHeader.send(new ListApplicationsCommand({}))), 'InvalidSignatureException');
  const s3Body = tamper(new S3Client(sb.clientConfig()), (r) => {
    r.body = 'HELLO';
  });
  t.equal(await errorName(s3Body.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'hello' }))), 'XAmzContentSHA256Mismatch');
  const s3Path = tamper(new S3Client(sb.clientConfig()), (r) => {
    r.path = '/b/other';
  });
  t.equal(await errorName(s3Path.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'hello' }))), 'SignatureDoesNotMatch');

  const wrong = { accessKeyId: sb.root.accessKeyId, secretAccessKey: 'not-the-secret' };
  t.equal(await errorName(new S3Client(sb.clientConfig(wrong)).send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' }))), 'SignatureDoesNotMatch');
  t.equal(await errorName(new CodeDeployClient(sb.clientConfig(wrong)).send(new ListApplicationsCommand({}))), 'InvalidSignatureException');

  const old = issueSession(sb, 'arn:aws:sts::333333333333:assumed-role/deployer/old', { ttlMs: -1 });
  t.equal(await errorName(new CodeDeployClient(sb.clientConfig(old)).send(new ListApplicationsCommand({}))), 'ExpiredTokenException');
  t.equal(await errorName(new S3Client(sb.clientConfig(old)).send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))), 'ExpiredToken');
  const unknown = { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x' };
  t.equal(await errorName(new S3Client(sb.clientConfig(unknown)).send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))), 'InvalidAccessKeyId');
  t.equal(await errorName(new CodeDeployClient(sb.clientConfig(unknown)).send(new ListApplicationsCommand({}))), 'UnrecognizedClientException');
});
