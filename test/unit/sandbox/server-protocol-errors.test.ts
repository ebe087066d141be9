// Error rendering per wire protocol, parsed back as a client would.
import t from 'tap';
import { XMLParser } from 'fast-xml-parser';
import { authError, internalError, protocolOf, renderAwsError, toAwsError } from '../../../sandbox/protocol-errors.js';
import { AwsError } from '../../../sandbox/types.js';

const xml = new XMLParser();
const err = new AwsError('InvalidBucketName', 'Bad <name> & "quotes"', 400, { BucketName: 'a&b' });

t.test('protocol by signing service', async (t) => {
  t.equal(protocolOf('codedeploy'), 'json');
  t.equal(protocolOf('codedeploy-commands'), 'json');
  t.equal(protocolOf('s3'), 'rest-xml');
  t.equal(protocolOf('sts'), 'query');
  t.equal(protocolOf('iot'), 'rest-json');
  t.equal(protocolOf('iotdata'), 'rest-json');
  t.equal(protocolOf('something-new'), 'json');
});

t.test('JSON 1.1', async (t) => {
  const r = renderAwsError(new AwsError('InstanceNameAlreadyRegisteredException', 'The on-premises instance name is already registered'), 'json', 'rid');
  t.equal(r.status, 400);
  t.equal(r.headers?.['x-amzn-errortype'], 'InstanceNameAlreadyRegisteredException');
  t.equal(r.headers?.['content-type'], 'application/x-amz-json-1.1');
  t.same(JSON.parse(String(r.body)), { __type: 'InstanceNameAlreadyRegisteredException', message: 'The on-premises instance name is already registered' });
  t.same(JSON.parse(String(renderAwsError(err, 'json', 'rid').body)), { __type: 'InvalidBucketName', message: 'Bad <name> & "quotes"', BucketName: 'a&b' });
});

t.test('REST-JSON (IoT): code in x-amzn-ErrorType, body with message and members', async (t) => {
  const r = renderAwsError(new AwsError('ResourceAlreadyExistsException', 'Thing rpi-01 already exists', 409, { resourceId: 'rpi-01' }), 'rest-json', 'rid');
  t.equal(r.status, 409);
  t.equal(r.headers?.['x-amzn-errortype'], 'ResourceAlreadyExistsException');
  t.equal(r.headers?.['content-type'], 'application/json');
  t.same(JSON.parse(String(r.body)), { message: 'Thing rpi-01 already exists', resourceId: 'rpi-01' });
  t.equal(authError('unknown-key', 'rest-json').status, 403);
  t.equal(internalError('rest-json').code, 'InternalFailureException');
});

t.test('S3 REST-XML', async (t) => {
  const r = renderAwsError(err, 'rest-xml', 'REQ1');
  t.equal(r.status, 400);
  t.equal(r.headers?.['content-type'], 'application/xml');
  t.same(xml.parse(String(r.body)).Error, { Code: 'InvalidBucketName', Message: 'Bad <name> & "quotes"', BucketName: 'a&b', RequestId: 'REQ1' });
});

t.test('STS query-XML', async (t) => {
  const r = renderAwsError(new AwsError('AccessDenied', 'User: x is not authorized', 403), 'query', 'REQ2');
  t.equal(r.status, 403);
  const parsed = xml.parse(String(r.body)).ErrorResponse;
  t.same(parsed, { Error: { Type: 'Sender', Code: 'AccessDenied', Message: 'User: x is not authorized' }, RequestId: 'REQ2' });
  t.equal(xml.parse(String(renderAwsError(internalError('query'), 'query', 'r').body)).ErrorResponse.Error.Type, 'Receiver', '5xx errors are the receiver\'s');
});

t.test('unexpected exceptions and AwsError look-alikes', async (t) => {
  t.match(toAwsError(new Error('x'), 'rest-xml'), { error: { code: 'InternalError', status: 500 }, unexpected: true });
  t.match(toAwsError('thrown string', 'json'), { error: { code: 'InternalFailure', status: 500 }, unexpected: true });
  t.match(toAwsError(err, 'json'), { error: err, unexpected: false });
  const foreign = Object.assign(new Error('from another copy of types.ts'), { name: 'AwsError', code: 'NoSuchKey', status: 404, extra: {} });
  t.match(toAwsError(foreign, 'rest-xml'), { error: { code: 'NoSuchKey', status: 404 }, unexpected: false });
});

t.test('authentication failures per protocol', async (t) => {
  t.match(authError('unknown-key', 'json'), { code: 'UnrecognizedClientException', status: 400 });
  t.match(authError('unknown-key', 'rest-xml'), { code: 'InvalidAccessKeyId', status: 403 });
  t.match(authError('unknown-key', 'query'), { code: 'InvalidClientTokenId', status: 403 });
  t.match(authError('bad-signature', 'json'), { code: 'InvalidSignatureException' });
  t.match(authError('bad-signature', 'rest-xml'), { code: 'SignatureDoesNotMatch', status: 403 });
  t.match(authError('missing', 'rest-xml'), { code: 'AccessDenied', message: 'Access Denied' });
  t.match(authError('skewed', 'rest-xml'), { code: 'RequestTimeTooSkewed' });
  t.match(authError('expired-token', 'json', 'custom'), { code: 'ExpiredTokenException', message: 'custom' });
});
