// Object attributes taken from a write request (Content-Type, representation headers,
// x-amz-meta-*, storage class) and the headers a read returns for a stored version.
import { AwsError } from '../types.js';
import { checksumHeader } from './checksums.js';
import { sseHeaders } from './sse.js';
import type { BucketState, ObjectVersion } from './s3-state.js';

/** Representation headers S3 stores with an object and returns on GET/HEAD. */
const STORED_HEADERS = ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires'] as const;
const STORAGE_CLASSES = ['STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE', 'GLACIER_IR', 'OUTPOSTS', 'SNOW', 'EXPRESS_ONEZONE'];
const MAX_METADATA_BYTES = 2048;
export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

export interface ObjectAttributes {
  readonly contentType?: string;
  readonly headers: Record<string, string>;
  readonly metadata: Record<string, string>;
  readonly storageClass?: string;
}

export function attributesFromRequest(headers: Readonly<Record<string, string>>): ObjectAttributes {
  const stored: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    const value = headers[name];
    if (value !== undefined && value !== '') stored[name] = value;
  }
  const metadata: Record<string, string> = {};
  let metadataBytes = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('x-amz-meta-')) continue;
    const key = name.slice('x-amz-meta-'.length);
    Object.defineProperty(metadata, key, { value, enumerable: true, writable: true, configurable: true });
    metadataBytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (metadataBytes > MAX_METADATA_BYTES) {
    throw new AwsError('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size.', 400, { Size: String(metadataBytes), MaxSizeAllowed: String(MAX_METADATA_BYTES) });
  }
  const storageClass = headers['x-amz-storage-class'];
  if (storageClass !== undefined && !STORAGE_CLASSES.includes(storageClass)) throw new AwsError('InvalidStorageClass', 'The storage class you specified is not valid', 400, { StorageClassRequested: storageClass });
  return {
    ...(headers['content-type'] ? { contentType: headers['content-type'] } : {}),
    headers: stored,
    metadata,
    ...(storageClass && storageClass !== 'STANDARD' ? { storageClass } : {}),
  };
}

/** x-amz-version-id is shown once a bucket has had versioning configured, or for a real version id. */
export function versionIdHeader(bucket: BucketState, version: ObjectVersion): Record<string, string> {
  return bucket.versioning !== undefined || version.versionId !== 'null' ? { 'x-amz-version-id': version.versionId } : {};
}

/** `response-*` query parameters override the stored representation headers on GET. */
const OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

export function objectHeaders(bucket: BucketState, version: ObjectVersion, query: URLSearchParams, withChecksum: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': version.contentType ?? DEFAULT_CONTENT_TYPE,
    etag: version.etag,
    'last-modified': new Date(version.lastModified).toUTCString(),
    'accept-ranges': 'bytes',
    ...sseHeaders(version.sse),
    ...version.headers,
    ...versionIdHeader(bucket, version),
  };
  for (const [name, value] of Object.entries(version.metadata)) headers[`x-amz-meta-${name}`] = value;
  if (version.storageClass) headers['x-amz-storage-class'] = version.storageClass;
  if (withChecksum && version.checksum) {
    headers[checksumHeader(version.checksum.algorithm)] = version.checksum.value;
    headers['x-amz-checksum-type'] = version.checksum.type;
  }
  for (const [param, header] of Object.entries(OVERRIDES)) {
    const value = query.get(param);
    if (value !== null) headers[header] = value;
  }
  return headers;
}
