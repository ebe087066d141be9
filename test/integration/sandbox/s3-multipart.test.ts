// Multipart uploads through @aws-sdk/lib-storage and the raw multipart commands, and S3 state
// surviving a sandbox restart on the same directory.
import t, { type Test } from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createS3Service } from '../../../sandbox/s3/s3-service.js';
import { createStore } from '../../../sandbox/store.js';
import type { SandboxStore } from '../../../sandbox/types.js';
import { startTestSandbox } from '../../helpers/sandbox-server.js';

const MiB = 1024 * 1024;

async function sandbox(t: Test, store?: SandboxStore) {
  const sb = await startTestSandbox({ s3: createS3Service({ store: store ?? (await createStore()) }) });
  const s3 = new S3Client(sb.clientConfig());
  t.teardown(async () => {
    s3.destroy();
    await sb.close();
  });
  return { sb, s3 };
}

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

const md5 = (data: Buffer): Buffer => createHash('md5').update(data).digest();

t.test('lib-storage Upload of 12 MiB in 5 MiB parts', async (t) => {
  const { s3 } = await sandbox(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'bundles' }));
  const data = randomBytes(12 * MiB);
  const upload = new Upload({ client: s3, partSize: 5 * MiB, queueSize: 2, params: { Bucket: 'bundles', Key: 'app/rev-1.zip', Body: data, ContentType: 'application/zip' } });
  const done = await upload.done();
  const parts = [data.subarray(0, 5 * MiB), data.subarray(5 * MiB, 10 * MiB), data.subarray(10 * MiB)];
  const expected = `"${createHash('md5').update(Buffer.concat(parts.map(md5))).digest('hex')}-3"`;
  t.equal(done.ETag, expected, 'md5 of the part md5s, -3');

  const head = await s3.send(new HeadObjectCommand({ Bucket: 'bundles', Key: 'app/rev-1.zip', ChecksumMode: 'ENABLED' }));
  t.equal(head.ContentLength, data.length);
  t.equal(head.ETag, expected);
  t.equal(head.ContentType, 'application/zip');
  t.match(head.ChecksumCRC32, /-3$/, 'a composite CRC32 (lib-storage asks for CRC32)');
  t.equal(head.ChecksumType, 'COMPOSITE');

  const get = await s3.send(new GetObjectCommand({ Bucket: 'bundles', Key: 'app/rev-1.zip', ChecksumMode: 'ENABLED' }));
  t.ok(Buffer.from(await get.Body!.transformToByteArray()).equals(data));
  const part = await s3.send(new GetObjectCommand({ Bucket: 'bundles', Key: 'app/rev-1.zip', PartNumber: 3 }));
  t.equal(part.PartsCount, 3);
  t.ok(Buffer.from(await part.Body!.transformToByteArray()).equals(parts[2]!));
  const ranged = await s3.send(new GetObjectCommand({ Bucket: 'bundles', Key: 'app/rev-1.zip', Range: `bytes=${5 * MiB - 2}-${5 * MiB + 1}` }));
  t.ok(Buffer.from(await ranged.Body!.transformToByteArray()).equals(data.subarray(5 * MiB - 2, 5 * MiB + 2)), 'a range across a part boundary');
});

t.test('lib-storage with a stream body and a full-object CRC64NVME checksum', async (t) => {
  const { s3 } = await sandbox(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'streams' }));
  const data = randomBytes(11 * MiB);
  const chunks = Array.from({ length: 11 }, (_, i) => data.subarray(i * MiB, (i + 1) * MiB));
  const upload = new Upload({ client: s3, partSize: 5 * MiB, params: { Bucket: 'streams', Key: 'big', Body: Readable.from(chunks), ChecksumAlgorithm: 'CRC64NVME' } });
  const done = await upload.done();
  t.match(done.ETag, /-3"$/);
  const get = await s3.send(new GetObjectCommand({ Bucket: 'streams', Key: 'big', ChecksumMode: 'ENABLED' }));
  t.equal(get.ChecksumType, 'FULL_OBJECT');
  t.notMatch(get.ChecksumCRC64NVME, /-/, 'full-object checksums have no part count');
  t.ok(Buffer.from(await get.Body!.transformToByteArray()).equals(data), 'the SDK validated the full-object checksum');

  const small = Buffer.from('fits in one part');
  const single = await new Upload({ client: s3, partSize: 5 * MiB, params: { Bucket: 'streams', Key: 'small', Body: small } }).done();
  t.equal(single.ETag, `"${md5(small).toString('hex')}"`, 'one part: a plain PutObject');
});

