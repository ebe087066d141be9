// DownloadBundle from S3 (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/command_executor.rb): the RemoteBundleFetcher for 'S3' revisions.
//
// - GetObject (VersionId when the spec pins one). The response headers are checked before any byte
//   is written: the spec's ETag against the object's, both with every `"` removed, as the official
//   agent does; a mismatch fails at once with its message (BUNDLE_ETAG_MISMATCH). (The official agent
//   checks after the download; checking first never downloads the wrong object.) No HeadObject: the
//   ETag and size come from the very response whose bytes are stored, one round trip less.
// - The body streams to `<destination>.part` (offset and MD5 advance per completed write), which is
//   fsynced and renamed to `destination` at the end; on any failure or abort the partial file is
//   removed. A download always starts from byte 0: a .part left by a crash is overwritten.
// - A dropped connection (reset, premature close, read timeout) is resumed with
//   `Range: bytes=<written>-` and `If-Match: <ETag of the first response>`. A 412 means the object
//   under the key changed in between: the bytes of the old object are discarded and the download
//   restarts from 0 (where the spec's ETag check runs again, so a pinned ETag then fails clearly
//   with BUNDLE_ETAG_MISMATCH; an unpinned key yields the whole new object, never a mix of two).
// - Every GET counts as one attempt, at most `maxAttempts` (5) in all, resumed or not; between them
//   an exponential back-off with jitter. The SDK's own retries are off (maxAttempts 1) so the bound
//   is exactly ours. Not-found, access-denied and disk errors fail at once.
// - Never a hang: connect timeout and socket idle timeout on the SDK's NodeHttpHandler, plus our own
//   idle timer on the body.
// - Integrity: the final size must equal the object's Content-Length. A fresh, uninterrupted GET
//   lets the SDK validate the object's full-object checksum (ChecksumMode ENABLED on whole-object
//   GETs only, responseChecksumValidation WHEN_REQUIRED: S3 sends no checksum for ranges, and the
//   SDK skips composite `-N` multipart checksums); a mismatch restarts from 0. Because a resumed
//   download cannot use that, the MD5 of all the bytes written (computed as they are written) is
//   compared with the ETag whenever the ETag is a plain MD5: no `-N` multipart suffix and no SSE-KMS /
//   SSE-C encryption (whose ETags are not MD5s). A mismatch discards the file and restarts from 0.
// - Every failure is an EdgeError BUNDLE_DOWNLOAD_FAILED saying what failed and what to check;
//   "unable to connect" failures end with ". Try using s3 endpoint override." like the official agent.
// - The SDK is imported on the first download only: it costs ~22 MB RSS the idle daemon does not need.
import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as S3Sdk from '../vendor/client-s3.js';
import type { GetObjectCommandOutput, S3ClientConfig } from '@aws-sdk/client-s3';
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import { syncDirectory } from '../../shared/fs-atomic.js';
import { silentLogger, type Logger } from '../../shared/log.js';
import type { Revision } from '../deployment/deployment-spec.js';
import type { RemoteBundleFetcher } from './download-bundle.js';
import { copyBodyToFile, type PartialFile } from './s3-body-writer.js';
import { BundleIntegrityError, BundleWriteError, classifyS3Failure, type Classified } from './s3-download-errors.js';
import { backoffDelayMs, describeLocation, etagsMatch, formatBytes, md5Verifiable, normalizeEtag, parseContentRange, resumeRange } from './s3-download-helpers.js';

export type S3Credentials = NonNullable<S3ClientConfig['credentials']>;

export interface S3BundleFetcherDeps {
  readonly region: string;
  readonly credentials: S3Credentials;
  /** `s3_endpoint_override`. */
  readonly endpoint?: string | undefined;
  readonly forcePathStyle?: boolean | undefined;
  /** GET requests in all, fresh or resumed (default 5). */
  readonly maxAttempts?: number | undefined;
  /** First back-off (default 500 ms); doubles per retry, with jitter. */
  readonly retryBaseMs?: number | undefined;
  /** Longest back-off (default 20 s). */
  readonly retryMaxMs?: number | undefined;
  /** TCP/TLS connect timeout (default 10 s). */
  readonly connectTimeoutMs?: number | undefined;
  /** Longest silence on a connection, headers or body (default 30 s). */
  readonly readTimeoutMs?: number | undefined;
  readonly log?: Logger | undefined;
  /** Jitter source, [0, 1); tests pin it. */
  readonly random?: (() => number) | undefined;
}

type S3Module = typeof S3Sdk;
type S3Revision = Extract<Revision, { type: 'S3' }>;

/** What the first response said about the object; resumed requests must match it. */
interface ObjectInfo {
  readonly etag: string;
  readonly size: number;
  readonly md5Check: boolean;
}

