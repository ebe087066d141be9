// The S3 bundle fetcher against the real sandbox (no interruptions): plain download, VersionId
// pinning, the ETag check with and without quotes, and the errors for what does not exist.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createS3BundleFetcher, type S3BundleFetcherDeps } from '../../../agent/revision/s3-bundle-fetcher.js';
import type { Revision } from '../../../agent/deployment/deployment-spec.js';
import { isEdgeError, type EdgeError } from '../../../shared/errors.js';
import { startSandbox } from '../../../sandbox/sandbox.js';

const MiB = 1024 * 1024;
const sb = await startSandbox({});
const s3 = new S3Client({ endpoint: sb.url, region: sb.region, credentials: sb.root, forcePathStyle: true });
const work = mkdtempSync(join(tmpdir(), 's3-download-'));
t.teardown(async () => {
  s3.destroy();
  await sb.close();
  rmSync(work, { recursive: true, force: true });
});

await s3.send(new CreateBucketCommand({ Bucket: 'bundles' }));
const plain = randomBytes(MiB + 123);
const plainPut = await s3.send(new PutObjectCommand({ Bucket: 'bundles', Key: 'app/rev-1.tar', Body: plain }));
const plainEtag = plainPut.ETag!;

const fetcher = (over: Partial<S3BundleFetcherDeps> = {}) =>
  createS3BundleFetcher({ region: sb.region, credentials: sb.root, endpoint: sb.url, forcePathStyle: true, retryBaseMs: 5, ...over });
const s3Revision = (key: string, extra: { version?: string; etag?: string; bucket?: string } = {}): Revision => ({ type: 'S3', bucket: extra.bucket ?? 'bundles', key, bundleType: 'tar', ...extra });
let n = 0;
const destination = (): string => join(work, `d${++n}`, 'bundle.tar');

async function rejection(p: Promise<unknown>): Promise<EdgeError> {
  try {
    await p;
  } catch (e) {
    if (isEdgeError(e)) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

/** Nothing left behind in the destination's folder (no bundle, no .part). */
const leftovers = (dest: string): string[] => (existsSync(join(dest, '..')) ? readdirSync(join(dest, '..')) : []);

t.test('plain download: the bytes, no .part left', async (t) => {
  const dest = destination();
  await fetcher()(s3Revision('app/rev-1.tar'), dest);
  t.ok(readFileSync(dest).equals(plain));
  t.same(leftovers(dest), ['bundle.tar']);
});

t.test('ETag given with quotes, without quotes, with stray quotes: all match', async (t) => {
  const bare = plainEtag.replace(/"/g, '');
  for (const etag of [plainEtag, bare, `"${bare.slice(0, 10)}"${bare.slice(10)}`]) {
    const dest = destination();
    await fetcher()(s3Revision('app/rev-1.tar', { etag }), dest);
    t.ok(readFileSync(dest).equals(plain), etag);
  }
});

t.test('ETag mismatch: the official message, nothing on disk', async (t) => {
  const dest = destination();
  const err = await rejection(fetcher()(s3Revision('app/rev-1.tar', { etag: '0123456789abcdef0123456789abcdef' }), dest));
  t.equal(err.code, 'BUNDLE_ETAG_MISMATCH');
  t.equal(err.message, `Expected deployment artifact bundle etag 0123456789abcdef0123456789abcdef but was actually ${plainEtag}`);
  t.same(leftovers(dest), []);
});

t.test('VersionId pins an old version of a versioned bucket', async (t) => {
  await s3.send(new CreateBucketCommand({ Bucket: 'versioned' }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: 'versioned', VersioningConfiguration: { Status: 'Enabled' } }));
  const v1 = randomBytes(200_000);
  const v2 = randomBytes(300_000);
  const put1 = await s3.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'rev.tar', Body: v1 }));
  const put2 = await s3.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'rev.tar', Body: v2 }));
  t.not(put1.VersionId, put2.VersionId);

  const old = destination();
  await fetcher()(s3Revision('rev.tar', { bucket: 'versioned', version: put1.VersionId!, etag: put1.ETag! }), old);
  t.ok(readFileSync(old).equals(v1), 'the pinned old version');
  const latest = destination();
  await fetcher()(s3Revision('rev.tar', { bucket: 'versioned' }), latest);
  t.ok(readFileSync(latest).equals(v2), 'the latest without a version');

  const err = await rejection(fetcher()(s3Revision('rev.tar', { bucket: 'versioned', version: put1.VersionId!, etag: put2.ETag! }), destination()));
  t.equal(err.code, 'BUNDLE_ETAG_MISMATCH', 'the version pins the GET; the ETag is still checked');

  const missing = await rejection(fetcher()(s3Revision('rev.tar', { bucket: 'versioned', version: 'no-such-version' }), destination()));
  t.equal(missing.code, 'BUNDLE_DOWNLOAD_FAILED');
  t.match(missing.message, /s3:\/\/versioned\/rev\.tar \(version no-such-version\): the version does not exist \(NoSuchVersion/);
  t.match(missing.message, /Check the version of the revision/);
});

