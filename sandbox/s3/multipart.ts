// Multipart uploads: CreateMultipartUpload, UploadPart, AbortMultipartUpload, ListParts,
// ListMultipartUploads. CompleteMultipartUpload is in multipart-complete.ts.
import { randomBytes } from 'node:crypto';
import type { SandboxResponse } from '../types.js';
import { AwsError } from '../types.js';
import { checksumHeader, checksumMember, checksumOf, parseChecksumAlgorithm, resolveChecksumType } from './checksums.js';
import { sortedKeys } from './key-listing.js';
import { attributesFromRequest } from './object-headers.js';
import { readPayload } from './request-payload.js';
import type { S3Call } from './s3-call.js';
import { queryInt, validateKey } from './s3-call.js';
import type { BucketState, MultipartUpload } from './s3-state.js';
import { canonicalUserId, ownGet, ownSet, requireBucket, requireBucketEntry } from './s3-state.js';
import { checkPartWrite, protectWrite, sseHeaders } from './sse.js';
import { el, xmlResponse } from './xml.js';

export const MAX_PART_NUMBER = 10000;

/** The upload named by ?uploadId, which must belong to the addressed key. */
export function requireUpload(bucket: BucketState, key: string, uploadId: string): MultipartUpload {
  const upload = ownGet(bucket.uploads, uploadId);
  if (!upload || upload.key !== key) {
    throw new AwsError('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', 404, { UploadId: uploadId });
  }
  return upload;
}

