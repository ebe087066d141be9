// Pure helpers of the S3 download: ETag normalisation, Range / Content-Range, back-off schedule,
// and how each failure is classified and worded.
import t from 'tap';
import {
  backoffDelayMs,
  describeLocation,
  etagsMatch,
  formatBytes,
  isPlainMd5Etag,
  md5Verifiable,
  normalizeEtag,
  parseContentRange,
  resumeRange,
} from '../../../../agent/revision/s3-download-helpers.js';
import { BundleIntegrityError, BundleStreamError, BundleWriteError, classifyS3Failure, type ClassifyContext } from '../../../../agent/revision/s3-download-errors.js';

const md5 = '9e107d9d372bb6826bd81d3542a419d6';

t.test('ETags: every quote removed before comparing, as the official agent does', async (t) => {
  t.equal(normalizeEtag(`"${md5}"`), md5);
  t.equal(normalizeEtag(`"abc"-"3"`), 'abc-3');
  t.ok(etagsMatch(`"${md5}"`, md5));
  t.ok(etagsMatch(md5, `"${md5}"`));
  t.ok(etagsMatch(`""${md5}""`, `"${md5}"`));
  t.notOk(etagsMatch(md5, md5.toUpperCase()), 'exact comparison otherwise');
  t.notOk(etagsMatch(`W/"${md5}"`, md5), 'no other normalisation');
});

t.test('plain MD5 ETags vs multipart and encrypted objects', async (t) => {
  t.ok(isPlainMd5Etag(`"${md5}"`));
  t.notOk(isPlainMd5Etag(`"${md5}-3"`), 'multipart suffix');
  t.notOk(isPlainMd5Etag('"abc"'));
  t.ok(md5Verifiable(`"${md5}"`, undefined, undefined));
  t.ok(md5Verifiable(`"${md5}"`, 'AES256', undefined), 'SSE-S3 ETags are MD5s');
  t.notOk(md5Verifiable(`"${md5}"`, 'aws:kms', undefined), 'SSE-KMS ETags are not');
  t.notOk(md5Verifiable(`"${md5}"`, 'aws:kms:dsse', undefined));
  t.notOk(md5Verifiable(`"${md5}"`, undefined, 'AES256'), 'SSE-C ETags are not');
  t.notOk(md5Verifiable(`"${md5}-2"`, undefined, undefined));
});

t.test('Range of a resumed request, Content-Range of its answer', async (t) => {
  t.equal(resumeRange(0), undefined, 'a fresh start is no range');
  t.equal(resumeRange(3145728), 'bytes=3145728-');
  t.same(parseContentRange('bytes 100-199/200'), { start: 100, end: 199, total: 200 });
  t.same(parseContentRange('bytes 0-0/*'), { start: 0, end: 0, total: undefined });
  t.equal(parseContentRange(undefined), undefined);
  t.equal(parseContentRange('bytes 9-1/10'), undefined);
  t.equal(parseContentRange('items 0-1/2'), undefined);
  t.equal(parseContentRange('bytes */200'), undefined);
});

t.test('back-off: exponential, capped, half fixed half jitter', async (t) => {
  const o = { baseMs: 500, maxMs: 20_000 };
  t.same([1, 2, 3, 4, 5].map((r) => backoffDelayMs(r, o, () => 0)), [250, 500, 1000, 2000, 4000], 'lowest');
  t.same([1, 2, 3, 4, 5].map((r) => backoffDelayMs(r, o, () => 0.999999)), [500, 1000, 2000, 4000, 8000], 'highest');
  t.equal(backoffDelayMs(10, o, () => 0.999999), 20_000, 'capped');
  t.equal(backoffDelayMs(60, o, () => 0), 10_000, 'no overflow past the cap');
  for (let i = 0; i < 200; i++) {
    const d = backoffDelayMs(3, o);
    t.ok(d >= 1000 && d <= 2000, `jittered ${d}`);
    if (d < 1000 || d > 2000) break;
  }
});

t.test('messages: location and sizes', async (t) => {
  t.equal(describeLocation({ bucket: 'b', key: 'k/x.tar' }), 's3://b/k/x.tar');
  t.equal(describeLocation({ bucket: 'b', key: 'k', version: 'v1' }), 's3://b/k (version v1)');
  t.equal(formatBytes(12), '12 B');
  t.equal(formatBytes(1536), '1.5 KiB');
  t.equal(formatBytes(8 * 1024 * 1024 + 17), '8.0 MiB');
});