t.test('a multipart object (ETag with -N): size checked, no MD5 comparison', async (t) => {
  const data = randomBytes(11 * MiB);
  const done = await new Upload({ client: s3, partSize: 5 * MiB, params: { Bucket: 'bundles', Key: 'big.zip', Body: data } }).done();
  t.match(done.ETag, /-3"$/);
  const dest = destination();
  await fetcher()(s3Revision('big.zip', { etag: done.ETag! }), dest);
  t.ok(readFileSync(dest).equals(data));
});

t.test('a missing object or bucket fails at once with what to check', async (t) => {
  const started = Date.now();
  const dest = destination();
  const err = await rejection(fetcher({ retryBaseMs: 2000 })(s3Revision('app/nope.tar'), dest));
  t.equal(err.code, 'BUNDLE_DOWNLOAD_FAILED');
  t.equal(err.retryable, true, 'the registry marks the code retryable (a later deployment may succeed)');
  t.match(err.message, /^Could not download the revision s3:\/\/bundles\/app\/nope\.tar: the object does not exist \(NoSuchKey \(HTTP 404\)/);
  t.match(err.message, /Check the bucket and key of the revision/);
  t.equal(err.details['attempts'], 1, 'not retried');
  t.ok(Date.now() - started < 1500, 'no back-off');
  t.same(leftovers(dest), []);

  const bucket = await rejection(fetcher()(s3Revision('x.tar', { bucket: 'no-such-bucket' }), destination()));
  t.match(bucket.message, /the bucket does not exist \(NoSuchBucket/);
});

t.test('rejected credentials fail at once', async (t) => {
  const bad = { accessKeyId: sb.root.accessKeyId, secretAccessKey: 'wrong-secret' };
  const err = await rejection(fetcher({ credentials: bad })(s3Revision('app/rev-1.tar'), destination()));
  t.equal(err.code, 'BUNDLE_DOWNLOAD_FAILED');
  t.match(err.message, /the credentials were rejected \(SignatureDoesNotMatch/);
  t.equal(err.details['attempts'], 1);
});

t.test('unable to connect: retried, then the official suffix', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
  const dest = destination();
  const err = await rejection(fetcher({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 2 })(s3Revision('app/rev-1.tar'), dest));
  t.equal(err.code, 'BUNDLE_DOWNLOAD_FAILED');
  t.match(err.message, new RegExp(`after 2 attempts: unable to connect to 127\\.0\\.0\\.1:${port} \\(`));
  t.match(err.message, /\. Try using s3 endpoint override\.$/);
  t.same(leftovers(dest), []);
});

t.test('other revision types are refused', async (t) => {
  const err = await rejection(fetcher()({ type: 'GitHub', account: 'a', repository: 'r', commitId: 'c' }, destination()));
  t.equal(err.code, 'SPEC_INVALID');
});

t.test('an empty object downloads to an empty file', async (t) => {
  const put = await s3.send(new PutObjectCommand({ Bucket: 'bundles', Key: 'empty.tar', Body: Buffer.alloc(0) }));
  const dest = destination();
  await fetcher()(s3Revision('empty.tar', { etag: put.ETag! }), dest);
  t.equal(readFileSync(dest).length, 0);
});

t.test('a server that accepts and never answers: read timeout, bounded, reported', async (t) => {
  const sockets: Socket[] = [];
  const silent = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const port = (silent.address() as { port: number }).port;
  const started = Date.now();
  const err = await rejection(fetcher({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 2, readTimeoutMs: 300 })(s3Revision('app/rev-1.tar'), destination()));
  t.ok(Date.now() - started < 5000, `gave up after ${Date.now() - started} ms`);
  t.equal(err.code, 'BUNDLE_DOWNLOAD_FAILED');
  t.match(err.message, /after 2 attempts: the download stalled \(.*timed out/);
});

t.test('a destination that cannot be written: reported, not retried', async (t) => {
  const blocker = join(work, 'not-a-dir');
  writeFileSync(blocker, 'x');
  const err = await rejection(fetcher()(s3Revision('app/rev-1.tar'), join(blocker, 'bundle.tar')));
  t.equal(err.code, 'BUNDLE_DOWNLOAD_FAILED');
  t.match(err.message, /could not write .*not-a-dir.*Check free space \(df -h\) and permissions of the deployment root\.$/);
});
