// What every S3 operation handler receives: the service's deps and the routed request.
import type { Clock, SandboxRequest, SandboxStore } from '../types.js';
import { AwsError } from '../types.js';
import type { S3Kms } from '../kms/kms-for-s3.js';
import type { BlobKeeper } from './blob-keeper.js';

export interface S3Deps {
  readonly store: SandboxStore;
  readonly clock: Clock;
  readonly blobs: BlobKeeper;
  /** SSE-KMS: key resolution and the requester's KMS permissions. */
  readonly kms: S3Kms;
}

export interface S3Call {
  readonly deps: S3Deps;
  readonly req: SandboxRequest;
  readonly bucketName: string;
  /** '' for bucket-level requests. */
  readonly key: string;
}

/** Optional query integer within bounds, InvalidArgument otherwise. */
export function queryInt(query: URLSearchParams, name: string, fallback: number, min: number, max: number, message?: string): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || value < min || value > max) {
    throw new AwsError('InvalidArgument', message ?? `Provided ${name} not valid.`, 400, { ArgumentName: name, ArgumentValue: raw });
  }
  return value;
}

export const MAX_KEY_BYTES = 1024;

export function validateKey(key: string): void {
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new AwsError('KeyTooLongError', 'Your key is too long', 400, { MaxSizeAllowed: String(MAX_KEY_BYTES), Size: String(Buffer.byteLength(key)) });
}
