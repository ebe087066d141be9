// The S3 handler called directly with hand-built requests (no HTTP, no SigV4): routing, buckets,
// objects, ranges, conditions, shared blobs, aws-chunked bodies, persistence through the store.
import t from 'tap';
import { createHash } from 'node:crypto';
import { createS3Service } from '../../../sandbox/s3/s3-service.js';
import { createStore } from '../../../sandbox/store.js';
import type { ServiceHandler } from '../../../sandbox/types.js';
import { OTHER, md5, request, setup, text } from './s3-fixtures.js';

t.test('buckets: create, duplicate, other account, names, head, delete, list', async (t) => {
  const { call } = await setup();
  t.equal((await call('PUT', '/alpha')).status, 200);
  t.equal((await call('PUT', '/alpha')).status, 200, 'us-east-1 repeats succeed for the owner');
  await t.rejects(call('PUT', '/alpha', { principal: OTHER }), { code: 'BucketAlreadyExists', status: 409 });
  const euConfig = '<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>';
  t.equal((await call('PUT', '/beta', { region: 'eu-west-1', body: euConfig })).status, 200);
  await t.rejects(call('PUT', '/beta', { region: 'eu-west-1', body: euConfig }), { code: 'BucketAlreadyOwnedByYou', status: 409 });
  await t.rejects(call('PUT', '/gamma', { region: 'us-east-1', body: euConfig }), { code: 'IllegalLocationConstraintException' });
  await t.rejects(call('PUT', '/Bad_Name'), { code: 'InvalidBucketName' });
  await t.rejects(call('PUT', '/192.168.1.1'), { code: 'InvalidBucketName' });
  t.equal((await call('PUT', '/constructor')).status, 200, 'names that are Object.prototype members are plain names');

  t.equal((await call('HEAD', '/beta')).headers?.['x-amz-bucket-region'], 'eu-west-1');
  await t.rejects(call('HEAD', '/nope'), { code: 'NoSuchBucket', status: 404 });
  await t.rejects(call('HEAD', '/alpha', { principal: OTHER }), { code: 'AccessDenied', status: 403 });
  t.match(text(await call('GET', '/beta', { query: { location: '' } })), '>eu-west-1</LocationConstraint>');

  const list = text(await call('GET', '/'));
  t.match(list, /<Name>alpha<\/Name>.*<Name>beta<\/Name>.*<Name>constructor<\/Name>/s);
  t.notMatch(text(await call('GET', '/', { principal: OTHER })), '<Name>', 'other accounts see none of them');

  await call('PUT', '/alpha/k', { body: 'x' });
  await t.rejects(call('DELETE', '/alpha'), { code: 'BucketNotEmpty', status: 409 });
  await call('DELETE', '/alpha/k');
  t.equal((await call('DELETE', '/alpha')).status, 204);
  await t.rejects(call('HEAD', '/alpha'), { code: 'NoSuchBucket' });
  t.equal((await call('PUT', '/alpha', { principal: OTHER })).status, 200, 'a deleted name is free again');
});

