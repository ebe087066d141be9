// The HTTP core: routing by credential scope, request ids, error rendering per protocol,
// body limits, streamed responses, and prompt close() with open long requests.
import t from 'tap';
import { Agent, request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { CodeDeployClient, ListApplicationsCommand } from '@aws-sdk/client-codedeploy';
import { GetObjectCommand, PutObjectCommand, S3Client, type S3ServiceException } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createLogger } from '../../../shared/log.js';
import { startTestSandbox } from '../../helpers/sandbox-server.js';
import { AwsError, type SandboxResponse, type ServiceHandler } from '../../../sandbox/types.js';

async function failure(p: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await p;
  } catch (e) {
    return e as S3ServiceException;
  }
  throw new Error('expected a failure');
}

function logSink(): { lines: Record<string, unknown>[]; log: ReturnType<typeof createLogger> } {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ name: 'test', level: 'debug', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
  return { lines, log };
}

t.test('routes by the signing service; request ids on every response', async (t) => {
  const codedeploy: ServiceHandler = async (req) => ({
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify({ applications: [req.service, req.region, req.headers['x-amzn-requestid'] ?? ''] }),
  });
  const sb = await startTestSandbox({ codedeploy }, { region: 'eu-central-1' });
  t.teardown(() => sb.close());
  const out = await new CodeDeployClient(sb.clientConfig()).send(new ListApplicationsCommand({}));
  t.same(out.applications?.slice(0, 2), ['codedeploy', 'eu-central-1']);
  t.equal(out.applications?.[2], out.$metadata.requestId, 'handlers see the request id the client gets');

  const missing = await failure(new S3Client(sb.clientConfig()).send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })));
  t.equal(missing.name, 'InvalidRequest');
  t.equal(missing.message, 'service s3 is not served by this sandbox');
  t.ok(missing.$metadata.requestId);

  const anonymous = await fetch(`${sb.url}/bucket/key`);
  t.equal(anonymous.status, 403);
  t.ok(anonymous.headers.get('x-amz-request-id'));
  t.equal(anonymous.headers.get('x-amzn-requestid'), anonymous.headers.get('x-amz-request-id'));
  t.match(await anonymous.text(), /<Error><Code>AccessDenied<\/Code><Message>Access Denied<\/Message><RequestId>[-0-9a-f]+<\/RequestId><\/Error>/);

  const json = await fetch(sb.url, { method: 'POST', headers: { 'x-amz-target': 'CodeDeploy_20141006.ListApplications', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
  t.equal(json.status, 400);
  t.equal(json.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
  t.same(await json.json(), { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });

  const query = await fetch(sb.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' });
  t.equal(query.status, 403);
  t.match(await query.text(), /<ErrorResponse[^>]*>\s*<Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code>/);

  const malformed = await fetch(sb.url, { method: 'POST', headers: { 'x-amz-target': 'CodeDeploy_20141006.ListApplications', authorization: 'AWS AKIA:sig' }, body: '{}' });
  t.equal(malformed.status, 400);
  t.equal((await malformed.json() as { __type: string }).__type, 'IncompleteSignatureException');
});

t.test('handler errors: AwsErrors rendered, unexpected exceptions logged as internal errors', async (t) => {
  const { lines, log } = logSink();
  const s3: ServiceHandler = async (req) => {
    if (req.path === '/b/boom') throw new TypeError('kaput');
    throw new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: 'b' });
  };
  const codedeploy: ServiceHandler = async () => {
    throw new RangeError('bad state');
  };
  const sts: ServiceHandler = async () => {
    throw new Error('sts broke');
  };
  const sb = await startTestSandbox({ s3, codedeploy, sts }, { log });
  t.teardown(() => sb.close());
  const client = new S3Client(sb.clientConfig());

  const noBucket = await failure(client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })));
  t.equal(noBucket.name, 'NoSuchBucket');
  t.equal(noBucket.$metadata.httpStatusCode, 404);
  t.equal((noBucket as unknown as { BucketName?: string }).BucketName, 'b', 'extra fields become error members');

  const boom = await failure(client.send(new GetObjectCommand({ Bucket: 'b', Key: 'boom' })));
  t.equal(boom.name, 'InternalError');
  t.equal(boom.$metadata.httpStatusCode, 500);
  const cd = await failure(new CodeDeployClient(sb.clientConfig()).send(new ListApplicationsCommand({})));
  t.equal(cd.name, 'InternalFailure');
  const st = await failure(new STSClient(sb.clientConfig()).send(new GetCallerIdentityCommand({})));
  t.equal(st.name, 'InternalFailure');
  t.equal(st.$metadata.httpStatusCode, 500);

  const logged = lines.filter((l) => l['msg'] === 'handler failed');
  t.equal(logged.length, 3, 'each unexpected exception is logged');
  t.match(logged[0], { level: 50, component: 'sandbox-server', requestId: boom.$metadata.requestId, err: { type: 'TypeError', message: 'kaput' } });
});

