// How the limiter sees a request on the wire: the operation it calls, and the errors each service
// answers a throttled request or an injected server failure with (as AWS does).
import { internalError, protocolOf } from '../protocol-errors.js';
import { AwsError } from '../types.js';

/**
 * The operation name: from X-Amz-Target for JSON services (`CodeDeploy_20141006.ListApplications`
 * → ListApplications), from Action for query services (STS, IAM; query string or form body).
 * REST services (S3, IoT) count as one operation, `*`.
 */
export function operationOf(service: string, headers: Readonly<Record<string, string>>, query: URLSearchParams, body: Buffer): string {
  const protocol = protocolOf(service);
  const target = headers['x-amz-target'];
  if (protocol === 'json' && target) return target.slice(target.lastIndexOf('.') + 1) || '*';
  if (protocol === 'query') {
    const fromQuery = query.get('Action');
    if (fromQuery) return fromQuery;
    const type = headers['content-type'] ?? 'application/x-www-form-urlencoded';
    if (body.length > 0 && type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(body.toString('utf8')).get('Action') ?? '*';
  }
  return '*';
}

const RATE_EXCEEDED = 'Rate exceeded';

/** The throttling error of a service: what the SDKs' retry strategies recognise. */
export function throttleError(service: string): AwsError {
  if (service === 's3') return new AwsError('SlowDown', 'Please reduce your request rate.', 503);
  if (service === 'iot' || service === 'iotdata') return new AwsError('ThrottlingException', RATE_EXCEEDED, 429);
  if (protocolOf(service) === 'query') return new AwsError('Throttling', RATE_EXCEEDED, 400);
  return new AwsError('ThrottlingException', RATE_EXCEEDED, 400);
}

/**
 * The retryable server error (5xx) of a service, as its protocol renders an internal failure:
 * S3 `InternalError` 500, query services and JSON 1.1 `InternalFailure` 500, IoT `InternalFailureException` 500.
 */
export function serverError(service: string): AwsError {
  return internalError(protocolOf(service));
}