t.test('objects: put, get, head, metadata, digests, delete', async (t) => {
  const { call } = await setup();
  await call('PUT', '/bkt');
  const put = await call('PUT', '/bkt/dir/hello%20world.txt', {
    body: 'hello',
    headers: { 'content-type': 'text/plain', 'x-amz-meta-owner': 'me', 'cache-control': 'no-cache', 'content-md5': createHash('md5').update('hello').digest('base64') },
  });
  t.equal(put.headers?.['etag'], `"${md5('hello')}"`);
  t.ok(put.headers?.['x-amz-checksum-crc64nvme'], 'a CRC64NVME checksum when the client sent none');
  t.notOk(put.headers?.['x-amz-version-id'], 'no version id without versioning');

  const get = await call('GET', '/bkt/dir/hello%20world.txt');
  t.equal(get.status, 200);
  t.equal(text(get), 'hello');
  t.match(get.headers, {
    'content-type': 'text/plain',
    'content-length': '5',
    etag: `"${md5('hello')}"`,
    'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT',
    'accept-ranges': 'bytes',
    'x-amz-meta-owner': 'me',
    'cache-control': 'no-cache',
  });
  t.notOk(get.headers?.['x-amz-checksum-crc64nvme'], 'checksums only with x-amz-checksum-mode: ENABLED');
  const checked = await call('GET', '/bkt/dir/hello%20world.txt', { headers: { 'x-amz-checksum-mode': 'ENABLED' }, query: { 'response-content-type': 'app/x' } });
  t.equal(checked.headers?.['x-amz-checksum-crc64nvme'], put.headers?.['x-amz-checksum-crc64nvme']);
  t.equal(checked.headers?.['content-type'], 'app/x', 'response-content-type overrides');

  const head = await call('HEAD', '/bkt/dir/hello%20world.txt');
  t.equal(head.body, undefined);
  t.equal(head.headers?.['content-length'], '5');
  await t.rejects(call('HEAD', '/bkt/missing'), { code: 'NoSuchKey', status: 404 });
  await t.rejects(call('GET', '/bkt/missing'), { code: 'NoSuchKey', status: 404, extra: { Key: 'missing' } });
  await t.rejects(call('GET', '/nobucket/k'), { code: 'NoSuchBucket', status: 404 });
  await t.rejects(call('GET', '/bkt/dir/hello%20world.txt', { principal: OTHER }), { code: 'AccessDenied', status: 403 });
  await t.rejects(call('PUT', '/bkt/k', { body: 'x', principal: OTHER }), { code: 'AccessDenied' });

  await t.rejects(call('PUT', '/bkt/k', { body: 'hello', headers: { 'content-md5': createHash('md5').update('other').digest('base64') } }), { code: 'BadDigest' });
  await t.rejects(call('PUT', '/bkt/k', { body: 'hello', headers: { 'x-amz-checksum-crc32': 'AAAAAA==' } }), { code: 'BadDigest' });
  const crcPut = await call('PUT', '/bkt/k', { body: 'hello', headers: { 'x-amz-checksum-sha256': createHash('sha256').update('hello').digest('base64') } });
  t.equal(crcPut.headers?.['x-amz-checksum-sha256'], createHash('sha256').update('hello').digest('base64'), 'checksum echoed');
  await t.rejects(call('PUT', `/bkt/${'k'.repeat(1025)}`, { body: 'x' }), { code: 'KeyTooLongError' });
  await t.rejects(call('PUT', '/bkt/k', { body: 'x', headers: { 'x-amz-meta-big': 'v'.repeat(2100) } }), { code: 'MetadataTooLarge' });

  t.equal((await call('PUT', '/bkt/empty')).headers?.['etag'], `"${md5('')}"`);
  t.equal(text(await call('GET', '/bkt/empty')), '');

  t.equal((await call('DELETE', '/bkt/k')).status, 204);
  t.equal((await call('DELETE', '/bkt/k')).status, 204, 'idempotent');
  await t.rejects(call('GET', '/bkt/k'), { code: 'NoSuchKey' });
  t.equal((await call('PUT', '/bkt/__proto__', { body: 'p' })).status, 200);
  t.equal(text(await call('GET', '/bkt/__proto__')), 'p', 'prototype-ish keys are plain keys');
  await t.rejects(call('GET', '/bkt/toString'), { code: 'NoSuchKey' });
});

t.test('ranges and part numbers', async (t) => {
  const { call } = await setup();
  await call('PUT', '/bkt');
  await call('PUT', '/bkt/k', { body: '0123456789' });
  const cases: [string, string, string][] = [
    ['bytes=0-3', '0123', 'bytes 0-3/10'],
    ['bytes=7-', '789', 'bytes 7-9/10'],
    ['bytes=-2', '89', 'bytes 8-9/10'],
    ['bytes=5-100', '56789', 'bytes 5-9/10'],
  ];
  for (const [range, body, contentRange] of cases) {
    const res = await call('GET', '/bkt/k', { headers: { range } });
    t.equal(res.status, 206, range);
    t.equal(text(res), body);
    t.equal(res.headers?.['content-range'], contentRange);
    t.equal(res.headers?.['content-length'], String(body.length));
  }
  await t.rejects(call('GET', '/bkt/k', { headers: { range: 'bytes=10-' } }), { code: 'InvalidRange', status: 416, extra: { ActualObjectSize: '10' } });
  t.equal((await call('GET', '/bkt/k', { headers: { range: 'bytes=1-2,4-5' } })).status, 200);
  const part = await call('GET', '/bkt/k', { query: { partNumber: '1' } });
  t.equal(part.status, 206);
  t.equal(text(part), '0123456789');
  await t.rejects(call('GET', '/bkt/k', { query: { partNumber: '2' } }), { code: 'InvalidPartNumber', status: 416 });
  await t.rejects(call('GET', '/bkt/k', { query: { partNumber: '1' }, headers: { range: 'bytes=0-1' } }), { code: 'InvalidRequest' });
});

