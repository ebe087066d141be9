// CompleteMultipartUpload: validate the part list, join the parts into one object, and compute the
// multipart ETag ("md5(concatenated binary part md5s)-N") and the object's checksum.
import { createHash } from 'node:crypto';
import type { SandboxResponse } from '../types.js';
import { AwsError } from '../types.js';
import type { StoredChecksum } from './checksums.js';
import { checksumMember, checksumOf, claimedChecksum, compositeChecksum } from './checksums.js';
import { checkWriteConditions } from './conditions.js';
import { commitVersion } from './object-versions.js';
import type { S3Call } from './s3-call.js';
import { isMissingBlob } from './blob-keeper.js';
import type { BucketState, MultipartUpload, UploadedPart } from './s3-state.js';
import { currentObject, ownGet, requireBucket } from './s3-state.js';
import { MAX_PART_NUMBER, requireUpload } from './multipart.js';
import { checkRead, sseHeaders } from './sse.js';
import { children, el, parseXmlBody, text, xmlResponse } from './xml.js';

export const MIN_PART_SIZE = 5 * 1024 * 1024;

const invalidPart = (uploadId: string, partNumber: number, etag: string): AwsError =>
  new AwsError('InvalidPart', 'One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.', 400, {
    UploadId: uploadId,
    PartNumber: String(partNumber),
    ETag: etag,
  });

const bareEtag = (etag: string): string => etag.trim().replace(/^"|"$/g, '');

