import t from 'tap';
import { DeploymentGroupDoesNotExistException, DeploymentNotStartedException, InstanceNameAlreadyRegisteredException } from '@aws-sdk/client-codedeploy';
import { EntityAlreadyExistsException, LimitExceededException, NoSuchEntityException } from '@aws-sdk/client-iam';
import { ResourceAlreadyExistsException, ResourceNotFoundException, ThrottlingException } from '@aws-sdk/client-iot';
import { NoSuchKey, NotFound, S3ServiceException } from '@aws-sdk/client-s3';
import { ExpiredTokenException } from '@aws-sdk/client-sts';
import { EdgeError, isEdgeError } from '../../../../shared/errors.js';
import { codeForAwsName, sdkCall, toAwsEdgeError } from '../../../../controller/aws/sdk-errors.js';

const $metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'req-123', extendedRequestId: 'ext-9', attempts: 1, totalRetryDelay: 0 });
const site = { service: 'iot', operation: 'DescribeThing' };
const s3 = (name: string, status: number) => new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: $metadata(status), message: name });

t.test('real SDK exceptions map to one registry code each, with the request id kept', async (t) => {
  const cases: [unknown, string][] = [
    [new ThrottlingException({ message: 'Rate exceeded', $metadata: $metadata(400) }), 'AWS_THROTTLED'],
    [new ResourceNotFoundException({ message: 'no thing', $metadata: $metadata(404) }), 'AWS_NOT_FOUND'],
    [new ResourceAlreadyExistsException({ message: 'exists', $metadata: $metadata(409), resourceId: 'x', resourceArn: 'y' }), 'AWS_ALREADY_EXISTS'],
    [new NoSuchEntityException({ message: 'no user', $metadata: $metadata(404) }), 'AWS_NOT_FOUND'],
    [new EntityAlreadyExistsException({ message: 'exists', $metadata: $metadata(409) }), 'AWS_ALREADY_EXISTS'],
    [new LimitExceededException({ message: 'quota', $metadata: $metadata(409) }), 'AWS_QUOTA_EXCEEDED'],
    [new DeploymentGroupDoesNotExistException({ message: 'no group', $metadata: $metadata(400) }), 'AWS_NOT_FOUND'],
    [new DeploymentNotStartedException({ message: 'not started', $metadata: $metadata(400) }), 'AWS_CONFLICT'],
    [new InstanceNameAlreadyRegisteredException({ message: 'taken', $metadata: $metadata(400) }), 'AWS_ALREADY_EXISTS'],
    [new NoSuchKey({ message: 'The specified key does not exist.', $metadata: $metadata(404) }), 'AWS_NOT_FOUND'],
    [new NotFound({ message: 'NotFound', $metadata: $metadata(404) }), 'AWS_NOT_FOUND'],
    [new ExpiredTokenException({ message: 'expired', $metadata: $metadata(400) }), 'AWS_CREDENTIALS_EXPIRED'],
    [s3('PreconditionFailed', 412), 'AWS_PRECONDITION_FAILED'],
    [s3('ConditionalRequestConflict', 409), 'AWS_PRECONDITION_FAILED'],
    [s3('AccessDenied', 403), 'AWS_ACCESS_DENIED'],
    [s3('SignatureDoesNotMatch', 403), 'AWS_CREDENTIALS_REJECTED'],
    [s3('InvalidAccessKeyId', 403), 'AWS_CREDENTIALS_REJECTED'],
    [s3('RequestTimeTooSkewed', 403), 'AWS_CLOCK_SKEW'],
    [s3('SlowDown', 503), 'AWS_THROTTLED'],
    [s3('InternalError', 500), 'AWS_SERVICE_ERROR'],
    [s3('InvalidArgument', 400), 'AWS_REQUEST_INVALID'],
  ];
  for (const [e, code] of cases) {
    const mapped = toAwsEdgeError(e, site);
    t.equal(mapped.code, code, `${(e as Error).name} → ${code}`);
    t.equal(mapped.details['requestId'], 'req-123');
    t.equal(mapped.details['awsName'], (e as Error).name);
    t.equal(mapped.cause, e, 'the SDK error stays as the cause');
  }
});

t.test('retryable and throttled come with the code', async (t) => {
  const throttled = toAwsEdgeError(new ThrottlingException({ message: 'Rate exceeded', $metadata: $metadata(400) }), site);
  t.match(throttled, { retryable: true, details: { throttled: true, httpStatus: 400, service: 'iot', operation: 'DescribeThing', extendedRequestId: 'ext-9' } });
  t.match(throttled.message, /^iot DescribeThing failed: ThrottlingException: Rate exceeded$/);
  t.match(toAwsEdgeError(s3('InternalError', 500), site), { retryable: true, details: { throttled: false } });
  t.match(toAwsEdgeError(s3('AccessDenied', 403), site), { retryable: false });
  t.match(toAwsEdgeError(new ExpiredTokenException({ message: 'x', $metadata: $metadata(400) }), site), { retryable: true, details: { throttled: false } });
});

t.test('missing configuration, network failures and our own bugs', async (t) => {
  const noCreds = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
  t.equal(toAwsEdgeError(noCreds, site).code, 'CLI_AWS_CONFIG');
  t.equal(toAwsEdgeError(new Error('Region is missing'), site).code, 'CLI_AWS_CONFIG');
  t.equal(toAwsEdgeError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), site).code, 'AWS_SERVICE_ERROR');
  t.equal(toAwsEdgeError(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }), site).code, 'AWS_SERVICE_ERROR');
  t.equal(toAwsEdgeError(new TypeError('cannot read x of undefined'), site).code, 'INTERNAL');
  const ours = new EdgeError('AWS_ASSUME_ROLE_FAILED', 'no');
  t.equal(toAwsEdgeError(ours, site), ours, 'EdgeErrors pass through unchanged');
});

t.test('name rules: DoesNotExist / AlreadyExists / LimitExceeded families, then the status', async (t) => {
  t.equal(codeForAwsName('ApplicationDoesNotExistException', 400), 'AWS_NOT_FOUND');
  t.equal(codeForAwsName('IamSessionArnAlreadyRegisteredException', 400), 'AWS_ALREADY_EXISTS');
  t.equal(codeForAwsName('DeploymentLimitExceededException', 400), 'AWS_QUOTA_EXCEEDED');
  t.equal(codeForAwsName('DeploymentAlreadyCompletedException', 400), 'AWS_CONFLICT');
  t.equal(codeForAwsName('SomethingNew', 403), 'AWS_ACCESS_DENIED');
  t.equal(codeForAwsName('SomethingNew', 404), 'AWS_NOT_FOUND');
  t.equal(codeForAwsName('SomethingNew', 409), 'AWS_CONFLICT');
  t.equal(codeForAwsName('ValidationException', 400), 'AWS_REQUEST_INVALID');
});

t.test('sdkCall maps a failure once and passes results through', async (t) => {
  t.equal(await sdkCall(site, async () => 42), 42);
  const e = await sdkCall(site, async () => Promise.reject(new ResourceNotFoundException({ message: 'gone', $metadata: $metadata(404) }))).catch((x: unknown) => x);
  t.ok(isEdgeError(e, 'AWS_NOT_FOUND'));
});