t.test('conditional reads and writes', async (t) => {
  const { call, tick } = await setup();
  await call('PUT', '/bkt');
  const etag = (await call('PUT', '/bkt/k', { body: 'v1' })).headers!['etag']!;
  tick(60_000);
  t.equal((await call('GET', '/bkt/k', { headers: { 'if-match': etag } })).status, 200);
  await t.rejects(call('GET', '/bkt/k', { headers: { 'if-match': '"nope"' } }), { code: 'PreconditionFailed', status: 412 });
  t.equal((await call('GET', '/bkt/k', { headers: { 'if-none-match': etag } })).status, 304);
  t.equal((await call('HEAD', '/bkt/k', { headers: { 'if-none-match': '"other"' } })).status, 200);
  t.equal((await call('GET', '/bkt/k', { headers: { 'if-modified-since': 'Wed, 01 Jan 2025 00:00:00 GMT' } })).status, 304);
  t.equal((await call('GET', '/bkt/k', { headers: { 'if-modified-since': 'Tue, 31 Dec 2024 23:59:59 GMT' } })).status, 200);
  await t.rejects(call('GET', '/bkt/k', { headers: { 'if-unmodified-since': 'Tue, 31 Dec 2024 00:00:00 GMT' } }), { code: 'PreconditionFailed' });
  t.equal((await call('GET', '/bkt/k', { headers: { 'if-match': etag, 'if-unmodified-since': 'Tue, 31 Dec 2024 00:00:00 GMT' } })).status, 200, 'If-Match wins');

  await t.rejects(call('PUT', '/bkt/k', { body: 'v2', headers: { 'if-none-match': '*' } }), {
    code: 'PreconditionFailed',
    status: 412,
    message: 'At least one of the pre-conditions you specified did not hold',
  });
  t.equal((await call('PUT', '/bkt/new', { body: 'n', headers: { 'if-none-match': '*' } })).status, 200);
  await t.rejects(call('PUT', '/bkt/k', { body: 'v2', headers: { 'if-match': '"wrong"' } }), { code: 'PreconditionFailed' });
  await t.rejects(call('PUT', '/bkt/missing', { body: 'v2', headers: { 'if-match': etag } }), { code: 'NoSuchKey', status: 404 });
  await t.rejects(call('PUT', '/bkt/k', { body: 'v2', headers: { 'if-none-match': etag } }), { code: 'NotImplemented', status: 501 });
  t.equal((await call('PUT', '/bkt/k', { body: 'v2', headers: { 'if-match': etag } })).status, 200);
  t.equal(text(await call('GET', '/bkt/k')), 'v2');
});