/** The requested parts, checked against what was uploaded, in order. */
function selectParts(body: Buffer, upload: MultipartUpload): UploadedPart[] {
  const requested = children(parseXmlBody(body, 'CompleteMultipartUpload'), 'Part');
  if (requested.length === 0) throw new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  const selected: UploadedPart[] = [];
  let previous = 0;
  for (const entry of requested) {
    const numberText = text(entry, 'PartNumber') ?? '';
    const partNumber = Number(numberText);
    if (!/^\d+$/.test(numberText) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw new AwsError('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`, 400, { ArgumentName: 'partNumber', ArgumentValue: numberText });
    }
    if (partNumber <= previous) throw new AwsError('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.', 400, { UploadId: upload.uploadId });
    previous = partNumber;
    const etag = text(entry, 'ETag') ?? '';
    const part = ownGet(upload.parts, String(partNumber));
    if (!part || bareEtag(part.etag) !== bareEtag(etag)) throw invalidPart(upload.uploadId, partNumber, etag);
    const algorithm = upload.checksumAlgorithm;
    const claimed = algorithm ? text(entry, checksumMember(algorithm)) : undefined;
    if (claimed !== undefined && claimed !== part.checksum) throw invalidPart(upload.uploadId, partNumber, etag);
    selected.push(part);
  }
  selected.slice(0, -1).forEach((part) => {
    if (part.size < MIN_PART_SIZE) {
      throw new AwsError('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', 400, {
        ProposedSize: String(part.size),
        MinSizeAllowed: String(MIN_PART_SIZE),
        PartNumber: String(part.partNumber),
        ETag: part.etag,
      });
    }
  });
  return selected;
}

function objectChecksum(upload: MultipartUpload, parts: readonly UploadedPart[], data: Buffer): StoredChecksum {
  const algorithm = upload.checksumAlgorithm;
  if (!algorithm) return { algorithm: 'CRC64NVME', value: checksumOf('CRC64NVME', data), type: 'FULL_OBJECT' };
  if (upload.checksumType === 'FULL_OBJECT') return { algorithm, value: checksumOf(algorithm, data), type: 'FULL_OBJECT' };
  const partChecksums = parts.map((p) => p.checksum ?? checksumOf(algorithm, Buffer.alloc(0)));
  return { algorithm, value: compositeChecksum(algorithm, partChecksums), type: 'COMPOSITE' };
}

/** The parts' bytes; a part freed meanwhile means the upload was aborted or completed. */
async function readParts(call: S3Call, parts: readonly UploadedPart[], uploadId: string): Promise<Buffer[]> {
  try {
    return await Promise.all(parts.map((p) => call.deps.store.blobs.get(p.blobId)));
  } catch (e) {
    if (!isMissingBlob(e)) throw e;
    const bucket = requireBucket(call.deps.store, call.req.principal, call.bucketName);
    requireUpload(bucket, call.key, uploadId);
    throw e;
  }
}

export async function completeMultipartUpload(call: S3Call): Promise<SandboxResponse> {
  const { deps, req, key } = call;
  const uploadId = req.query.get('uploadId') ?? '';
  const conditions = (bucket: BucketState): void => checkWriteConditions(req.headers, currentObject(bucket, key), key);
  const bucket = requireBucket(deps.store, req.principal, call.bucketName);
  const upload = requireUpload(bucket, key, uploadId);
  // Completing an SSE-KMS upload decrypts the parts: the caller needs kms:Decrypt.
  checkRead(deps, req.principal, call.bucketName, key, upload.sse);
  const parts = selectParts(req.body, upload);
  conditions(bucket);
  const data = Buffer.concat(await readParts(call, parts, uploadId));
  const declaredSize = req.headers['x-amz-mp-object-size'];
  if (declaredSize !== undefined && Number(declaredSize) !== data.length) {
    throw new AwsError('InvalidRequest', `The provided 'x-amz-mp-object-size' header value ${declaredSize} does not match what was computed: ${data.length}`);
  }
  const checksum = objectChecksum(upload, parts, data);
  // Here x-amz-checksum-* describes the whole object, not the XML request body.
  const claim = claimedChecksum(req.headers);
  if (claim && (claim.algorithm !== checksum.algorithm || claim.value !== checksum.value)) {
    throw new AwsError('BadDigest', `The ${claim.algorithm} you specified for the object did not match the calculated checksum.`);
  }
  const md5s = Buffer.concat(parts.map((p) => Buffer.from(bareEtag(p.etag), 'hex')));
  const etag = `"${createHash('md5').update(md5s).digest('hex')}-${parts.length}"`;
  const { target, version, released } = await deps.blobs.write(data, (blobId) => {
    // The upload may have been completed or aborted concurrently, the key written meanwhile.
    const bucketNow = requireBucket(deps.store, req.principal, call.bucketName);
    const uploadNow = requireUpload(bucketNow, key, uploadId);
    conditions(bucketNow);
    const committed = commitVersion(bucketNow, key, {
      deleteMarker: false,
      lastModified: deps.clock.now().toISOString(),
      blobId,
      size: data.length,
      etag,
      checksum,
      partSizes: parts.map((p) => p.size),
      headers: upload.headers,
      metadata: upload.metadata,
      ...(upload.contentType !== undefined ? { contentType: upload.contentType } : {}),
      ...(upload.storageClass !== undefined ? { storageClass: upload.storageClass } : {}),
      ...(upload.sse ? { sse: upload.sse } : {}),
      ...(upload.ownerAccountId ? { ownerAccountId: upload.ownerAccountId } : {}),
    });
    delete bucketNow.uploads[uploadId];
    deps.store.changed();
    return { target: bucketNow, ...committed, released: [...committed.released, ...Object.values(uploadNow.parts).map((p) => p.blobId)] };
  });
  await deps.blobs.release(released);
  const host = req.headers['host'] ?? 'localhost';
  const location = `http://${host}/${encodeURIComponent(target.name)}/${key.split('/').map(encodeURIComponent).join('/')}`;
  return xmlResponse(
    'CompleteMultipartUploadResult',
    [el('Location', location), el('Bucket', target.name), el('Key', key), el('ETag', etag), el(checksumMember(checksum.algorithm), checksum.value), el('ChecksumType', checksum.type)],
    {
      ...sseHeaders(upload.sse),
      ...(target.versioning === 'Enabled' ? { 'x-amz-version-id': version.versionId } : {}),
    },
  );
}
