// How the S3 bundle download treats each failure, and the words it uses for it.
//   transient: retry (resume with a Range request when bytes were kept) — dropped connections,
//              timeouts, unable to connect, 5xx, throttling, expired session, skewed clock
//              (shared/retry.ts classifies the service errors);
//   changed:   the object changed under a resumed download (412 on If-Match) — restart from byte 0;
//   corrupt:   the bytes cannot be trusted (checksum / MD5 / size / Content-Range) — restart from 0;
//   fatal:     retrying cannot help (no such key/bucket/version, access denied, disk errors).
import { classifyFailure } from '../../shared/retry.js';
import { describeLocation, type S3Location } from './s3-download-helpers.js';

export type FailureKind = 'transient' | 'changed' | 'corrupt' | 'fatal';

export interface Classified {
  readonly kind: FailureKind;
  /** What failed, e.g. "the connection was reset (ECONNRESET)". */
  readonly reason: string;
  /** What to check, a full sentence. */
  readonly hint: string;
  /** The official agent appends ". Try using s3 endpoint override." to these. */
  readonly unableToConnect: boolean;
  readonly name: string;
  readonly httpStatus: number | undefined;
}

/** A write to the partial file failed (disk full, permissions): never retried. */
export class BundleWriteError extends Error {
  constructor(path: string, cause: unknown) {
    super(`could not write ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'BundleWriteError';
  }
}

/** The received bytes do not add up (size, Content-Range, MD5): start again from byte 0. */
export class BundleIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleIntegrityError';
  }
}

/** The response body ended cleanly but short of Content-Length, or stalled past the read timeout. */
export class BundleStreamError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = 'BundleStreamError';
  }
}

export interface ClassifyContext extends S3Location {
  readonly region: string;
  /** host[:port] the client connects to, for "unable to connect to <host>". */
  readonly endpointHost: string;
  /** Whether the failed request was a resumed (Range + If-Match) request. */
  readonly resumed: boolean;
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENETDOWN']);
const DROP_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET', 'ETIMEDOUT', 'EREADTIMEOUT', 'ESHORTBODY']);
const CREDENTIAL_NAMES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'InvalidSecurity', 'CredentialsProviderError', 'AuthorizationHeaderMalformed']);

interface ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function shapeOf(e: unknown): ErrorShape {
  return typeof e === 'object' && e !== null ? (e as ErrorShape) : { message: String(e) };
}

export function classifyS3Failure(e: unknown, ctx: ClassifyContext): Classified {
  const err = shapeOf(e);
  const name = err.name ?? 'Error';
  const code = typeof err.code === 'string' ? err.code : undefined;
  const message = err.message ?? String(e);
  const status = err.$metadata?.httpStatusCode;
  const result = (kind: FailureKind, reason: string, hint: string, unableToConnect = false): Classified => ({ kind, reason, hint, unableToConnect, name: code ?? name, httpStatus: status });
  const network = 'Check the network connection to S3 (and the proxy) from this device.';

  if (e instanceof BundleWriteError) return result('fatal', message, 'Check free space (df -h) and permissions of the deployment root.');
  if (e instanceof BundleIntegrityError) return result('corrupt', message, 'The bytes received did not match the object; check for a proxy that alters downloads.');
  if (/^Checksum mismatch/.test(message)) return result('corrupt', `the checksum did not match (${message})`, 'The bytes received did not match the object; check for a proxy that alters downloads.');
  if ((code && CONNECT_CODES.has(code)) || /^connect E[A-Z]+/.test(message)) return result('transient', `unable to connect to ${ctx.endpointHost} (${message})`, network, true);
  if (name === 'TimeoutError' && /connection|connect/i.test(message) && !/inactivity/.test(message)) {
    return result('transient', `unable to connect to ${ctx.endpointHost} (${message})`, network, true);
  }
  if (name === 'TimeoutError' || code === 'EREADTIMEOUT') return result('transient', `the download stalled (${message})`, network);
  if ((code && DROP_CODES.has(code)) || /aborted|socket hang up|premature close|Connection lost|other side closed/i.test(message)) {
    return result('transient', `the connection was dropped (${code ? `${code}: ` : ''}${message})`, network);
  }
  if (status === undefined) {
    if (CREDENTIAL_NAMES.has(name)) return result('fatal', `no usable credentials (${message})`, 'Check the on-premises credentials of the agent.');
    return result('transient', `${name}: ${message}`, network);
  }
  const what = `${name} (HTTP ${status}): ${message}`;
  if (status === 412) {
    return ctx.resumed
      ? result('changed', `the object changed while it was being downloaded (${what})`, 'Do not overwrite a revision while it is being deployed.')
      : result('fatal', what, 'Check the revision\'s ETag.');
  }
  if (status === 416) return result('corrupt', `the resumed range was refused (${what})`, 'The object may have changed while it was being downloaded.');
  // The shared classifier: throttled and unavailable are retried; so are an expired session and a
  // skewed clock (not throttling: the retry fetches fresh credentials / signs with the server's time).
  const failure = classifyFailure(e);
  if (failure.kind !== 'fatal') {
    const hint =
      failure.refresh === 'clock'
        ? 'Check the device clock (NTP).'
        : failure.refresh === 'credentials'
          ? 'The session credentials had expired; fresh ones are fetched for the retry.'
          : 'S3 was unavailable or throttled the download; it is retried with back-off.';
    return result('transient', what, hint);
  }
  const where = describeLocation(ctx);
  if (name === 'NoSuchKey' || (status === 404 && name !== 'NoSuchBucket' && name !== 'NoSuchVersion')) {
    return result('fatal', `the object does not exist (${what})`, `Check the bucket and key of the revision (${where}).`);
  }
  if (name === 'NoSuchBucket') return result('fatal', `the bucket does not exist (${what})`, `Check the bucket name "${ctx.bucket}" and that it is in ${ctx.region}.`);
  if (name === 'NoSuchVersion' || (ctx.version && name === 'InvalidArgument')) {
    return result('fatal', `the version does not exist (${what})`, `Check the version of the revision (${where}).`);
  }
  if (CREDENTIAL_NAMES.has(name)) return result('fatal', `the credentials were rejected (${what})`, 'Check the on-premises credentials of the agent and the device clock.');
  if (status === 403 || name === 'AccessDenied') {
    const actions = ctx.version ? 's3:GetObject and s3:GetObjectVersion' : 's3:GetObject';
    return result('fatal', `access was denied (${what})`, `Check that the agent's credentials allow ${actions} on arn:aws:s3:::${ctx.bucket}/${ctx.key}.`);
  }
  if (status === 301 || name === 'PermanentRedirect') return result('fatal', `the bucket is not in ${ctx.region} (${what})`, 'Set the region of the bucket, or s3_endpoint_override.');
  return result('fatal', what, `Check the revision ${where}.`);
}
