// The S3 sandbox's pure pieces: CRCs and checksums, aws-chunked decoding, Range parsing, the listing walk.
import t from 'tap';
import { createHash } from 'node:crypto';
import { decodeAwsChunked, isAwsChunked } from '../../../sandbox/s3/aws-chunked.js';
import { checksumOf, claimedChecksum, compositeChecksum, resolveChecksumType, verifyChecksum, verifyContentMd5 } from '../../../sandbox/s3/checksums.js';
import { crc32, crc32c, crc64nvme } from '../../../sandbox/s3/crc.js';
import { sortedKeys, urlEncodeKey, walkKeys } from '../../../sandbox/s3/key-listing.js';
import { parseRange } from '../../../sandbox/s3/range.js';

t.test('CRC check values ("123456789")', async (t) => {
  const data = Buffer.from('123456789');
  t.equal(crc32(data).toString('hex'), 'cbf43926');
  t.equal(crc32c(data).toString('hex'), 'e3069283');
  t.equal(crc64nvme(data).toString('hex'), 'ae8b14860a799888');
  t.equal(crc32(Buffer.alloc(0)).toString('hex'), '00000000');
  t.equal(checksumOf('SHA256', data), createHash('sha256').update(data).digest('base64'));
});

t.test('claimed checksums are verified', async (t) => {
  const data = Buffer.from('hello');
  const good = checksumOf('CRC32', data);
  t.same(claimedChecksum({ 'x-amz-checksum-crc32': good, 'x-amz-checksum-mode': 'ENABLED' }), { algorithm: 'CRC32', value: good });
  t.equal(claimedChecksum({ 'content-type': 'x' }), undefined);
  t.equal(verifyChecksum({ algorithm: 'CRC32', value: good }, data), good);
  t.throws(() => verifyChecksum({ algorithm: 'CRC32', value: checksumOf('CRC32', Buffer.from('other')) }, data), { code: 'BadDigest' });
  t.throws(() => verifyChecksum({ algorithm: 'CRC32', value: 'not base64!' }, data), { code: 'InvalidRequest' });
  t.throws(() => claimedChecksum({ 'x-amz-checksum-crc32': good, 'x-amz-checksum-sha256': 'x' }), { code: 'InvalidRequest' });
  t.throws(() => claimedChecksum({ 'x-amz-checksum-xxhash64': 'AAAAAAAAAAA=' }), { code: 'NotImplemented', status: 501 });
  t.throws(() => claimedChecksum({ 'x-amz-checksum-bogus': 'AAAA' }), { code: 'InvalidRequest' });
});

t.test('Content-MD5', async (t) => {
  const md5 = createHash('md5').update('abc').digest();
  t.doesNotThrow(() => verifyContentMd5(md5.toString('base64'), md5));
  t.doesNotThrow(() => verifyContentMd5(undefined, md5));
  t.throws(() => verifyContentMd5('abc', md5), { code: 'InvalidDigest' });
  t.throws(() => verifyContentMd5(createHash('md5').update('x').digest('base64'), md5), { code: 'BadDigest' });
});

t.test('composite checksums and checksum types', async (t) => {
  const parts = [Buffer.from('a'), Buffer.from('b')].map((p) => checksumOf('CRC32', p));
  const joined = Buffer.concat(parts.map((p) => Buffer.from(p, 'base64')));
  t.equal(compositeChecksum('CRC32', parts), `${crc32(joined).toString('base64')}-2`);
  t.equal(resolveChecksumType('CRC32', undefined), 'COMPOSITE');
  t.equal(resolveChecksumType('CRC64NVME', undefined), 'FULL_OBJECT');
  t.equal(resolveChecksumType('CRC32C', 'FULL_OBJECT'), 'FULL_OBJECT');
  t.throws(() => resolveChecksumType('SHA256', 'FULL_OBJECT'), { code: 'InvalidRequest' });
  t.throws(() => resolveChecksumType('CRC64NVME', 'COMPOSITE'), { code: 'InvalidRequest' });
});

