// PutObject, GetObject / HeadObject (ranges, part numbers, conditions) and DeleteObject.
import type { SandboxResponse } from '../types.js';
import { AwsError } from '../types.js';
import { isMissingBlob } from './blob-keeper.js';
import type { StoredChecksum } from './checksums.js';
import { checksumHeader, checksumOf } from './checksums.js';
import { checkReadConditions, checkWriteConditions } from './conditions.js';
import { attributesFromRequest, objectHeaders, versionIdHeader } from './object-headers.js';
import { commitVersion, deleteVersion, findVersion } from './object-versions.js';
import type { ByteRange } from './range.js';
import { parseRange } from './range.js';
import { readPayload } from './request-payload.js';
import type { S3Call } from './s3-call.js';
import { queryInt, validateKey } from './s3-call.js';
import type { BucketState, ObjectVersion } from './s3-state.js';
import { currentObject, latestVersion, requireBucket, requireBucketEntry } from './s3-state.js';
import { checkRead, protectWrite, sseHeaders } from './sse.js';

export async function putObject(call: S3Call): Promise<SandboxResponse> {
  const { deps, req, bucketName, key } = call;
  const owned = requireBucketEntry(deps.store, bucketName);
  validateKey(key);
  const payload = readPayload(req);
  const attributes = attributesFromRequest(payload.headers);
  const protection = protectWrite(deps, req.principal, owned.bucket, owned.accountId, key, payload.headers);
  const checkConditions = (bucket: BucketState): void => checkWriteConditions(payload.headers, currentObject(bucket, key), key);
  checkConditions(requireBucket(deps.store, req.principal, bucketName));
  // Objects uploaded without a checksum get a CRC64NVME one, as S3 does since 2025.
  const checksum: StoredChecksum = payload.checksum
    ? { ...payload.checksum, type: 'FULL_OBJECT' }
    : { algorithm: 'CRC64NVME', value: checksumOf('CRC64NVME', payload.data), type: 'FULL_OBJECT' };
  const { bucket, version, released } = await deps.blobs.write(payload.data, (blobId) => {
    // The bucket or the key may have changed while the blob was written.
    const target = requireBucket(deps.store, req.principal, bucketName);
    checkConditions(target);
    const committed = commitVersion(target, key, {
      deleteMarker: false,
      lastModified: deps.clock.now().toISOString(),
      blobId,
      size: payload.data.length,
      etag: `"${payload.md5.toString('hex')}"`,
      checksum,
      ...attributes,
      ...protection,
    });
    deps.store.changed();
    return { bucket: target, ...committed };
  });
  await deps.blobs.release(released);
  return {
    status: 200,
    headers: {
      etag: version.etag,
      ...sseHeaders(protection.sse),
      [checksumHeader(checksum.algorithm)]: checksum.value,
      'x-amz-checksum-type': checksum.type,
      ...(bucket.versioning === 'Enabled' ? { 'x-amz-version-id': version.versionId } : {}),
    },
  };
}

/** The version a GET/HEAD/DELETE addresses: ?versionId or the current one. */
export function addressedVersion(call: S3Call, bucket: BucketState): ObjectVersion {
  const versionId = call.req.query.get('versionId');
  if (versionId !== null) {
    const version = findVersion(bucket, call.key, versionId);
    if (!version) throw new AwsError('NoSuchVersion', 'The specified version does not exist.', 404, { Key: call.key, VersionId: versionId });
    if (version.deleteMarker) throw new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, { Method: call.req.method, ResourceType: 'DeleteMarker' });
    return version;
  }
  const latest = latestVersion(bucket, call.key);
  if (!latest || latest.deleteMarker) throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404, { Key: call.key });
  return latest;
}

/** Byte range of ?partNumber=N: a part of a multipart object, or part 1 = the whole object. */
function partRange(version: ObjectVersion, partNumber: number): ByteRange {
  const sizes = version.partSizes ?? [version.size];
  if (partNumber > sizes.length) throw new AwsError('InvalidPartNumber', 'The requested partnumber is not satisfiable', 416, { PartNumberRequested: String(partNumber), ActualPartCount: String(sizes.length) });
  const start = sizes.slice(0, partNumber - 1).reduce((a, b) => a + b, 0);
  return { start, end: start + sizes[partNumber - 1]! - 1 };
}

export async function getObject(call: S3Call, head: boolean): Promise<SandboxResponse> {
  const { deps, req } = call;
  const bucket = requireBucket(deps.store, req.principal, call.bucketName);
  const version = addressedVersion(call, bucket);
  checkRead(deps, req.principal, call.bucketName, call.key, version.sse);
  if (checkReadConditions(req.headers, version) === 'not-modified') {
    return { status: 304, headers: { etag: version.etag, 'last-modified': new Date(version.lastModified).toUTCString(), ...versionIdHeader(bucket, version) } };
  }
  const partParam = req.query.get('partNumber');
  if (partParam !== null && req.headers['range'] !== undefined) throw new AwsError('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter');
  const partNumber = partParam === null ? undefined : queryInt(req.query, 'partNumber', 1, 1, 10000, 'Part number must be an integer between 1 and 10000, inclusive');
  const range = partNumber !== undefined ? (version.size === 0 ? undefined : partRange(version, partNumber)) : parseRange(req.headers['range'], version.size);
  const whole = range === undefined;
  const headers = objectHeaders(bucket, version, req.query, whole && (req.headers['x-amz-checksum-mode'] ?? '').toUpperCase() === 'ENABLED');
  if (partNumber !== undefined && version.partSizes) headers['x-amz-mp-parts-count'] = String(version.partSizes.length);
  const length = whole ? version.size : range.end - range.start + 1;
  headers['content-length'] = String(length);
  if (!whole) headers['content-range'] = `bytes ${range.start}-${range.end}/${version.size}`;
  const status = whole && partNumber === undefined ? 200 : 206;
  if (head) return { status, headers };
  const data = await readBlob(call, version);
  return { status, headers, body: whole ? data : data.subarray(range.start, range.end + 1) };
}

/** The object's bytes; an object deleted while being read is gone, as S3 would say a moment later. */
export async function readBlob(call: S3Call, version: ObjectVersion): Promise<Buffer> {
  if (version.blobId === undefined) return Buffer.alloc(0);
  try {
    return await call.deps.store.blobs.get(version.blobId);
  } catch (e) {
    if (isMissingBlob(e)) throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404, { Key: call.key });
    throw e;
  }
}

export async function deleteObject(call: S3Call): Promise<SandboxResponse> {
  const { deps, req } = call;
  const bucket = requireBucket(deps.store, req.principal, call.bucketName);
  const outcome = deleteVersion(bucket, call.key, req.query.get('versionId') ?? undefined, deps.clock.now());
  deps.store.changed();
  await deps.blobs.release(outcome.released);
  const headers: Record<string, string> = {};
  if (outcome.versionId !== undefined) headers['x-amz-version-id'] = outcome.versionId;
  if (outcome.deleteMarker) headers['x-amz-delete-marker'] = 'true';
  return { status: 204, headers };
}