t.test('equal bodies share a blob: freeing one object keeps the others', async (t) => {
  const { call } = await setup();
  await call('PUT', '/bkt');
  await call('PUT', '/bkt/one', { body: 'same bytes' });
  await call('PUT', '/bkt/two', { body: 'same bytes' });
  await call('DELETE', '/bkt/one');
  t.equal(text(await call('GET', '/bkt/two')), 'same bytes');
  await call('PUT', '/bkt/two', { body: 'same bytes' });
  t.equal(text(await call('GET', '/bkt/two')), 'same bytes', 'overwriting with equal content');

  const created = text(await call('POST', '/bkt/single', { query: { uploads: '' } }));
  const uploadId = /<UploadId>([^<]+)</.exec(created)![1]!;
  const etag = (await call('PUT', '/bkt/single', { query: { partNumber: '1', uploadId }, body: 'same bytes' })).headers!['etag']!;
  await call('POST', '/bkt/single', { query: { uploadId }, body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>` });
  t.equal(text(await call('GET', '/bkt/single')), 'same bytes', 'a one-part object is its part');
  await call('DELETE', '/bkt/two');
  t.equal(text(await call('GET', '/bkt/single')), 'same bytes');
});

t.test('concurrent conditional writes: exactly one If-None-Match: * wins', async (t) => {
  const { call } = await setup();
  await call('PUT', '/bkt');
  const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => call('PUT', '/bkt/lock', { body: `owner-${i}`, headers: { 'if-none-match': '*' } })));
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  t.ok(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason.code === 'PreconditionFailed'));
});

t.test('aws-chunked bodies the core did not decode', async (t) => {
  const { call } = await setup();
  await call('PUT', '/bkt');
  const data = 'y'.repeat(9000);
  const crc = (await import('../../../sandbox/s3/checksums.js')).checksumOf('CRC32', Buffer.from(data + 'end'));
  const body = `2328\r\n${data}\r\n3\r\nend\r\n0\r\nx-amz-checksum-crc32:${crc}\r\n\r\n`;
  const headers = {
    'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': '9003',
    'x-amz-trailer': 'x-amz-checksum-crc32',
  };
  const put = await call('PUT', '/bkt/chunked', { body, headers });
  t.equal(put.headers?.['x-amz-checksum-crc32'], crc);
  const get = await call('GET', '/bkt/chunked');
  t.equal(text(get), data + 'end');
  t.notOk(get.headers?.['content-encoding'], 'aws-chunked is not stored as the content encoding');
  await t.rejects(call('PUT', '/bkt/bad', { body: body.replace(crc, 'AAAAAA=='), headers }), { code: 'BadDigest' });
  await t.rejects(call('PUT', '/bkt/bad', { body, headers: { ...headers, 'x-amz-decoded-content-length': '9' } }), { code: 'IncompleteBody' });
  // Already decoded by the core: the body length equals x-amz-decoded-content-length.
  t.equal((await call('PUT', '/bkt/plain', { body: 'abc', headers: { ...headers, 'x-amz-decoded-content-length': '3' } })).status, 200);
  t.equal(text(await call('GET', '/bkt/plain')), 'abc');
});

t.test('unsupported operations are MethodNotAllowed, naming the operation', async (t) => {
  const { call } = await setup();
  await call('PUT', '/bkt');
  await t.rejects(call('PUT', '/bkt', { query: { cors: '' } }), { code: 'MethodNotAllowed', status: 405, message: /PutBucketCors \(PUT \/bkt\?cors\)/ });
  await t.rejects(call('GET', '/bkt/k', { query: { tagging: '' } }), { message: /GetObjectTagging/ });
  await t.rejects(call('PUT', '/bkt/k', { query: { renameObject: '' }, headers: { 'x-amz-rename-source': '/bkt/j' } }), { message: /RenameObject/ });
  await t.rejects(call('GET', '/bkt/k', { query: { attributes: '', 'x-id': 'GetObjectAttributes' } }), { message: /GetObjectAttributes/ });
  await t.rejects(call('DELETE', '/'), { code: 'MethodNotAllowed' });
  await t.rejects(call('POST', '/bkt/k'), { code: 'MethodNotAllowed' });
});

t.test('state survives a store restart', async (t) => {
  const dir = t.testdir();
  const first = await createStore({ dir });
  const s3a = createS3Service({ store: first });
  await s3a(request('PUT', '/keep'));
  await s3a(request('PUT', '/keep/k', { body: 'persisted', headers: { 'content-type': 'text/plain' } }));
  const upload = text(await s3a(request('POST', '/keep/mp', { query: { uploads: '' } })));
  await first.flush();

  const second = await createStore({ dir });
  const s3b: ServiceHandler = createS3Service({ store: second });
  const got = await s3b(request('GET', '/keep/k'));
  t.equal(text(got), 'persisted');
  t.equal(got.headers?.['content-type'], 'text/plain');
  await t.rejects(s3b(request('PUT', '/keep', { principal: OTHER })), { code: 'BucketAlreadyExists' });
  const uploadId = /<UploadId>([^<]+)</.exec(upload)![1]!;
  t.equal((await s3b(request('PUT', '/keep/mp', { query: { partNumber: '1', uploadId }, body: 'p' }))).status, 200, 'pending uploads too');
  await second.close();
  await first.close();
});