export function createS3BundleFetcher(deps: S3BundleFetcherDeps): RemoteBundleFetcher {
  const settings = {
    maxAttempts: Math.max(1, deps.maxAttempts ?? 5),
    backoff: { baseMs: deps.retryBaseMs ?? 500, maxMs: deps.retryMaxMs ?? 20_000 },
    connectTimeoutMs: deps.connectTimeoutMs ?? 10_000,
    readTimeoutMs: deps.readTimeoutMs ?? 30_000,
  };
  const log = deps.log ?? silentLogger();
  const random = deps.random ?? Math.random;
  const endpointHost = endpointHostOf(deps);
  let sdk: Promise<S3Module> | undefined;

  return async (revision, destination, signal) => {
    if (revision.type !== 'S3') throw new EdgeError('SPEC_INVALID', `The S3 bundle fetcher cannot download ${revision.type} revisions.`);
    signal?.throwIfAborted();
    const partPath = `${destination}.part`;
    let client: InstanceType<S3Module['S3Client']> | undefined;
    let file: FileHandle | undefined;
    const started = Date.now();
    try {
      const { S3Client, GetObjectCommand } = await (sdk ??= import('../vendor/client-s3.js'));
      client = new S3Client({
        region: deps.region,
        credentials: deps.credentials,
        ...(deps.endpoint ? { endpoint: deps.endpoint } : {}),
        forcePathStyle: deps.forcePathStyle ?? false,
        maxAttempts: 1,
        // Validate response checksums only when we ask (whole-object GETs): ranges carry none.
        responseChecksumValidation: 'WHEN_REQUIRED',
        requestHandler: { connectionTimeout: settings.connectTimeoutMs, socketTimeout: settings.readTimeoutMs },
      });
      const s3 = client;
      const get: Get = (input) =>
        s3.send(
          new GetObjectCommand({
            Bucket: revision.bucket,
            Key: revision.key,
            ...(revision.version ? { VersionId: revision.version } : {}),
            ...(input.range ? { Range: input.range } : {}),
            ...(input.ifMatch ? { IfMatch: input.ifMatch } : {}),
            ...(input.range ? {} : { ChecksumMode: 'ENABLED' as const }),
          }),
          signal ? { abortSignal: signal } : {},
        );
      log.info({ bucket: revision.bucket, key: revision.key, version: revision.version, etag: revision.etag }, 'downloading the bundle from S3');
      await mkdir(dirname(destination), { recursive: true }).catch((e: unknown) => {
        throw new BundleWriteError(dirname(destination), e);
      });
      file = await open(partPath, 'w', 0o644).catch((e: unknown) => {
        throw new BundleWriteError(partPath, e);
      });
      const sink: PartialFile = { file, path: partPath, position: 0, md5: createHash('md5') };
      const { attempts, object } = await downloadWithRetries(revision, sink, get, { ...settings, log, random, endpointHost, region: deps.region, signal });
      const handle = file;
      file = undefined;
      await finish(handle, partPath, destination);
      log.info({ bytes: object.size, attempts, ms: Date.now() - started, etag: object.etag }, `downloaded ${describeLocation(revision)}`);
    } catch (e) {
      await file?.close().catch(() => undefined);
      await rm(partPath, { force: true }).catch(() => undefined);
      if (signal?.aborted) throw signal.reason;
      if (isEdgeError(e)) throw e;
      throw downloadFailed(revision, classifyS3Failure(e, { ...revision, region: deps.region, endpointHost, resumed: false }), 1, 0, undefined, e);
    } finally {
      client?.destroy();
    }
  };
}

function endpointHostOf(deps: S3BundleFetcherDeps): string {
  if (!deps.endpoint) return `s3.${deps.region}.amazonaws.com`;
  try {
    return new URL(deps.endpoint).host;
  } catch (e) {
    throw new EdgeError('CONFIG_INVALID', `s3_endpoint_override is not a URL: ${deps.endpoint}`, { cause: e });
  }
}

