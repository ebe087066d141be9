// Renders an AwsError the way the service's wire protocol carries it:
// JSON 1.1 (CodeDeploy, Commands), REST-JSON (IoT control plane, IoT data plane), S3 REST-XML, STS query-XML.
import { AwsError, type SandboxResponse } from './types.js';

export type WireProtocol = 'json' | 'rest-json' | 'rest-xml' | 'query';

const PROTOCOL_BY_SERVICE: Readonly<Record<string, WireProtocol>> = {
  codedeploy: 'json',
  'codedeploy-commands': 'json',
  iot: 'rest-json',
  iotdata: 'rest-json',
  s3: 'rest-xml',
  sts: 'query',
  iam: 'query',
  cloudformation: 'query',
  // CloudWatch: JSON 1.0 in query-compatible mode (its handler renders its own errors)
  monitoring: 'json',
};

/** The protocol of a signing service (unknown services are answered in JSON). */
export function protocolOf(service: string): WireProtocol {
  return PROTOCOL_BY_SERVICE[service] ?? 'json';
}

export function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

const xmlElements = (fields: Readonly<Record<string, string>>): string =>
  Object.entries(fields)
    .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
    .join('');

/** The response for an AwsError in the given protocol. */
export function renderAwsError(err: AwsError, protocol: WireProtocol, requestId: string): SandboxResponse {
  switch (protocol) {
    case 'json':
      return {
        status: err.status,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': err.code },
        body: JSON.stringify({ __type: err.code, message: err.message, ...err.extra }),
      };
    case 'rest-json':
      // As IoT answers: the code only in x-amzn-ErrorType, the body carries `message` (+ members such as resourceId).
      return {
        status: err.status,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': err.code },
        body: JSON.stringify({ message: err.message, ...err.extra }),
      };
    case 'rest-xml':
      return {
        status: err.status,
        headers: { 'content-type': 'application/xml' },
        body:
          '<?xml version="1.0" encoding="UTF-8"?>\n' +
          `<Error>${xmlElements({ Code: err.code, Message: err.message, ...err.extra, RequestId: requestId })}</Error>`,
      };
    case 'query': {
      const type = err.status >= 500 ? 'Receiver' : 'Sender';
      return {
        status: err.status,
        headers: { 'content-type': 'text/xml' },
        body:
          '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n' +
          `  <Error>${xmlElements({ Type: type, Code: err.code, Message: err.message, ...err.extra })}</Error>\n` +
          `  <RequestId>${xmlEscape(requestId)}</RequestId>\n` +
          '</ErrorResponse>\n',
      };
    }
  }
}

/** The AWS error for an unexpected exception (the caller logs the cause). */
export function internalError(protocol: WireProtocol): AwsError {
  if (protocol === 'rest-xml') return new AwsError('InternalError', 'We encountered an internal error. Please try again.', 500);
  // IoT's models name it InternalFailureException; the JSON 1.1 services InternalFailure.
  return new AwsError(protocol === 'rest-json' ? 'InternalFailureException' : 'InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500);
}

/** Turn anything thrown by a handler into an AwsError (unexpected exceptions become internal errors). */
export function toAwsError(e: unknown, protocol: WireProtocol): { error: AwsError; unexpected: boolean } {
  if (e instanceof AwsError) return { error: e, unexpected: false };
  if (e instanceof Error && e.name === 'AwsError' && typeof (e as { code?: unknown }).code === 'string') {
    const x = e as AwsError;
    return { error: new AwsError(x.code, x.message, x.status ?? 400, x.extra ?? {}), unexpected: false };
  }
  return { error: internalError(protocol), unexpected: true };
}

/** The authentication failures the core detects; each protocol names them differently. */
export type AuthFailure =
  | 'missing'
  | 'unknown-key'
  | 'invalid-token'
  | 'expired-token'
  | 'bad-signature'
  | 'skewed'
  | 'presign-expired'
  | 'malformed'
  | 'content-sha-mismatch';

const SIG_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const TOKEN_INVALID = 'The security token included in the request is invalid.';

type AuthTable = Record<AuthFailure, [code: string, status: number, message: string]>;

const JSON_AUTH: AuthTable = {
  missing: ['MissingAuthenticationTokenException', 400, 'Missing Authentication Token'],
  'unknown-key': ['UnrecognizedClientException', 400, TOKEN_INVALID],
  'invalid-token': ['UnrecognizedClientException', 400, TOKEN_INVALID],
  'expired-token': ['ExpiredTokenException', 400, 'The security token included in the request is expired'],
  'bad-signature': ['InvalidSignatureException', 400, SIG_MISMATCH],
  skewed: ['InvalidSignatureException', 400, 'Signature expired'],
  'presign-expired': ['InvalidSignatureException', 400, 'Signature expired'],
  malformed: ['IncompleteSignatureException', 400, 'The request signature is malformed'],
  'content-sha-mismatch': ['InvalidSignatureException', 400, SIG_MISMATCH],
};

const AUTH_ERRORS: Readonly<Record<WireProtocol, AuthTable>> = {
  json: JSON_AUTH,
  'rest-xml': {
    missing: ['AccessDenied', 403, 'Access Denied'],
    'unknown-key': ['InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.'],
    'invalid-token': ['InvalidToken', 400, 'The provided token is malformed or otherwise invalid.'],
    'expired-token': ['ExpiredToken', 400, 'The provided token has expired.'],
    'bad-signature': ['SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'],
    skewed: ['RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.'],
    'presign-expired': ['AccessDenied', 403, 'Request has expired'],
    malformed: ['AuthorizationHeaderMalformed', 400, 'The authorization header is malformed'],
    'content-sha-mismatch': ['XAmzContentSHA256Mismatch', 400, "The provided 'x-amz-content-sha256' header does not match what was computed."],
  },
  // REST-JSON services behind the AWS front end use the JSON names, all with status 403.
  'rest-json': Object.fromEntries(Object.entries(JSON_AUTH).map(([failure, [code, , message]]) => [failure, [code, 403, message]])) as AuthTable,
  query: {
    missing: ['MissingAuthenticationToken', 403, 'Request is missing Authentication Token'],
    'unknown-key': ['InvalidClientTokenId', 403, TOKEN_INVALID],
    'invalid-token': ['InvalidClientTokenId', 403, TOKEN_INVALID],
    'expired-token': ['ExpiredToken', 400, 'The security token included in the request is expired'],
    'bad-signature': ['SignatureDoesNotMatch', 403, SIG_MISMATCH],
    skewed: ['SignatureDoesNotMatch', 403, 'Signature expired'],
    'presign-expired': ['SignatureDoesNotMatch', 403, 'Signature expired'],
    malformed: ['IncompleteSignature', 400, 'The request signature is malformed'],
    'content-sha-mismatch': ['SignatureDoesNotMatch', 403, SIG_MISMATCH],
  },
};

/** The AwsError for an authentication failure; `detail` replaces the default message. */
export function authError(failure: AuthFailure, protocol: WireProtocol, detail?: string, extra: Record<string, string> = {}): AwsError {
  const [code, status, message] = AUTH_ERRORS[protocol][failure];
  return new AwsError(code, detail ?? message, status, extra);
}
