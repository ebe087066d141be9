// SDK errors become EdgeErrors here, once: an AWS_* code from the registry (which fixes `retryable`),
// `details.throttled`, and for support the AWS error name, HTTP status and request ids. Domain code
// and the pool never look at an SDK error shape again. Pure: also used by the test fakes, so a fake's
// failure carries exactly the code the real adapter would produce.
import { EdgeError, isEdgeError, type ErrorCode } from '../../shared/errors.js';
import { awsErrorName, classifyFailure } from '../../shared/retry.js';

export interface CallSite {
  readonly service: string;
  readonly operation: string;
}

const REJECTED = new Set([
  'InvalidClientTokenId',
  'InvalidAccessKeyId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'InvalidToken',
  'AuthFailure',
]);
const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedException',
  'ForbiddenException',
  'AuthorizationError',
]);
const NOT_FOUND = new Set(['NoSuchEntity', 'NoSuchKey', 'NoSuchBucket', 'NoSuchVersion', 'NoSuchUpload', 'NotFound', 'InstanceNotRegisteredException']);
const EXISTS = new Set(['EntityAlreadyExists', 'BucketAlreadyOwnedByYou', 'BucketAlreadyExists']);
const CONFLICT = new Set([
  'DeploymentNotStartedException',
  'DeploymentAlreadyCompletedException',
  'DeploymentIsNotInReadyStateException',
  'InvalidDeploymentStatusException',
  'DeleteConflict',
  'ConcurrentModification',
  'ConcurrentModificationException',
  'ConflictException',
  'ConflictingOperationInProgress',
  'InvalidStateTransitionException',
  'ResourceInUseException',
  'CertificateStateException',
  'DeleteConflictException',
]);
const PRECONDITION = new Set(['PreconditionFailed', 'ConditionalRequestConflict']);
const QUOTA = new Set(['LimitExceeded', 'LimitExceededException', 'ServiceQuotaExceededException', 'TooManyBuckets']);
const MISSING_CONFIG = new Set(['CredentialsProviderError', 'TokenProviderError']);

interface SdkShape {
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string; cfId?: string };
}

/** The registry code for an AWS error name and HTTP status (after throttling/transient/refresh are ruled out). */
export function codeForAwsName(name: string, status: number | undefined): ErrorCode {
  const base = name.replace(/Exception$/, '');
  if (REJECTED.has(name)) return 'AWS_CREDENTIALS_REJECTED';
  if (DENIED.has(name)) return 'AWS_ACCESS_DENIED';
  if (PRECONDITION.has(name) || status === 412) return 'AWS_PRECONDITION_FAILED';
  if (NOT_FOUND.has(name) || /(NotFound|DoesNotExist|NoSuch[A-Z]\w*)$/.test(base)) return 'AWS_NOT_FOUND';
  if (EXISTS.has(name) || /(AlreadyExists|AlreadyRegistered)$/.test(base)) return 'AWS_ALREADY_EXISTS';
  if (CONFLICT.has(name)) return 'AWS_CONFLICT';
  if (QUOTA.has(name) || /LimitExceeded$/.test(base)) return 'AWS_QUOTA_EXCEEDED';
  if (status === 403) return 'AWS_ACCESS_DENIED';
  if (status === 404) return 'AWS_NOT_FOUND';
  if (status === 409) return 'AWS_CONFLICT';
  return 'AWS_REQUEST_INVALID';
}

/** Maps anything an SDK call threw to an EdgeError (EdgeErrors pass through unchanged). */
export function toAwsEdgeError(e: unknown, site: CallSite): EdgeError {
  if (isEdgeError(e)) return e;
  const x = (typeof e === 'object' && e !== null ? e : {}) as SdkShape;
  const name = awsErrorName(e);
  const meta = x.$metadata ?? {};
  const status = typeof meta.httpStatusCode === 'number' ? meta.httpStatusCode : undefined;
  const raw = typeof x.message === 'string' && x.message !== '' ? x.message : String(e);
  const failure = classifyFailure(e);
  let code: ErrorCode;
  if (MISSING_CONFIG.has(name) || /Region is missing|Could not load credentials/i.test(raw)) code = 'CLI_AWS_CONFIG';
  else if (failure.kind === 'refresh') code = failure.refresh === 'clock' ? 'AWS_CLOCK_SKEW' : 'AWS_CREDENTIALS_EXPIRED';
  else if (failure.kind === 'throttled') code = 'AWS_THROTTLED';
  else if (failure.kind === 'transient') code = 'AWS_SERVICE_ERROR';
  else if (x.$metadata === undefined && x.$fault === undefined && !/Exception$|^NoSuch/.test(name)) code = 'INTERNAL';
  else code = codeForAwsName(name, status);
  const details: Record<string, unknown> = {
    service: site.service,
    operation: site.operation,
    awsName: name,
    throttled: failure.kind === 'throttled',
    ...(status !== undefined ? { httpStatus: status } : {}),
    ...(meta.requestId ? { requestId: meta.requestId } : {}),
    ...(meta.extendedRequestId ? { extendedRequestId: meta.extendedRequestId } : {}),
  };
  return new EdgeError(code, `${site.service} ${site.operation} failed: ${name}: ${raw}`, { cause: e, details });
}

/** Runs one SDK call and maps its failure. */
export async function sdkCall<T>(site: CallSite, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw toAwsEdgeError(e, site);
  }
}