const frame = (chunks: string[], trailer = ''): Buffer =>
  Buffer.from(chunks.map((c) => `${Buffer.byteLength(c).toString(16)};chunk-signature=abc\r\n${c}\r\n`).join('') + `0\r\n${trailer}\r\n`);

t.test('aws-chunked decoding', async (t) => {
  t.ok(isAwsChunked({ 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' }));
  t.ok(isAwsChunked({ 'content-encoding': 'gzip, aws-chunked' }));
  t.notOk(isAwsChunked({ 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }));
  const big = 'x'.repeat(8192);
  const out = decodeAwsChunked(frame([big, 'tail'], 'x-amz-checksum-crc32:AAAAAA==\r\nx-amz-trailer-signature:sig\r\n'));
  t.equal(out.data.toString(), big + 'tail');
  t.same(out.trailers, { 'x-amz-checksum-crc32': 'AAAAAA==' });
  t.equal(decodeAwsChunked(Buffer.from('0\r\n\r\n')).data.length, 0);
  t.throws(() => decodeAwsChunked(frame(['small', 'tail'])), { code: 'InvalidChunkSizeError', status: 403, extra: { Chunk: '1', BadChunkSize: '5' } });
  t.throws(() => decodeAwsChunked(Buffer.from('10\r\nshort')), { code: 'IncompleteBody' });
  t.throws(() => decodeAwsChunked(Buffer.from('zz\r\n')), { code: 'IncompleteBody' });
});

t.test('Range parsing', async (t) => {
  t.same(parseRange('bytes=0-4', 10), { start: 0, end: 4 });
  t.same(parseRange('bytes=5-', 10), { start: 5, end: 9 });
  t.same(parseRange('bytes=-3', 10), { start: 7, end: 9 });
  t.same(parseRange('bytes=-30', 10), { start: 0, end: 9 });
  t.same(parseRange('bytes=8-100', 10), { start: 8, end: 9 });
  t.equal(parseRange(undefined, 10), undefined);
  t.equal(parseRange('bytes=0-1,3-4', 10), undefined, 'several ranges: whole object');
  t.equal(parseRange('items=0-1', 10), undefined);
  t.equal(parseRange('bytes=5-2', 10), undefined);
  t.throws(() => parseRange('bytes=10-', 10), { code: 'InvalidRange', status: 416 });
  t.throws(() => parseRange('bytes=-0', 10), { code: 'InvalidRange' });
  t.throws(() => parseRange('bytes=0-', 0), { code: 'InvalidRange' });
});

t.test('listing walk: prefix, delimiter, paging', async (t) => {
  const keys = sortedKeys(['b', 'a/2', 'a/1', 'c/x/y', 'c/z', 'a', '\u{1F600}', '\uFFFD']);
  t.same(keys, ['a', 'a/1', 'a/2', 'b', 'c/x/y', 'c/z', '\uFFFD', '\u{1F600}'], 'UTF-8 binary order');
  const all = walkKeys(keys, { prefix: '', delimiter: '/', after: '', maxKeys: 1000 });
  t.same(all.keys, ['a', 'b', '\uFFFD', '\u{1F600}']);
  t.same(all.commonPrefixes, ['a/', 'c/']);
  const page1 = walkKeys(keys, { prefix: '', delimiter: '/', after: '', maxKeys: 2 });
  t.same([page1.keys, page1.commonPrefixes, page1.truncated, page1.last], [['a'], ['a/'], true, 'a/']);
  const page2 = walkKeys(keys, { prefix: '', delimiter: '/', after: 'a/', maxKeys: 2 });
  t.same([page2.keys, page2.commonPrefixes, page2.truncated], [['b'], ['c/'], true]);
  const nested = walkKeys(keys, { prefix: 'c/', delimiter: '/', after: '', maxKeys: 10 });
  t.same([nested.keys, nested.commonPrefixes], [['c/z'], ['c/x/']]);
  t.equal(urlEncodeKey('a b/c+d'), 'a+b/c%2Bd');
});
