// S3 state as JSON-able documents: one per account (`store.doc('s3', account, 'global')`), holding
// that account's buckets. Bucket names are unique across the sandbox, as in one AWS partition.
// Maps are keyed by user-chosen names ("constructor", "__proto__" are valid keys), so they are
// only read and written through ownGet/ownSet.
import { createHash } from 'node:crypto';
import type { Principal, SandboxStore } from '../types.js';
import { AwsError } from '../types.js';
import type { ChecksumAlgorithm, ChecksumType, StoredChecksum } from './checksums.js';

export type VersioningStatus = 'Enabled' | 'Suspended';

/** One version of a key; unversioned writes have versionId 'null'. */
export interface ObjectVersion {
  versionId: string;
  deleteMarker: boolean;
  /** ISO timestamp. */
  lastModified: string;
  blobId?: string;
  size: number;
  /** Quoted, as sent in the ETag header. */
  etag: string;
  contentType?: string;
  /** Stored representation headers (cache-control, content-disposition, …), lower-case names. */
  headers: Record<string, string>;
  /** x-amz-meta-* without the prefix. */
  metadata: Record<string, string>;
  checksum?: StoredChecksum;
  /** Part sizes of a multipart object (for GetObject ?partNumber and x-amz-mp-parts-count). */
  partSizes?: number[];
  storageClass?: string;
}

export interface UploadedPart {
  partNumber: number;
  blobId: string;
  etag: string;
  size: number;
  lastModified: string;
  /** base64 checksum in the upload's algorithm. */
  checksum?: string;
}

export interface MultipartUpload {
  uploadId: string;
  key: string;
  initiated: string;
  contentType?: string;
  headers: Record<string, string>;
  metadata: Record<string, string>;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: ChecksumType;
  storageClass?: string;
  parts: Record<string, UploadedPart>;
}

export interface BucketState {
  name: string;
  region: string;
  createdAt: string;
  versioning?: VersioningStatus;
  /** key → versions, newest first. */
  objects: Record<string, ObjectVersion[]>;
  uploads: Record<string, MultipartUpload>;
}

export interface S3AccountDoc {
  buckets: Record<string, BucketState>;
}

export const ownGet = <T>(map: Record<string, T>, key: string): T | undefined => (Object.hasOwn(map, key) ? map[key] : undefined);

export function ownSet<T>(map: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
}

export const accountDoc = (store: SandboxStore, accountId: string): S3AccountDoc => store.doc<S3AccountDoc>('s3', accountId, 'global', () => ({ buckets: {} }));

/** The account owning a bucket name, wherever it is. */
export function findBucket(store: SandboxStore, name: string): { accountId: string; bucket: BucketState } | undefined {
  for (const { accountId, doc } of store.docs<S3AccountDoc>('s3')) {
    const bucket = ownGet(doc.buckets ?? {}, name);
    if (bucket) return { accountId, bucket };
  }
  return undefined;
}

/** The bucket, if it exists and the caller's account owns it (no bucket policies in the sandbox). */
export function requireBucket(store: SandboxStore, principal: Principal, name: string): BucketState {
  const found = findBucket(store, name);
  if (!found) throw new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: name });
  if (found.accountId !== principal.accountId) throw new AwsError('AccessDenied', 'Access Denied', 403);
  return found.bucket;
}

/** The newest version of a key, delete marker or not. */
export const latestVersion = (bucket: BucketState, key: string): ObjectVersion | undefined => ownGet(bucket.objects, key)?.[0];

/** The current object: the newest version unless it is a delete marker. */
export function currentObject(bucket: BucketState, key: string): ObjectVersion | undefined {
  const latest = latestVersion(bucket, key);
  return latest && !latest.deleteMarker ? latest : undefined;
}

/** Canonical user id, as S3 shows owners: stable per account. */
export const canonicalUserId = (accountId: string): string => createHash('sha256').update(`sandbox-s3-owner:${accountId}`).digest('hex');
