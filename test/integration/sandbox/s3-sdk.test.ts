// The sandbox's S3 through the real @aws-sdk/client-s3: buckets, objects, checksums, ranges,
// conditional writes, versioning, listing, accounts, unsupported operations.
import t, { type Test } from 'tap';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  GetBucketTaggingCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { createS3Service } from '../../../sandbox/s3/s3-service.js';
import { createStore } from '../../../sandbox/store.js';
import { issueSession, startTestSandbox } from '../../helpers/sandbox-server.js';

async function sandbox(t: Test) {
  const sb = await startTestSandbox({ s3: createS3Service({ store: await createStore() }) });
  const s3 = new S3Client(sb.clientConfig());
  t.teardown(async () => {
    s3.destroy();
    await sb.close();
  });
  return { sb, s3 };
}

/** The SDK error's name and HTTP status. */
async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('expected the call to fail');
}

t.test('buckets', async (t) => {
  const { sb, s3 } = await sandbox(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'releases' }));
  t.equal((await s3.send(new HeadBucketCommand({ Bucket: 'releases' }))).BucketRegion, 'us-east-1');
  t.same((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name), ['releases']);
  t.match(await failure(s3.send(new HeadBucketCommand({ Bucket: 'missing-bucket' }))), { name: 'NotFound', status: 404 });

  const eu = new S3Client({ ...sb.clientConfig(), region: 'eu-west-1' });
  t.teardown(() => eu.destroy());
  await eu.send(new CreateBucketCommand({ Bucket: 'eu-artifacts' }));
  t.equal((await eu.send(new HeadBucketCommand({ Bucket: 'eu-artifacts' }))).BucketRegion, 'eu-west-1');
  t.match(await failure(eu.send(new CreateBucketCommand({ Bucket: 'eu-artifacts' }))), { name: 'BucketAlreadyOwnedByYou', status: 409 });
  t.match(await failure(s3.send(new CreateBucketCommand({ Bucket: 'Not_Valid' }))), { name: 'InvalidBucketName', status: 400 });

  await s3.send(new PutObjectCommand({ Bucket: 'releases', Key: 'k', Body: 'x' }));
  t.match(await failure(s3.send(new DeleteBucketCommand({ Bucket: 'releases' }))), { name: 'BucketNotEmpty', status: 409 });
  await s3.send(new DeleteObjectCommand({ Bucket: 'releases', Key: 'k' }));
  await s3.send(new DeleteBucketCommand({ Bucket: 'releases' }));
  t.match(await failure(s3.send(new HeadBucketCommand({ Bucket: 'releases' }))), { status: 404 });
});

t.test('objects: put/get/head with metadata and checksums', async (t) => {
  const { s3 } = await sandbox(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'objects' }));
  const put = await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'a/b c.txt', Body: 'hello world', ContentType: 'text/plain', Metadata: { build: '42' } }));
  t.equal(put.ETag, `"${createHash('md5').update('hello world').digest('hex')}"`);
  t.ok(put.ChecksumCRC32, 'the SDK default CRC32 is verified and echoed');

  const get = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'a/b c.txt', ChecksumMode: 'ENABLED' }));
  t.equal(await get.Body!.transformToString(), 'hello world', 'the SDK validated the response checksum');
  t.equal(get.ContentType, 'text/plain');
  t.equal(get.ContentLength, 11);
  t.same(get.Metadata, { build: '42' });
  t.equal(get.ChecksumCRC32, put.ChecksumCRC32);
  t.ok(get.LastModified instanceof Date);
  t.equal(get.AcceptRanges, 'bytes');

  for (const algorithm of ['CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const) {
    const res = await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: `sum-${algorithm}`, Body: `data for ${algorithm}`, ChecksumAlgorithm: algorithm }));
    t.ok(res[`Checksum${algorithm}`], `${algorithm} echoed`);
    const back = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: `sum-${algorithm}`, ChecksumMode: 'ENABLED' }));
    t.equal(await back.Body!.transformToString(), `data for ${algorithm}`);
  }

  // A stream body goes out aws-chunked with a trailing checksum.
  const streamed = Buffer.alloc(100_000, 'z');
  const chunked = await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'streamed', Body: Readable.from([streamed]), ContentLength: streamed.length }));
  t.equal(chunked.ETag, `"${createHash('md5').update(streamed).digest('hex')}"`);
  const streamedBack = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'streamed' }));
  t.ok(Buffer.from(await streamedBack.Body!.transformToByteArray()).equals(streamed));
  t.notOk(streamedBack.ContentEncoding, 'aws-chunked is not kept as Content-Encoding');

  const head = await s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'a/b c.txt' }));
  t.equal(head.ContentLength, 11);
  t.equal(head.ETag, put.ETag);
  t.match(await failure(s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'nope' }))), { name: 'NotFound', status: 404 });
  t.match(await failure(s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'nope' }))), { name: 'NoSuchKey', status: 404 });
  t.match(await failure(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' }))), { name: 'NoSuchBucket', status: 404 });
  t.match(
    await failure(s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'bad', Body: 'abc', ContentMD5: createHash('md5').update('xyz').digest('base64') }))),
    { name: 'BadDigest', status: 400 },
  );

  t.equal((await s3.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'a/b c.txt' }))).$metadata.httpStatusCode, 204);
  t.equal((await s3.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'a/b c.txt' }))).$metadata.httpStatusCode, 204, 'idempotent');
  const batch = await s3.send(new DeleteObjectsCommand({ Bucket: 'objects', Delete: { Objects: [{ Key: 'sum-CRC32C' }, { Key: 'sum-SHA1' }] } }));
  t.same(batch.Deleted?.map((d) => d.Key).sort(), ['sum-CRC32C', 'sum-SHA1']);
});

