import t from 'tap';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { ThrottlingException } from '@aws-sdk/client-iot';
import { ExpiredTokenException } from '@aws-sdk/client-sts';
import { EdgeError } from '../../../shared/errors.js';
import { awsErrorName, backoffDelayMs, classifyFailure, isThrottling, withRetry, type Failure } from '../../../shared/retry.js';

const meta = (status: number) => ({ $metadata: { httpStatusCode: status } });
const sdk = (name: string, status: number, message = 'm') => Object.assign(new Error(message), { name, ...meta(status) });
const sys = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

t.test('throttling: the SDK names, HTTP 429 and $retryable.throttling', async (t) => {
  for (const name of ['ThrottlingException', 'Throttling', 'SlowDown', 'RequestLimitExceeded', 'TooManyRequestsException', 'PriorRequestNotComplete']) {
    t.equal(classifyFailure(sdk(name, 400)).kind, 'throttled', name);
  }
  t.equal(classifyFailure(sdk('Whatever', 429)).kind, 'throttled');
  t.equal(classifyFailure({ name: 'X', $retryable: { throttling: true }, ...meta(400) }).kind, 'throttled');
  t.equal(classifyFailure(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } })).kind, 'throttled');
  t.ok(isThrottling(sdk('SlowDown', 503)));
});

t.test('expired credentials and clock skew are not throttling: refresh once', async (t) => {
  const expired = new ExpiredTokenException({ message: 'The security token included in the request is expired', $metadata: { httpStatusCode: 400 } });
  t.same(classifyFailure(expired), { kind: 'refresh', name: 'ExpiredTokenException', httpStatus: 400, refresh: 'credentials' });
  t.equal(classifyFailure(sdk('ExpiredToken', 400)).refresh, 'credentials');
  t.equal(classifyFailure(sdk('RequestTimeTooSkewed', 403)).refresh, 'clock');
  t.equal(classifyFailure(sdk('InvalidSignatureException', 400, 'Signature expired: 20300101T000000Z is now earlier than ...')).refresh, 'clock');
  t.equal(classifyFailure(sdk('InvalidSignatureException', 400, 'The request signature we calculated does not match')).kind, 'fatal', 'a wrong secret is not skew');
  t.notOk(isThrottling(sdk('ExpiredToken', 400)));
  t.notOk(isThrottling(sdk('RequestTimeTooSkewed', 403)));
});

t.test('transient: 5xx (not 501), 408, timeouts and connection errors; the rest is fatal', async (t) => {
  t.equal(classifyFailure(sdk('InternalFailure', 500)).kind, 'transient');
  t.equal(classifyFailure(sdk('Anything', 503)).kind, 'transient');
  t.equal(classifyFailure(sdk('NotImplemented', 501)).kind, 'fatal');
  t.equal(classifyFailure(sdk('RequestTimeout', 400)).kind, 'transient');
  t.equal(classifyFailure(sdk('X', 408)).kind, 'transient');
  for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN']) t.equal(classifyFailure(sys(code)).kind, 'transient', code);
  t.equal(awsErrorName(sys('ECONNRESET')), 'ECONNRESET');
  t.equal(classifyFailure(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } })).kind, 'fatal');
  t.equal(classifyFailure(sdk('ValidationException', 400)).kind, 'fatal');
  t.equal(classifyFailure(sdk('LimitExceededException', 410)).kind, 'fatal', 'a quota is not throttling');
  t.equal(classifyFailure(new TypeError('x')).kind, 'fatal');
  t.equal(classifyFailure('a string').kind, 'fatal');
});

t.test('EdgeErrors classify by code and details', async (t) => {
  t.equal(classifyFailure(new EdgeError('AWS_THROTTLED', 'x')).kind, 'throttled');
  t.equal(classifyFailure(new EdgeError('COMMANDS_THROTTLED', 'x')).kind, 'throttled');
  t.equal(classifyFailure(new EdgeError('AWS_SERVICE_ERROR', 'x', { details: { awsName: 'InternalFailure', httpStatus: 500 } })).kind, 'transient');
  t.same(classifyFailure(new EdgeError('AWS_CREDENTIALS_EXPIRED', 'x')), { kind: 'refresh', name: 'AWS_CREDENTIALS_EXPIRED', httpStatus: undefined, refresh: 'credentials' });
  t.equal(classifyFailure(new EdgeError('AWS_CLOCK_SKEW', 'x')).refresh, 'clock');
  t.equal(classifyFailure(new EdgeError('AWS_NOT_FOUND', 'x')).kind, 'fatal');
  t.equal(classifyFailure(new EdgeError('BUNDLE_DOWNLOAD_FAILED', 'x')).kind, 'transient', 'retryable codes are transient');
});

t.test('one jittered back-off: full and equal jitter, capped', async (t) => {
  const p = { baseMs: 100, capMs: 1000 };
  t.same([0, 1, 2, 3].map((n) => backoffDelayMs(n, p, () => 0.5)), [50, 100, 200, 400]);
  t.equal(backoffDelayMs(10, p, () => 0.999), 999, 'capped');
  t.equal(backoffDelayMs(0, p, () => 0), 0, 'full jitter may retry at once');
  t.same([0, 1, 10].map((n) => backoffDelayMs(n, { ...p, jitter: 'equal' }, () => 0)), [50, 100, 500], 'equal jitter waits at least half');
  t.equal(backoffDelayMs(1, { ...p, jitter: 'equal' }, () => 1), 200);
});

t.test('withRetry: backs off on throttling, refreshes once, stops on fatal and at maxAttempts', async (t) => {
  const slept: number[] = [];
  const seen: Failure['kind'][] = [];
  const hooks = { sleep: async (ms: number) => void slept.push(ms), random: () => 0.5, retried: (f: Failure) => void seen.push(f.kind) };
  let n = 0;
  t.equal(await withRetry(async () => (++n < 3 ? Promise.reject(sdk('SlowDown', 503)) : 'ok'), { maxAttempts: 5, baseMs: 100, capMs: 5000 }, hooks), 'ok');
  t.same(slept, [50, 100]);
  t.same(seen, ['throttled', 'throttled']);

  let refreshed = 0;
  let calls = 0;
  const expired = sdk('ExpiredToken', 400);
  await t.rejects(withRetry(async () => (calls++, Promise.reject(expired)), { maxAttempts: 8, baseMs: 1, capMs: 1 }, { ...hooks, refresh: () => void refreshed++ }), expired);
  t.equal(calls, 2, 'a refresh failure is retried once');
  t.equal(refreshed, 1);

  calls = 0;
  const fatal = sdk('ValidationException', 400);
  await t.rejects(withRetry(async () => (calls++, Promise.reject(fatal)), { maxAttempts: 8, baseMs: 1, capMs: 1 }, hooks), fatal);
  t.equal(calls, 1);

  calls = 0;
  await t.rejects(withRetry(async () => (calls++, Promise.reject(sdk('InternalFailure', 500))), { maxAttempts: 3, baseMs: 1, capMs: 1 }, hooks));
  t.equal(calls, 3, 'attempts are bounded');
});
