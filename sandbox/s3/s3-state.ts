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
  /** SSE-KMS: the key ARN (absent = SSE-S3, AES256). */
  sse?: SseKms;
  /** The account owning the object (absent = the bucket owner: BucketOwnerEnforced). */
  ownerAccountId?: string;
}

export interface SseKms {
  kmsKeyArn: string;
  bucketKey?: boolean;
}

export type ObjectOwnership = 'BucketOwnerEnforced' | 'BucketOwnerPreferred' | 'ObjectWriter';

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
  sse?: SseKms;
  /** The initiating principal's account. */
  initiatorAccountId?: string;
  /** The completed object's owner when not the bucket owner. */
  ownerAccountId?: string;
}

export interface BucketState {
  name: string;
  region: string;
  createdAt: string;
  versioning?: VersioningStatus;
  /** key → versions, newest first. */
  objects: Record<string, ObjectVersion[]>;
  uploads: Record<string, MultipartUpload>;
  /** The bucket policy as given (JSON text). */
  policy?: string;
  /** Default encryption; absent = SSE-S3 (AES256), as every bucket since 2023. */
  encryption?: { algorithm: 'AES256' | 'aws:kms'; kmsKeyId?: string; bucketKey?: boolean };
  /** Object ownership; absent = BucketOwnerEnforced (the default since 2023), null = controls deleted (ObjectWriter). */
  ownership?: ObjectOwnership | null;
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

/** The bucket or NoSuchBucket. Access was decided before the operation ran (s3-access.ts). */
export function requireBucket(store: SandboxStore, _principal: Principal, name: string): BucketState {
  return requireBucketEntry(store, name).bucket;
}

export function requireBucketEntry(store: SandboxStore, name: string): { accountId: string; bucket: BucketState } {
  const found = findBucket(store, name);
  if (!found) throw new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: name });
  return found;
}

/** The account owning an object: the writer's only when the bucket does not enforce bucket-owner ownership. */
export const objectOwner = (bucketOwner: string, version: { ownerAccountId?: string }): string => version.ownerAccountId ?? bucketOwner;

/** The newest version of a key, delete marker or not. */
export const latestVersion = (bucket: BucketState, key: string): ObjectVersion | undefined => ownGet(bucket.objects, key)?.[0];

/** The current object: the newest version unless it is a delete marker. */
export function currentObject(bucket: BucketState, key: string): ObjectVersion | undefined {
  const latest = latestVersion(bucket, key);
  return latest && !latest.deleteMarker ? latest : undefined;
}

/** Canonical user id, as S3 shows owners: stable per account. */
export const canonicalUserId = (accountId: string): string => createHash('sha256').update(`sandbox-s3-owner:${accountId}`).digest('hex');