t.test('ranges', async (t) => {
  const { s3 } = await sandbox(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'ranges' }));
  await s3.send(new PutObjectCommand({ Bucket: 'ranges', Key: 'digits', Body: '0123456789' }));
  const get = (Range: string) => s3.send(new GetObjectCommand({ Bucket: 'ranges', Key: 'digits', Range }));
  const first = await get('bytes=0-3');
  t.equal(first.$metadata.httpStatusCode, 206);
  t.equal(first.ContentRange, 'bytes 0-3/10');
  t.equal(await first.Body!.transformToString(), '0123');
  t.equal(await (await get('bytes=6-')).Body!.transformToString(), '6789');
  t.equal(await (await get('bytes=-2')).Body!.transformToString(), '89');
  t.match(await failure(get('bytes=20-30')), { name: 'InvalidRange', status: 416 });
});

t.test('conditional writes and reads', async (t) => {
  const { s3 } = await sandbox(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'locks' }));
  const first = await s3.send(new PutObjectCommand({ Bucket: 'locks', Key: 'lease', Body: 'owner-a', IfNoneMatch: '*' }));
  const conflict = await failure(s3.send(new PutObjectCommand({ Bucket: 'locks', Key: 'lease', Body: 'owner-b', IfNoneMatch: '*' })));
  t.match(conflict, { name: 'PreconditionFailed', status: 412, message: 'At least one of the pre-conditions you specified did not hold' });
  t.match(await failure(s3.send(new PutObjectCommand({ Bucket: 'locks', Key: 'lease', Body: 'owner-b', IfMatch: '"0123"' }))), { name: 'PreconditionFailed', status: 412 });
  t.match(await failure(s3.send(new PutObjectCommand({ Bucket: 'locks', Key: 'none', Body: 'x', IfMatch: first.ETag }))), { name: 'NoSuchKey', status: 404 });
  const swapped = await s3.send(new PutObjectCommand({ Bucket: 'locks', Key: 'lease', Body: 'owner-b', IfMatch: first.ETag }));
  t.not(swapped.ETag, first.ETag);

  t.match(await failure(s3.send(new GetObjectCommand({ Bucket: 'locks', Key: 'lease', IfMatch: first.ETag }))), { name: 'PreconditionFailed', status: 412 });
  t.match(await failure(s3.send(new GetObjectCommand({ Bucket: 'locks', Key: 'lease', IfNoneMatch: swapped.ETag }))), { status: 304 });
  const fresh = await s3.send(new GetObjectCommand({ Bucket: 'locks', Key: 'lease', IfModifiedSince: new Date(Date.now() - 3600_000) }));
  t.equal(await fresh.Body!.transformToString(), 'owner-b');
});