const ctx: ClassifyContext = { bucket: 'b', key: 'app.tar', region: 'eu-west-1', endpointHost: 's3.eu-west-1.amazonaws.com', resumed: false };
const s3Error = (name: string, status: number, message = 'm') => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
const sysError = (code: string, message: string) => Object.assign(new Error(message), { code });

t.test('classification: what is retried, restarted or fatal', async (t) => {
  const kind = (e: unknown, c: Partial<ClassifyContext> = {}) => classifyS3Failure(e, { ...ctx, ...c }).kind;
  t.equal(kind(sysError('ECONNRESET', 'read ECONNRESET')), 'transient');
  t.equal(kind(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })), 'transient');
  t.equal(kind(sysError('ERR_STREAM_PREMATURE_CLOSE', 'Premature close')), 'transient');
  t.equal(kind(new Error('Connection lost or stream closed before all data was received.')), 'transient');
  t.equal(kind(new BundleStreamError('no data received for 30000 ms', 'EREADTIMEOUT')), 'transient');
  t.equal(kind(new BundleStreamError('short', 'ESHORTBODY')), 'transient');
  t.equal(kind(Object.assign(new Error('the request socket timed out after 30000 ms of inactivity'), { name: 'TimeoutError' })), 'transient');
  t.equal(kind(s3Error('InternalError', 500)), 'transient');
  t.equal(kind(s3Error('SlowDown', 503)), 'transient');
  t.equal(kind(s3Error('PreconditionFailed', 412), { resumed: true }), 'changed');
  t.equal(kind(s3Error('InvalidRange', 416), { resumed: true }), 'corrupt');
  t.equal(kind(new Error('Checksum mismatch: expected "a" but received "b" in response header "x-amz-checksum-crc64nvme".')), 'corrupt');
  t.equal(kind(new BundleIntegrityError('received 1 bytes but the object has 2')), 'corrupt');
  t.equal(kind(s3Error('NoSuchKey', 404)), 'fatal');
  t.equal(kind(s3Error('NoSuchBucket', 404)), 'fatal');
  t.equal(kind(s3Error('NoSuchVersion', 404), { version: 'v' }), 'fatal');
  t.equal(kind(s3Error('AccessDenied', 403)), 'fatal');
  t.equal(kind(s3Error('SignatureDoesNotMatch', 403)), 'fatal');
  t.equal(kind(new BundleWriteError('/x/bundle.tar.part', sysError('ENOSPC', 'no space left on device'))), 'fatal');
});

t.test('classification: unable to connect gets the endpoint-override treatment', async (t) => {
  for (const e of [
    sysError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'),
    sysError('ENOTFOUND', 'getaddrinfo ENOTFOUND s3.eu-west-1.amazonaws.com'),
    sysError('ETIMEDOUT', 'connect ETIMEDOUT 52.1.2.3:443'),
    Object.assign(new Error('Socket timed out without establishing a connection within 10000 ms'), { name: 'TimeoutError' }),
  ]) {
    const c = classifyS3Failure(e, ctx);
    t.equal(c.kind, 'transient', e.message);
    t.ok(c.unableToConnect, e.message);
    t.match(c.reason, /^unable to connect to s3\.eu-west-1\.amazonaws\.com \(/);
  }
  t.notOk(classifyS3Failure(sysError('ECONNRESET', 'read ECONNRESET'), ctx).unableToConnect);
});

t.test('classification: hints say what to check', async (t) => {
  const denied = classifyS3Failure(s3Error('AccessDenied', 403, 'Access Denied'), { ...ctx, version: 'v1' });
  t.equal(denied.reason, 'access was denied (AccessDenied (HTTP 403): Access Denied)');
  t.match(denied.hint, /s3:GetObject and s3:GetObjectVersion on arn:aws:s3:::b\/app\.tar/);
  t.match(classifyS3Failure(s3Error('NoSuchBucket', 404), ctx).hint, /bucket name "b" and that it is in eu-west-1/);
  t.match(classifyS3Failure(s3Error('RequestTimeTooSkewed', 403), ctx).hint, /clock/);
  t.match(classifyS3Failure(new BundleWriteError('/x', sysError('ENOSPC', 'no space')), ctx).hint, /df -h/);
});