t.test('bodies: size limit, streamed responses, buffers', async (t) => {
  const s3: ServiceHandler = async (req): Promise<SandboxResponse> =>
    req.method === 'GET'
      ? { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: Readable.from([Buffer.from('part1-'), Buffer.from('part2')]) }
      : { status: 200, headers: { etag: '"x"' }, body: Buffer.alloc(0) };
  const codedeploy: ServiceHandler = async () => ({ status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
  const sb = await startTestSandbox({ s3, codedeploy }, { maxBodyBytes: 1024 });
  t.teardown(() => sb.close());
  const client = new S3Client(sb.clientConfig());
  t.equal(await (await client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))).Body?.transformToString(), 'part1-part2');
  await client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: Buffer.alloc(1024) }));
  const tooLarge = await failure(client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: Buffer.alloc(1025) })));
  t.equal(tooLarge.name, 'EntityTooLarge');
  t.equal(tooLarge.$metadata.httpStatusCode, 400);
  const cd = await failure(new CodeDeployClient(sb.clientConfig()).send(new ListApplicationsCommand({ nextToken: 'x'.repeat(2000) })));
  t.equal(cd.name, 'EntityTooLarge');
  const big = await failure(client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: Buffer.alloc(3 * 1024 * 1024) })));
  t.equal(big.name, 'EntityTooLarge', 'refused at Expect: 100-continue, before the body is sent');
  await client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'still serving' }));
  t.equal(cd.$metadata.httpStatusCode, 413);
});

t.test('close() aborts long requests and ends keep-alive connections promptly', async (t) => {
  let aborted: unknown;
  let entered!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  const codedeploy: ServiceHandler = async (req) => {
    entered();
    try {
      await sleep(60_000, undefined, { signal: req.signal });
    } catch (e) {
      aborted = e;
    }
    return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: '{}' };
  };
  const sb = await startTestSandbox({ codedeploy });
  const client = new CodeDeployClient(sb.clientConfig());
  const pending = client.send(new ListApplicationsCommand({})).then(
    () => 'answered',
    (e: unknown) => (e as Error).name,
  );
  await inside;
  const agent = new Agent({ keepAlive: true });
  const idle = httpRequest(sb.url, { agent });
  idle.end();
  const socketClosed = new Promise<string>((resolve) => idle.once('socket', (s) => s.once('close', () => resolve('closed'))));
  await new Promise((r) => idle.once('response', (res) => res.resume().once('end', r)));
  // A hang guard, not a timing assertion: close() must not wait for the 60 s handler.
  const closed = await Promise.race([sb.close().then(() => 'closed'), sleep(10_000, 'hung', { ref: false })]);
  t.equal(closed, 'closed');
  t.ok(aborted, 'the handler saw its signal abort');
  t.equal(await pending, 'answered', 'the handler still answered after the abort');
  t.equal(await socketClosed, 'closed', 'the idle keep-alive connection was ended');
  agent.destroy();
  const again = await fetch(sb.url).then(
    () => 'served',
    () => 'refused',
  );
  t.equal(again, 'refused', 'no longer listening');
});

t.test('a client disconnect aborts the handler signal', async (t) => {
  let seenAbort!: () => void;
  const abortSeen = new Promise<void>((r) => (seenAbort = r));
  let entered!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  const codedeploy: ServiceHandler = async (req) => {
    req.signal.addEventListener('abort', () => seenAbort());
    entered();
    await sleep(60_000, undefined, { signal: req.signal }).catch(() => undefined);
    return { status: 200, body: '{}' };
  };
  const sb = await startTestSandbox({ codedeploy });
  t.teardown(() => sb.close());
  const ac = new AbortController();
  const call = new CodeDeployClient(sb.clientConfig()).send(new ListApplicationsCommand({}), { abortSignal: ac.signal }).catch(() => 'aborted');
  await inside;
  ac.abort();
  await abortSeen;
  t.equal(await call, 'aborted');
});