export async function createMultipartUpload(call: S3Call): Promise<SandboxResponse> {
  const { deps, req, key } = call;
  const { bucket, accountId: bucketOwner } = requireBucketEntry(deps.store, call.bucketName);
  validateKey(key);
  const protection = protectWrite(deps, req.principal, bucket, bucketOwner, key, req.headers);
  const algorithm = parseChecksumAlgorithm(req.headers['x-amz-checksum-algorithm'], 'x-amz-checksum-algorithm header');
  const requestedType = req.headers['x-amz-checksum-type'];
  if (algorithm === undefined && requestedType !== undefined) throw new AwsError('InvalidRequest', 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
  const checksumType = algorithm === undefined ? undefined : resolveChecksumType(algorithm, requestedType);
  const upload: MultipartUpload = {
    uploadId: randomBytes(30).toString('base64url'),
    key,
    initiated: deps.clock.now().toISOString(),
    ...attributesFromRequest(req.headers),
    ...(algorithm ? { checksumAlgorithm: algorithm, checksumType } : {}),
    parts: {},
    ...protection,
    initiatorAccountId: req.principal.accountId,
  };
  ownSet(bucket.uploads, upload.uploadId, upload);
  deps.store.changed();
  const headers: Record<string, string> = sseHeaders(protection.sse);
  if (algorithm) headers['x-amz-checksum-algorithm'] = algorithm;
  if (checksumType) headers['x-amz-checksum-type'] = checksumType;
  return xmlResponse('InitiateMultipartUploadResult', [el('Bucket', bucket.name), el('Key', key), el('UploadId', upload.uploadId)], headers);
}

export async function uploadPart(call: S3Call): Promise<SandboxResponse> {
  const { deps, req, key } = call;
  const uploadId = req.query.get('uploadId') ?? '';
  const partNumber = partNumberOf(call);
  const upload = requireUpload(requireBucket(deps.store, req.principal, call.bucketName), key, uploadId);
  const payload = readPayload(req);
  const algorithm = upload.checksumAlgorithm;
  if (payload.checksum && algorithm && payload.checksum.algorithm !== algorithm) {
    throw new AwsError('InvalidRequest', `Checksum Type mismatch occurred, expected checksum Type: ${algorithm.toLowerCase()}, actual checksum Type: ${payload.checksum.algorithm.toLowerCase()}`);
  }
  const checksum = algorithm ? (payload.checksum?.value ?? checksumOf(algorithm, payload.data)) : undefined;
  const stored = await storePart(call, uploadId, partNumber, payload.data, `"${payload.md5.toString('hex')}"`, checksum);
  const headers: Record<string, string> = { etag: stored.etag, ...sseHeaders(upload.sse) };
  if (algorithm && checksum !== undefined) headers[checksumHeader(algorithm)] = checksum;
  return { status: 200, headers };
}

/** The part number of an UploadPart / UploadPartCopy request. */
export function partNumberOf(call: S3Call): number {
  const n = queryInt(call.req.query, 'partNumber', -1, 1, MAX_PART_NUMBER, `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`);
  if (n < 0) throw new AwsError('InvalidRequest', 'UploadPart needs both the partNumber and the uploadId query parameters');
  return n;
}

/** Stores a part's bytes (after checking the writer may use the upload's KMS key); frees the part it replaces. */
export async function storePart(call: S3Call, uploadId: string, partNumber: number, data: Buffer, etag: string, checksum?: string): Promise<{ etag: string; lastModified: string }> {
  const { deps, req, key } = call;
  const { bucket, accountId } = requireBucketEntry(deps.store, call.bucketName);
  checkPartWrite(deps, req.principal, bucket, accountId, key, requireUpload(bucket, key, uploadId).sse);
  const lastModified = deps.clock.now().toISOString();
  const previous = await deps.blobs.write(data, (blobId) => {
    // The upload may have been aborted or completed while the blob was written.
    const current = requireUpload(requireBucket(deps.store, req.principal, call.bucketName), key, uploadId);
    const replaced = ownGet(current.parts, String(partNumber));
    ownSet(current.parts, String(partNumber), {
      partNumber,
      blobId,
      etag,
      size: data.length,
      lastModified,
      ...(checksum !== undefined ? { checksum } : {}),
    });
    deps.store.changed();
    return replaced;
  });
  if (previous) await deps.blobs.release([previous.blobId]);
  return { etag, lastModified };
}

export async function abortMultipartUpload(call: S3Call): Promise<SandboxResponse> {
  const { deps, req, key } = call;
  const bucket = requireBucket(deps.store, req.principal, call.bucketName);
  const upload = requireUpload(bucket, key, req.query.get('uploadId') ?? '');
  delete bucket.uploads[upload.uploadId];
  deps.store.changed();
  await deps.blobs.release(Object.values(upload.parts).map((p) => p.blobId));
  return { status: 204 };
}

const person = (tag: string, accountId: string): string => el(tag, [el('ID', canonicalUserId(accountId)), el('DisplayName', accountId)]);

export async function listParts(call: S3Call): Promise<SandboxResponse> {
  const { deps, req, key } = call;
  const { bucket, accountId: bucketOwner } = requireBucketEntry(deps.store, call.bucketName);
  const upload = requireUpload(bucket, key, req.query.get('uploadId') ?? '');
  const marker = queryInt(req.query, 'part-number-marker', 0, 0, MAX_PART_NUMBER);
  const maxParts = Math.min(1000, queryInt(req.query, 'max-parts', 1000, 0, Number.MAX_SAFE_INTEGER));
  const all = Object.values(upload.parts).filter((p) => p.partNumber > marker).sort((a, b) => a.partNumber - b.partNumber);
  const page = all.slice(0, maxParts);
  const truncated = all.length > page.length;
  const algorithm = upload.checksumAlgorithm;
  return xmlResponse('ListPartsResult', [
    el('Bucket', bucket.name),
    el('Key', key),
    el('UploadId', upload.uploadId),
    el('PartNumberMarker', marker),
    el('NextPartNumberMarker', page.length > 0 ? page[page.length - 1]!.partNumber : undefined),
    el('MaxParts', maxParts),
    el('IsTruncated', truncated),
    ...page.map((p) =>
      el('Part', [
        el('PartNumber', p.partNumber),
        el('LastModified', p.lastModified),
        el('ETag', p.etag),
        el('Size', p.size),
        algorithm && p.checksum !== undefined ? el(checksumMember(algorithm), p.checksum) : '',
      ]),
    ),
    person('Initiator', upload.initiatorAccountId ?? bucketOwner),
    person('Owner', bucketOwner),
    el('StorageClass', upload.storageClass ?? 'STANDARD'),
    el('ChecksumAlgorithm', algorithm),
    el('ChecksumType', upload.checksumType),
  ]);
}

export async function listMultipartUploads(call: S3Call): Promise<SandboxResponse> {
  const { deps, req } = call;
  const { bucket, accountId: bucketOwner } = requireBucketEntry(deps.store, call.bucketName);
  const prefix = req.query.get('prefix') ?? '';
  const keyMarker = req.query.get('key-marker') ?? '';
  const maxUploads = Math.min(1000, queryInt(req.query, 'max-uploads', 1000, 0, Number.MAX_SAFE_INTEGER));
  const byKey = new Map<string, MultipartUpload[]>();
  for (const u of Object.values(bucket.uploads)) if (u.key.startsWith(prefix)) byKey.set(u.key, [...(byKey.get(u.key) ?? []), u]);
  const ordered = sortedKeys(byKey.keys())
    .filter((k) => keyMarker === '' || Buffer.compare(Buffer.from(k), Buffer.from(keyMarker)) > 0)
    .flatMap((k) => byKey.get(k)!.sort((a, b) => a.initiated.localeCompare(b.initiated)));
  const page = ordered.slice(0, maxUploads);
  const truncated = ordered.length > page.length;
  const last = page[page.length - 1];
  return xmlResponse('ListMultipartUploadsResult', [
    el('Bucket', bucket.name),
    el('KeyMarker', keyMarker),
    el('UploadIdMarker', req.query.get('upload-id-marker') ?? ''),
    el('NextKeyMarker', truncated && last ? last.key : undefined),
    el('NextUploadIdMarker', truncated && last ? last.uploadId : undefined),
    el('Prefix', prefix),
    el('MaxUploads', maxUploads),
    el('IsTruncated', truncated),
    ...page.map((u) =>
      el('Upload', [
        el('Key', u.key),
        el('UploadId', u.uploadId),
        person('Initiator', u.initiatorAccountId ?? bucketOwner),
        person('Owner', bucketOwner),
        el('StorageClass', u.storageClass ?? 'STANDARD'),
        el('Initiated', u.initiated),
        el('ChecksumAlgorithm', u.checksumAlgorithm),
        el('ChecksumType', u.checksumType),
      ]),
    ),
  ]);
}