/** fsync, close, rename into place, fsync the folder. */
async function finish(file: FileHandle, partPath: string, destination: string): Promise<void> {
  try {
    try {
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(partPath, destination);
  } catch (e) {
    throw new BundleWriteError(destination, e);
  }
  syncDirectory(dirname(destination));
}

interface RetryContext {
  readonly maxAttempts: number;
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  readonly readTimeoutMs: number;
  readonly log: Logger;
  readonly random: () => number;
  readonly endpointHost: string;
  readonly region: string;
  readonly signal?: AbortSignal | undefined;
}

/** A GetObject: fresh (no range: full-object checksum validated by the SDK) or resumed. */
type Get = (input: { range?: string | undefined; ifMatch?: string | undefined }) => Promise<GetObjectCommandOutput>;

async function downloadWithRetries(revision: S3Revision, sink: PartialFile, get: Get, ctx: RetryContext): Promise<{ attempts: number; object: ObjectInfo }> {
  const state: DownloadState = { object: undefined };
  for (let attempt = 1; ; attempt++) {
    const resumed = state.object !== undefined && sink.position > 0;
    try {
      const object = await fetchOnce(revision, sink, get, state, ctx);
      verifyComplete(sink, object);
      return { attempts: attempt, object };
    } catch (e) {
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      if (isEdgeError(e)) throw e;
      const failure = classifyS3Failure(e, { ...revision, region: ctx.region, endpointHost: ctx.endpointHost, resumed });
      if (failure.kind === 'fatal' || attempt >= ctx.maxAttempts) throw downloadFailed(revision, failure, attempt, sink.position, state.object, e);
      if (failure.kind === 'changed' || failure.kind === 'corrupt') {
        await restartFromZero(sink);
        state.object = undefined;
      }
      const delayMs = backoffDelayMs(attempt, ctx.backoff, ctx.random);
      ctx.log.warn({ attempt, of: ctx.maxAttempts, kind: failure.kind, error: failure.reason, resumeAt: sink.position, delayMs }, 'S3 download interrupted; retrying');
      await sleep(delayMs, undefined, ctx.signal ? { signal: ctx.signal } : {}).catch((err: unknown) => {
        throw ctx.signal?.aborted ? ctx.signal.reason : err;
      });
    }
  }
}

interface DownloadState {
  /** Set once a fresh response's headers passed the checks; resumed requests must match it. */
  object: ObjectInfo | undefined;
}

/** One GET: fresh (object unknown) or resumed at `sink.position`; returns the object it completed. */
async function fetchOnce(revision: S3Revision, sink: PartialFile, get: Get, state: DownloadState, ctx: RetryContext): Promise<ObjectInfo> {
  const known = sink.position > 0 ? state.object : undefined;
  if (!known) {
    if (sink.position > 0) await restartFromZero(sink);
    state.object = undefined;
  }
  const out = await get({ range: known ? resumeRange(sink.position) : undefined, ifMatch: known?.etag });
  const body = out.Body;
  try {
    if (!(body instanceof Readable)) throw new BundleIntegrityError('the response has no readable body');
    const etag = out.ETag ?? '';
    let object: ObjectInfo;
    if (known) {
      const range = parseContentRange(out.ContentRange);
      if (!range || range.start !== sink.position || range.end !== known.size - 1 || (range.total !== undefined && range.total !== known.size) || normalizeEtag(etag) !== normalizeEtag(known.etag)) {
        throw new BundleIntegrityError(`the resumed response does not continue the download (Content-Range ${out.ContentRange ?? 'missing'}, ETag ${etag})`);
      }
      object = known;
    } else {
      if (revision.etag !== undefined && !etagsMatch(revision.etag, etag)) {
        throw new EdgeError('BUNDLE_ETAG_MISMATCH', `Expected deployment artifact bundle etag ${revision.etag} but was actually ${etag}`, {
          details: { bucket: revision.bucket, key: revision.key, version: revision.version, expected: revision.etag, actual: etag },
        });
      }
      if (out.ContentLength === undefined) throw new BundleIntegrityError('the response has no Content-Length');
      object = { etag, size: out.ContentLength, md5Check: md5Verifiable(etag, out.ServerSideEncryption, out.SSECustomerAlgorithm) };
      state.object = object;
    }
    await copyBodyToFile(body, sink, { idleMs: ctx.readTimeoutMs, expectedBytes: object.size - sink.position, signal: ctx.signal });
    return object;
  } catch (e) {
    if (body instanceof Readable && !body.destroyed) body.destroy();
    throw e;
  }
}

function verifyComplete(sink: PartialFile, object: ObjectInfo): void {
  if (sink.position !== object.size) throw new BundleIntegrityError(`received ${sink.position} bytes but the object has ${object.size}`);
  if (object.md5Check) {
    const md5 = sink.md5.copy().digest('hex');
    if (md5 !== normalizeEtag(object.etag).toLowerCase()) throw new BundleIntegrityError(`the MD5 of the downloaded bytes (${md5}) does not match the ETag ${object.etag}`);
  }
}

async function restartFromZero(sink: PartialFile): Promise<void> {
  await sink.file.truncate(0);
  sink.position = 0;
  sink.md5 = createHash('md5');
}

function downloadFailed(revision: S3Revision, failure: Classified, attempts: number, written: number, object: ObjectInfo | undefined, cause: unknown): EdgeError {
  const tried = attempts > 1 ? ` after ${attempts} attempts` : '';
  const progress = object && written > 0 ? ` (${formatBytes(written)} of ${formatBytes(object.size)} received)` : '';
  const tail = failure.unableToConnect ? `${failure.hint} Try using s3 endpoint override.` : failure.hint;
  return new EdgeError('BUNDLE_DOWNLOAD_FAILED', `Could not download the revision ${describeLocation(revision)}${tried}${progress}: ${failure.reason}. ${tail}`, {
    cause,
    details: { bucket: revision.bucket, key: revision.key, version: revision.version, attempts, bytesReceived: written, size: object?.size, error: failure.name, httpStatus: failure.httpStatus },
  });
}
