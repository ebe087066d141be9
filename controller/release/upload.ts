// One object of a release into the bucket, only when it is not there already: HEAD the key and
// compare the SHA-256 we recorded in its metadata (and S3's own SHA-256 checksum when it has a
// whole-object one); upload with lib-storage otherwise (multipart above the part size), with S3
// SHA-256 checksums and SSE-KMS when a key is configured.
import { createHash } from 'node:crypto';
import { isEdgeError } from '../../shared/errors.js';
import type { ObjectHead, S3Port } from '../aws/ports.js';

/** The metadata key (x-amz-meta-sha256) holding the hex SHA-256 of the object's bytes. */
export const SHA256_META = 'sha256';

export interface ObjectPlan {
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface StoredObject {
  readonly key: string;
  readonly etag: string;
  readonly versionId?: string;
  readonly outcome: 'uploaded' | 'unchanged';
}

export interface UploadSettings {
  readonly bucket: string;
  readonly kmsKeyId?: string;
  /** lib-storage part size (multipart above it). */
  readonly partSizeBytes?: number;
}

const base64Sha = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

/** Whether the stored object holds exactly these bytes (by our metadata, and S3's checksum when whole-object). */
export function holdsSame(head: ObjectHead, plan: Pick<ObjectPlan, 'sha256' | 'bytes'>): boolean {
  if (head.metadata[SHA256_META] !== plan.sha256 || head.size !== plan.bytes.byteLength) return false;
  const checksum = head.checksumSha256;
  return checksum === undefined || checksum.includes('-') || checksum === base64Sha(plan.sha256);
}

async function headOrUndefined(s3: S3Port, bucket: string, key: string): Promise<ObjectHead | undefined> {
  try {
    return await s3.headObject({ bucket, key, checksumMode: true });
  } catch (e) {
    if (isEdgeError(e, 'AWS_NOT_FOUND')) return undefined;
    throw e;
  }
}

export async function putIfChanged(s3: S3Port, settings: UploadSettings, plan: ObjectPlan): Promise<StoredObject> {
  const head = await headOrUndefined(s3, settings.bucket, plan.key);
  if (head && holdsSame(head, plan)) {
    return { key: plan.key, etag: head.etag, ...(head.versionId ? { versionId: head.versionId } : {}), outcome: 'unchanged' };
  }
  const written = await s3.uploadObject({
    bucket: settings.bucket,
    key: plan.key,
    body: plan.bytes,
    contentType: plan.contentType,
    metadata: { ...plan.metadata, [SHA256_META]: plan.sha256 },
    checksumAlgorithm: 'SHA256',
    ...(settings.kmsKeyId ? { kmsKeyId: settings.kmsKeyId } : {}),
    ...(settings.partSizeBytes ? { partSizeBytes: settings.partSizeBytes } : {}),
  });
  return { key: plan.key, etag: written.etag, ...(written.versionId ? { versionId: written.versionId } : {}), outcome: 'uploaded' };
}

export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