t.test('multipart errors', async (t) => {
  const { s3 } = await sandbox(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'parts' }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'parts', Key: 'k' }));
  const up = (PartNumber: number, Body: Buffer) => s3.send(new UploadPartCommand({ Bucket: 'parts', Key: 'k', UploadId, PartNumber, Body }));
  const p1 = await up(1, Buffer.alloc(1024, 1));
  const p2 = await up(2, Buffer.alloc(1024, 2));
  const complete = (Parts: { PartNumber: number; ETag?: string }[]) =>
    s3.send(new CompleteMultipartUploadCommand({ Bucket: 'parts', Key: 'k', UploadId, MultipartUpload: { Parts } }));

  t.match(await failure(complete([{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }])), { name: 'EntityTooSmall', status: 400 });
  t.match(await failure(complete([{ PartNumber: 2, ETag: p2.ETag }, { PartNumber: 1, ETag: p1.ETag }])), { name: 'InvalidPartOrder', status: 400 });
  t.match(await failure(complete([{ PartNumber: 1, ETag: p2.ETag }])), { name: 'InvalidPart', status: 400 });
  t.match(await failure(complete([{ PartNumber: 7, ETag: p1.ETag }])), { name: 'InvalidPart' });
  const listed = await s3.send(new ListPartsCommand({ Bucket: 'parts', Key: 'k', UploadId }));
  t.same(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag]), [[1, 1024, p1.ETag], [2, 1024, p2.ETag]]);

  const last = await complete([{ PartNumber: 2, ETag: p2.ETag }]);
  t.match(last.ETag, /-1"$/, 'a single (last) part may be small');
  t.match(await failure(complete([{ PartNumber: 2, ETag: p2.ETag }])), { name: 'NoSuchUpload', status: 404 });

  const aborted = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'parts', Key: 'gone' }));
  await s3.send(new AbortMultipartUploadCommand({ Bucket: 'parts', Key: 'gone', UploadId: aborted.UploadId }));
  t.match(await failure(s3.send(new UploadPartCommand({ Bucket: 'parts', Key: 'gone', UploadId: aborted.UploadId, PartNumber: 1, Body: 'x' }))), { name: 'NoSuchUpload', status: 404 });
  t.match(await failure(s3.send(new AbortMultipartUploadCommand({ Bucket: 'parts', Key: 'gone', UploadId: aborted.UploadId }))), { name: 'NoSuchUpload' });
});

t.test('objects survive a sandbox restart on the same directory', async (t) => {
  const dir = t.testdir();
  const firstStore = await createStore({ dir });
  const first = await startTestSandbox({ s3: createS3Service({ store: firstStore }) });
  const s3a = new S3Client(first.clientConfig());
  await s3a.send(new CreateBucketCommand({ Bucket: 'durable' }));
  const data = randomBytes(6 * MiB);
  const done = await new Upload({ client: s3a, partSize: 5 * MiB, params: { Bucket: 'durable', Key: 'bundle.tgz', Body: data } }).done();
  s3a.destroy();
  await first.close();
  await firstStore.flush();

  const { s3 } = await sandbox(t, await createStore({ dir }));
  const get = await s3.send(new GetObjectCommand({ Bucket: 'durable', Key: 'bundle.tgz' }));
  t.equal(get.ETag, done.ETag);
  t.ok(Buffer.from(await get.Body!.transformToByteArray()).equals(data));
});
