// The S3 handler called directly with hand-built requests: versioning, listings, DeleteObjects and
// multipart validation.
import t from 'tap';
import { createHash } from 'node:crypto';
import type { SandboxResponse } from '../../../sandbox/types.js';
import { OTHER, md5, setup, text } from './s3-fixtures.js';

t.test('versioning: versions, delete markers, NoSuchVersion, listing versions', async (t) => {
  const { call } = await setup();
  await call('PUT', '/bkt');
  t.match(text(await call('GET', '/bkt', { query: { versioning: '' } })), '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></VersioningConfiguration>');
  await call('PUT', '/bkt/k', { body: 'before' });
  await call('PUT', '/bkt', { query: { versioning: '' }, body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
  t.match(text(await call('GET', '/bkt', { query: { versioning: '' } })), '<Status>Enabled</Status>');
  await t.rejects(call('PUT', '/bkt', { query: { versioning: '' }, body: '<VersioningConfiguration><Status>On</Status></VersioningConfiguration>' }), { code: 'MalformedXML' });

  const v1 = (await call('PUT', '/bkt/k', { body: 'one' })).headers!['x-amz-version-id']!;
  const v2 = (await call('PUT', '/bkt/k', { body: 'two' })).headers!['x-amz-version-id']!;
  t.ok(v1 && v2 && v1 !== v2 && v1 !== 'null');
  t.equal(text(await call('GET', '/bkt/k')), 'two');
  t.equal((await call('GET', '/bkt/k')).headers?.['x-amz-version-id'], v2);
  t.equal(text(await call('GET', '/bkt/k', { query: { versionId: v1 } })), 'one');
  t.equal(text(await call('GET', '/bkt/k', { query: { versionId: 'null' } })), 'before', 'the pre-versioning object is version "null"');
  await t.rejects(call('GET', '/bkt/k', { query: { versionId: 'nope' } }), { code: 'NoSuchVersion', status: 404 });

  const del = await call('DELETE', '/bkt/k');
  t.equal(del.headers?.['x-amz-delete-marker'], 'true');
  const marker = del.headers!['x-amz-version-id']!;
  await t.rejects(call('GET', '/bkt/k'), { code: 'NoSuchKey' });
  await t.rejects(call('GET', '/bkt/k', { query: { versionId: marker } }), { code: 'MethodNotAllowed', status: 405 });
  t.equal(text(await call('GET', '/bkt/k', { query: { versionId: v2 } })), 'two', 'old versions survive a delete');

  const versions = text(await call('GET', '/bkt', { query: { versions: '' } }));
  t.match(versions, new RegExp(`<DeleteMarker><Key>k</Key><VersionId>${marker}</VersionId><IsLatest>true</IsLatest>`));
  t.equal(versions.match(/<Version>/g)?.length, 3);
  const page = text(await call('GET', '/bkt', { query: { versions: '', 'max-keys': '2' } }));
  t.match(page, `<NextVersionIdMarker>${v2}</NextVersionIdMarker>`);
  const rest = text(await call('GET', '/bkt', { query: { versions: '', 'key-marker': 'k', 'version-id-marker': v2 } }));
  t.equal(rest.match(/<Version>/g)?.length, 2);

  const undo = await call('DELETE', '/bkt/k', { query: { versionId: marker } });
  t.equal(undo.headers?.['x-amz-delete-marker'], 'true');
  t.equal(text(await call('GET', '/bkt/k')), 'two', 'removing the marker restores the object');
  await call('DELETE', '/bkt/k', { query: { versionId: v2 } });
  t.equal(text(await call('GET', '/bkt/k')), 'one');

  await call('PUT', '/bkt', { query: { versioning: '' }, body: '<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>' });
  const suspended = await call('PUT', '/bkt/k', { body: 'three' });
  t.notOk(suspended.headers?.['x-amz-version-id']);
  t.equal((await call('GET', '/bkt/k')).headers?.['x-amz-version-id'], 'null');
  t.equal(text(await call('GET', '/bkt/k', { query: { versionId: v1 } })), 'one');
});

t.test('ListObjectsV2 and ListObjects', async (t) => {
  const { call } = await setup();
  await call('PUT', '/bkt');
  for (const k of ['a.txt', 'docs/1', 'docs/2', 'docs/sub/3', 'img/x', 'z']) await call('PUT', `/bkt/${k}`, { body: k });
  const list = (q: Record<string, string>): Promise<string> => call('GET', '/bkt', { query: { 'list-type': '2', ...q } }).then(text);

  const all = await list({});
  t.match(all, '<KeyCount>6</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>');
  t.match(all, /<Contents><Key>a.txt<\/Key><LastModified>2025-01-01T00:00:00.000Z<\/LastModified><ETag>&quot;[0-9a-f]{32}&quot;<\/ETag><ChecksumAlgorithm>CRC64NVME<\/ChecksumAlgorithm><ChecksumType>FULL_OBJECT<\/ChecksumType><Size>5<\/Size><StorageClass>STANDARD<\/StorageClass><\/Contents>/);

  const delimited = await list({ delimiter: '/' });
  t.equal(delimited.match(/<Key>/g)?.length, 2);
  t.match(delimited, '<CommonPrefixes><Prefix>docs/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>img/</Prefix></CommonPrefixes>');
  const nested = await list({ delimiter: '/', prefix: 'docs/' });
  t.match(nested, '<Key>docs/1</Key>');
  t.match(nested, '<Prefix>docs/sub/</Prefix>');

  const seen: string[] = [];
  let token: string | undefined;
  for (let i = 0; i < 10; i++) {
    const page = await list({ 'max-keys': '2', ...(token ? { 'continuation-token': token } : {}) });
    seen.push(...[...page.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]!));
    token = /<NextContinuationToken>([^<]*)</.exec(page)?.[1];
    if (!token) {
      t.match(page, '<IsTruncated>false</IsTruncated>');
      break;
    }
  }
  t.same(seen, ['a.txt', 'docs/1', 'docs/2', 'docs/sub/3', 'img/x', 'z'], 'pages cover every key once');
  t.match(await list({ 'start-after': 'docs/2' }), /<StartAfter>docs\/2<\/StartAfter><Contents><Key>docs\/sub\/3<\/Key>/);
  await t.rejects(list({ 'continuation-token': 'garbage' }), { code: 'InvalidArgument' });
  await t.rejects(list({ 'max-keys': '-1' }), { code: 'InvalidArgument' });
  t.match(await list({ prefix: 'a b', 'encoding-type': 'url' }), '<Prefix>a+b</Prefix>');

  const v1 = await call('GET', '/bkt', { query: { delimiter: '/', 'max-keys': '2' } }).then(text);
  t.match(v1, '<NextMarker>docs/</NextMarker>');
  t.match(v1, /<Owner><ID>[0-9a-f]{64}<\/ID><\/Owner>/);

  await call('DELETE', '/bkt/z');
  t.notMatch(await list({}), '<Key>z</Key>', 'deleted keys are not listed');
  await t.rejects(call('GET', '/bkt', { query: { 'list-type': '2' }, principal: OTHER }), { code: 'AccessDenied' });
});

t.test('DeleteObjects', async (t) => {
  const { call } = await setup();
  await call('PUT', '/bkt');
  await call('PUT', '/bkt/one', { body: '1' });
  await call('PUT', '/bkt/two', { body: '2' });
  const body = '<Delete><Object><Key>one</Key></Object><Object><Key>two</Key></Object><Object><Key>never</Key></Object></Delete>';
  await t.rejects(call('POST', '/bkt', { query: { delete: '' }, body }), { code: 'InvalidRequest' }, 'Content-MD5 or a checksum is required');
  const res = await call('POST', '/bkt', { query: { delete: '' }, body, headers: { 'content-md5': createHash('md5').update(body).digest('base64') } });
  t.equal(text(res).match(/<Deleted>/g)?.length, 3);
  t.match(text(await call('GET', '/bkt', { query: { 'list-type': '2' } })), '<KeyCount>0</KeyCount>');
});

t.test('multipart: validation and ETag', async (t) => {
  const { call } = await setup();
  await call('PUT', '/bkt');
  const MiB = 1024 * 1024;
  const create = await call('POST', '/bkt/big', { query: { uploads: '' }, headers: { 'content-type': 'application/zip', 'x-amz-checksum-algorithm': 'CRC32' } });
  t.equal(create.headers?.['x-amz-checksum-type'], 'COMPOSITE');
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(text(create))![1]!;
  const parts = [Buffer.alloc(5 * MiB, 1), Buffer.alloc(5 * MiB, 2), Buffer.alloc(1000, 3)];
  const etags: string[] = [];
  for (const [i, data] of parts.entries()) {
    const res = await call('PUT', '/bkt/big', { query: { partNumber: String(i + 1), uploadId }, body: data });
    t.equal(res.headers?.['etag'], `"${md5(data)}"`);
    t.ok(res.headers?.['x-amz-checksum-crc32']);
    etags.push(res.headers!['etag']!);
  }
  await t.rejects(call('PUT', '/bkt/big', { query: { partNumber: '10001', uploadId }, body: 'x' }), { code: 'InvalidArgument' });
  await t.rejects(call('PUT', '/bkt/other', { query: { partNumber: '1', uploadId }, body: 'x' }), { code: 'NoSuchUpload', status: 404 });
  const xml = (list: [number, string][]): string =>
    `<CompleteMultipartUpload>${list.map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
  const complete = (list: [number, string][]): Promise<SandboxResponse> => call('POST', '/bkt/big', { query: { uploadId }, body: xml(list) });

  await t.rejects(complete([[2, etags[1]!], [1, etags[0]!]]), { code: 'InvalidPartOrder' });
  await t.rejects(complete([[1, etags[0]!], [2, '"0000"']]), { code: 'InvalidPart' });
  await t.rejects(complete([[1, etags[0]!], [4, etags[0]!]]), { code: 'InvalidPart' });
  await t.rejects(complete([[1, etags[0]!], [3, etags[2]!], [2, etags[1]!]]), { code: 'InvalidPartOrder' });
  await t.rejects(complete([[1, etags[0]!], [1, etags[0]!]]), { code: 'InvalidPartOrder' }, 'a repeated part number is out of order');
  await t.rejects(call('POST', '/bkt/big', { query: { uploadId }, body: '<CompleteMultipartUpload></CompleteMultipartUpload>' }), { code: 'MalformedXML' });

  const small = await call('POST', '/bkt/small', { query: { uploads: '' } });
  const smallId = /<UploadId>([^<]+)<\/UploadId>/.exec(text(small))![1]!;
  const e1 = (await call('PUT', '/bkt/small', { query: { partNumber: '1', uploadId: smallId }, body: 'tiny' })).headers!['etag']!;
  const e2 = (await call('PUT', '/bkt/small', { query: { partNumber: '2', uploadId: smallId }, body: 'tail' })).headers!['etag']!;
  await t.rejects(call('POST', '/bkt/small', { query: { uploadId: smallId }, body: xml([[1, e1], [2, e2]]) }), { code: 'EntityTooSmall' });
  t.match(text(await call('GET', '/bkt', { query: { uploads: '' } })), /<Upload><Key>big<\/Key>.*<Upload><Key>small<\/Key>/s);
  t.match(text(await call('GET', '/bkt/small', { query: { uploadId: smallId } })), /<Part><PartNumber>1<\/PartNumber>.*<Size>4<\/Size>/s);
  t.equal((await call('DELETE', '/bkt/small', { query: { uploadId: smallId } })).status, 204);
  await t.rejects(call('DELETE', '/bkt/small', { query: { uploadId: smallId } }), { code: 'NoSuchUpload' });

  const done = await complete(etags.map((e, i) => [i + 1, e]));
  const expected = md5(Buffer.concat(etags.map((e) => Buffer.from(e.replace(/"/g, ''), 'hex')))) + '-3';
  t.match(text(done), `<ETag>&quot;${expected}&quot;</ETag>`);
  t.match(text(done), /<ChecksumCRC32>[A-Za-z0-9+/=]+-3<\/ChecksumCRC32><ChecksumType>COMPOSITE<\/ChecksumType>/);
  await t.rejects(complete(etags.map((e, i) => [i + 1, e])), { code: 'NoSuchUpload' }, 'completed uploads are gone');
  const got = await call('GET', '/bkt/big');
  t.equal(got.headers?.['etag'], `"${expected}"`);
  t.equal(got.headers?.['content-type'], 'application/zip');
  t.ok((got.body as Buffer).equals(Buffer.concat(parts)));
  const part2 = await call('GET', '/bkt/big', { query: { partNumber: '2' } });
  t.equal(part2.headers?.['content-range'], `bytes ${5 * MiB}-${10 * MiB - 1}/${10 * MiB + 1000}`);
  t.equal(part2.headers?.['x-amz-mp-parts-count'], '3');
});

