// What S3 asks KMS for SSE-KMS objects, on the requester's behalf (kms:ViaService s3.<region>…):
// the key a write uses (GenerateDataKey permission) and whether a read may decrypt (Decrypt
// permission). KMS errors come back in S3's shape: AccessDenied 403 with KMS's reason,
// KMS.NotFoundException / KMS.DisabledException 400.
import { AwsError, type Clock, type Principal, type SandboxStore } from '../types.js';
import { authorizeKey, keyByArn, managedKey, requireEnabled, resolveKey, type KmsKey } from './kms-keys.js';

export interface S3Kms {
  /** The ARN of the key a write encrypts with: `keyId` (id, ARN, alias in the writer's account) or the
   * bucket owner's AWS managed aws/s3 key. Throws unless the writer may kms:GenerateDataKey on it. */
  keyForWrite(who: Principal, bucket: { region: string; ownerAccountId: string }, keyId: string | undefined, objectArn: string): string;
  /** Throws unless the reader may kms:Decrypt with the object's key. */
  checkDecrypt(who: Principal, keyArn: string, objectArn: string): void;
}

function asS3Error(e: unknown): unknown {
  if (!(e instanceof AwsError)) return e;
  if (e.code === 'AccessDeniedException') return new AwsError('AccessDenied', e.message, 403);
  if (e.code === 'NotFoundException' || e.code === 'DisabledException') return new AwsError(`KMS.${e.code}`, e.message, 400);
  return e;
}

const context = (key: KmsKey, objectArn: string): Record<string, string> => ({
  'kms:ViaService': `s3.${key.region}.amazonaws.com`,
  'kms:EncryptionContext:aws:s3:arn': objectArn,
});

export function createS3Kms(deps: { store: SandboxStore; clock?: Clock }): S3Kms {
  const now = (): Date => deps.clock?.now() ?? new Date();
  return {
    keyForWrite(who, bucket, keyId, objectArn) {
      try {
        const key = keyId === undefined || keyId === '' ? managedKey(deps.store, bucket.ownerAccountId, bucket.region, 's3', now()) : resolveKey(deps.store, who.accountId, bucket.region, keyId);
        if (key.region !== bucket.region) throw new AwsError('NotFoundException', `Key '${key.arn}' is in ${key.region}; the bucket is in ${bucket.region}`);
        authorizeKey(deps.store, key, who, 'GenerateDataKey', context(key, objectArn));
        requireEnabled(key);
        return key.arn;
      } catch (e) {
        throw asS3Error(e);
      }
    },
    checkDecrypt(who, keyArn, objectArn) {
      const key = keyByArn(deps.store, keyArn);
      if (!key) throw new AwsError('KMS.NotFoundException', `Key '${keyArn}' does not exist`, 400);
      try {
        authorizeKey(deps.store, key, who, 'Decrypt', context(key, objectArn));
        requireEnabled(key);
      } catch (e) {
        throw asS3Error(e);
      }
    },
  };
}
