// CopyObject and UploadPartCopy, across buckets and accounts, with the caller's credentials on
// both sides: s3:GetObject (and kms:Decrypt for an SSE-KMS source) on the source, s3:PutObject
// (checked by the router) and the destination's encryption (kms:GenerateDataKey) on the target.
import { createHash } from 'node:crypto';
import type { SandboxResponse } from '../types.js';
import { AwsError } from '../types.js';
import { checksumMember, checksumOf } from './checksums.js';
import { checkWriteConditions } from './conditions.js';
import { storePart, partNumberOf, requireUpload } from './multipart.js';
import { attributesFromRequest } from './object-headers.js';
import { commitVersion, findVersion } from './object-versions.js';
import { readBlob } from './objects.js';
import { authorizeS3 } from './s3-access.js';
import type { S3Call } from './s3-call.js';
import { validateKey } from './s3-call.js';
import type { BucketState, ObjectVersion } from './s3-state.js';
import { currentObject, latestVersion, requireBucketEntry } from './s3-state.js';
import { checkRead, protectWrite, sseHeaders } from './sse.js';
import { el, xmlResponse } from './xml.js';

interface CopySource {
  readonly bucket: BucketState;
  readonly bucketName: string;
  readonly key: string;
  readonly version: ObjectVersion;
  readonly data: Buffer;
  readonly versionHeader: Record<string, string>;
}

const badSource = (value: string): AwsError =>
  new AwsError('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 400, { ArgumentName: 'x-amz-copy-source', ArgumentValue: value });

/** x-amz-copy-source: [/]bucket/key[?versionId=…], URL-encoded. */
function parseCopySource(raw: string): { bucketName: string; key: string; versionId?: string } {
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const versionId = q < 0 ? undefined : (new URLSearchParams(raw.slice(q + 1)).get('versionId') ?? undefined);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.replace(/^\//, ''));
  } catch {
    throw badSource(raw);
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) throw badSource(raw);
  return { bucketName: decoded.slice(0, slash), key: decoded.slice(slash + 1), ...(versionId !== undefined ? { versionId } : {}) };
}

function checkCopyConditions(headers: Readonly<Record<string, string>>, version: ObjectVersion): void {
  const bare = (e: string): string => e.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
  const fail = (): AwsError => new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: 'x-amz-copy-source-If-Match' });
  const ifMatch = headers['x-amz-copy-source-if-match'];
  if (ifMatch !== undefined && !ifMatch.split(',').some((e) => bare(e) === '*' || bare(e) === bare(version.etag))) throw fail();
  const ifNone = headers['x-amz-copy-source-if-none-match'];
  if (ifNone !== undefined && ifNone.split(',').some((e) => bare(e) === '*' || bare(e) === bare(version.etag))) throw fail();
}

/** The source object, read with the caller's permissions (bucket policy, then KMS). */
async function readSource(call: S3Call): Promise<CopySource> {
  const raw = call.req.headers['x-amz-copy-source'] ?? '';
  const src = parseCopySource(raw);
  const { bucket } = requireBucketEntry(call.deps.store, src.bucketName);
  authorizeS3(call.deps.store, call.req.principal, src.bucketName, { action: src.versionId ? 's3:GetObjectVersion' : 's3:GetObject', key: src.key });
  const version = src.versionId !== undefined ? findVersion(bucket, src.key, src.versionId) : latestVersion(bucket, src.key);
  if (!version && src.versionId !== undefined) throw new AwsError('NoSuchVersion', 'The specified version does not exist.', 404, { Key: src.key, VersionId: src.versionId });
  if (!version || version.deleteMarker) throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404, { Key: src.key });
  checkRead(call.deps, call.req.principal, src.bucketName, src.key, version.sse);
  checkCopyConditions(call.req.headers, version);
  const data = await readBlob({ ...call, key: src.key }, version);
  const shown = bucket.versioning !== undefined || version.versionId !== 'null';
  return { bucket, bucketName: src.bucketName, key: src.key, version, data, versionHeader: shown ? { 'x-amz-copy-source-version-id': version.versionId } : {} };
}