t.test('versioning', async (t) => {
  const { s3 } = await sandbox(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'versioned' }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: 'versioned', VersioningConfiguration: { Status: 'Enabled' } }));
  t.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'versioned' }))).Status, 'Enabled');
  const v1 = await s3.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'app.zip', Body: 'v1' }));
  const v2 = await s3.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'app.zip', Body: 'v2' }));
  t.ok(v1.VersionId && v2.VersionId && v1.VersionId !== v2.VersionId);
  const old = await s3.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'app.zip', VersionId: v1.VersionId }));
  t.equal(await old.Body!.transformToString(), 'v1');
  t.equal(old.VersionId, v1.VersionId);
  t.equal((await s3.send(new HeadObjectCommand({ Bucket: 'versioned', Key: 'app.zip' }))).VersionId, v2.VersionId);
  t.match(await failure(s3.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'app.zip', VersionId: 'no-such-version' }))), { name: 'NoSuchVersion', status: 404 });

  const del = await s3.send(new DeleteObjectCommand({ Bucket: 'versioned', Key: 'app.zip' }));
  t.equal(del.DeleteMarker, true);
  t.match(await failure(s3.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'app.zip' }))), { name: 'NoSuchKey' });
  const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'versioned' }));
  t.same(versions.Versions?.map((v) => v.VersionId), [v2.VersionId, v1.VersionId]);
  t.same(versions.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest]), [[del.VersionId, true]]);
  await s3.send(new DeleteObjectCommand({ Bucket: 'versioned', Key: 'app.zip', VersionId: del.VersionId }));
  t.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'app.zip' }))).Body!.transformToString(), 'v2');
});

t.test('ListObjectsV2: pagination, delimiter, prefix', async (t) => {
  const { s3 } = await sandbox(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
  const keys = ['fleet/a/1.json', 'fleet/a/2.json', 'fleet/b/1.json', 'fleet/index', 'other', 'readme'];
  for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: 'listing', Key, Body: Key }));
  const seen: string[] = [];
  let pages = 0;
  for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: 'listing' })) {
    pages++;
    seen.push(...(page.Contents ?? []).map((c) => c.Key!));
  }
  t.equal(pages, 3);
  t.same(seen, keys);
  const tree = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'fleet/', Delimiter: '/' }));
  t.same(tree.CommonPrefixes?.map((p) => p.Prefix), ['fleet/a/', 'fleet/b/']);
  t.same(tree.Contents?.map((c) => c.Key), ['fleet/index']);
  t.equal(tree.KeyCount, 3);
  t.equal(tree.Contents?.[0]?.Size, 'fleet/index'.length);
  const after = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'fleet/index', MaxKeys: 1 }));
  t.same([after.Contents?.map((c) => c.Key), after.IsTruncated], [['other'], true]);
});

t.test('another account is denied; bucket names are global', async (t) => {
  const { sb, s3 } = await sandbox(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'private-artifacts' }));
  await s3.send(new PutObjectCommand({ Bucket: 'private-artifacts', Key: 'secret', Body: 's' }));
  const mallory = issueSession(sb, 'arn:aws:sts::222222222222:assumed-role/tenant/mallory');
  const other = new S3Client(sb.clientConfig(mallory));
  t.teardown(() => other.destroy());
  t.match(await failure(other.send(new GetObjectCommand({ Bucket: 'private-artifacts', Key: 'secret' }))), { name: 'AccessDenied', status: 403 });
  t.match(await failure(other.send(new PutObjectCommand({ Bucket: 'private-artifacts', Key: 'x', Body: 'x' }))), { name: 'AccessDenied', status: 403 });
  t.match(await failure(other.send(new ListObjectsV2Command({ Bucket: 'private-artifacts' }))), { name: 'AccessDenied', status: 403 });
  t.match(await failure(other.send(new HeadBucketCommand({ Bucket: 'private-artifacts' }))), { status: 403 });
  t.match(await failure(other.send(new CreateBucketCommand({ Bucket: 'private-artifacts' }))), { name: 'BucketAlreadyExists', status: 409 });
  await other.send(new CreateBucketCommand({ Bucket: 'tenant-bucket' }));
  t.same((await other.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name), ['tenant-bucket']);
  t.match(await failure(s3.send(new GetObjectCommand({ Bucket: 'tenant-bucket', Key: 'k' }))), { name: 'AccessDenied' });
});

t.test('unsupported operations name themselves', async (t) => {
  const { s3 } = await sandbox(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'policies' }));
  const err = await failure(s3.send(new GetBucketTaggingCommand({ Bucket: 'policies' })));
  t.match(err, { name: 'MethodNotAllowed', status: 405, message: /GetBucketTagging/ });
  t.match(await failure(s3.send(new PutBucketPolicyCommand({ Bucket: 'policies', Policy: '{}' }))), { name: 'MalformedPolicy', status: 400 }, 'bucket policies are served');
});