export async function copyObject(call: S3Call): Promise<SandboxResponse> {
  const { deps, req, key } = call;
  validateKey(key);
  const source = await readSource(call);
  const { bucket: target, accountId: owner } = requireBucketEntry(deps.store, call.bucketName);
  const directive = req.headers['x-amz-metadata-directive'] ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') throw new AwsError('InvalidArgument', 'Unknown metadata directive.', 400, { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: directive });
  const changesSomething = directive === 'REPLACE' || req.headers['x-amz-server-side-encryption'] !== undefined || req.headers['x-amz-storage-class'] !== undefined;
  if (source.bucket === target && source.key === key && !changesSomething && source.version === currentObject(target, key)) {
    throw new AwsError('InvalidRequest', "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
  }
  const protection = protectWrite(deps, req.principal, target, owner, key, req.headers);
  const v = source.version;
  const attributes = directive === 'REPLACE'
    ? attributesFromRequest(req.headers)
    : { ...(v.contentType !== undefined ? { contentType: v.contentType } : {}), headers: v.headers, metadata: v.metadata, ...(v.storageClass ? { storageClass: v.storageClass } : {}) };
  const storageClass = req.headers['x-amz-storage-class'];
  const etag = `"${createHash('md5').update(source.data).digest('hex')}"`;
  const checksum = { algorithm: 'CRC64NVME' as const, value: checksumOf('CRC64NVME', source.data), type: 'FULL_OBJECT' as const };
  const { version, released, versioned } = await deps.blobs.write(source.data, (blobId) => {
    const { bucket: now } = requireBucketEntry(deps.store, call.bucketName);
    checkWriteConditions(req.headers, currentObject(now, key), key);
    const committed = commitVersion(now, key, {
      deleteMarker: false,
      lastModified: deps.clock.now().toISOString(),
      blobId,
      size: source.data.length,
      etag,
      checksum,
      ...attributes,
      ...(storageClass !== undefined && storageClass !== 'STANDARD' ? { storageClass } : {}),
      ...protection,
    });
    deps.store.changed();
    return { ...committed, versioned: now.versioning === 'Enabled' };
  });
  await deps.blobs.release(released);
  return xmlResponse(
    'CopyObjectResult',
    [el('ETag', version.etag), el('LastModified', version.lastModified), el(checksumMember(checksum.algorithm), checksum.value), el('ChecksumType', checksum.type)],
    { ...sseHeaders(protection.sse), ...source.versionHeader, ...(versioned ? { 'x-amz-version-id': version.versionId } : {}) },
  );
}

/** x-amz-copy-source-range: bytes=first-last, inside the source. */
function copyRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) >= size) {
    throw new AwsError('InvalidArgument', `Range specified is not valid for source object of size: ${size}`, 400, { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: header });
  }
  return { start: Number(m[1]), end: Number(m[2]) };
}

export async function uploadPartCopy(call: S3Call): Promise<SandboxResponse> {
  const { deps, req, key } = call;
  const uploadId = req.query.get('uploadId') ?? '';
  const partNumber = partNumberOf(call);
  const upload = requireUpload(requireBucketEntry(deps.store, call.bucketName).bucket, key, uploadId);
  const source = await readSource(call);
  const range = copyRange(req.headers['x-amz-copy-source-range'], source.data.length);
  const data = range ? source.data.subarray(range.start, range.end + 1) : source.data;
  const algorithm = upload.checksumAlgorithm;
  const checksum = algorithm ? checksumOf(algorithm, data) : undefined;
  const stored = await storePart(call, uploadId, partNumber, data, `"${createHash('md5').update(data).digest('hex')}"`, checksum);
  return xmlResponse(
    'CopyPartResult',
    [el('ETag', stored.etag), el('LastModified', stored.lastModified), algorithm && checksum !== undefined ? el(checksumMember(algorithm), checksum) : ''],
    { ...sseHeaders(upload.sse), ...source.versionHeader },
  );
}
