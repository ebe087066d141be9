// Server-side encryption and object ownership of a write: SSE-S3 (AES256) or SSE-KMS from the
// request headers or the bucket's default encryption, with the writer's KMS permission checked;
// the response headers S3 sends for it; the kms:Decrypt check of a read. Objects are not really
// encrypted at rest in the sandbox: only the key choice and the permissions are modelled.
import type { Principal } from '../types.js';
import { AwsError } from '../types.js';
import { objectArn } from './s3-access.js';
import type { S3Deps } from './s3-call.js';
import type { BucketState, SseKms } from './s3-state.js';

const SSE = 'x-amz-server-side-encryption';
const SSE_KEY = 'x-amz-server-side-encryption-aws-kms-key-id';
const SSE_BUCKET_KEY = 'x-amz-server-side-encryption-bucket-key-enabled';

export interface WriteProtection {
  readonly sse?: SseKms;
  /** Set when the writer's account owns the object (ownership is not BucketOwnerEnforced). */
  readonly ownerAccountId?: string;
}

/** What S3 answers about an object's encryption. */
export function sseHeaders(sse: SseKms | undefined): Record<string, string> {
  if (!sse) return { [SSE]: 'AES256' };
  return { [SSE]: 'aws:kms', [SSE_KEY]: sse.kmsKeyArn, ...(sse.bucketKey ? { [SSE_BUCKET_KEY]: 'true' } : {}) };
}

function checkAcl(bucket: BucketState, headers: Readonly<Record<string, string>>): void {
  const acl = headers['x-amz-acl'];
  const grants = Object.keys(headers).some((h) => h.startsWith('x-amz-grant-'));
  const enforced = bucket.ownership === undefined || bucket.ownership === 'BucketOwnerEnforced';
  if (enforced && (grants || (acl !== undefined && acl !== 'bucket-owner-full-control'))) {
    throw new AwsError('AccessControlListNotSupported', 'The bucket does not allow ACLs', 400);
  }
}

/**
 * The encryption and owner of an object written by `who` into `bucket` (owned by `bucketOwner`),
 * from the write's headers (PutObject, CreateMultipartUpload, CopyObject) or the bucket default.
 */
export function protectWrite(
  deps: S3Deps,
  who: Principal,
  bucket: BucketState,
  bucketOwner: string,
  key: string,
  headers: Readonly<Record<string, string>>,
): WriteProtection {
  checkAcl(bucket, headers);
  const requested = headers[SSE];
  const keyId = headers[SSE_KEY];
  if (requested !== undefined && !['AES256', 'aws:kms', 'aws:kms:dsse'].includes(requested)) {
    throw new AwsError('InvalidArgument', 'The encryption method specified is not supported', 400, { ArgumentName: SSE, ArgumentValue: requested });
  }
  if (keyId !== undefined && requested !== 'aws:kms' && requested !== 'aws:kms:dsse') {
    throw new AwsError('InvalidArgument', 'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms', 400, {
      ArgumentName: SSE,
      ArgumentValue: requested ?? 'null',
    });
  }
  const byDefault = requested === undefined && bucket.encryption?.algorithm === 'aws:kms';
  const useKms = requested === 'aws:kms' || requested === 'aws:kms:dsse' || byDefault;
  const writerOwns = bucket.ownership === null || bucket.ownership === 'ObjectWriter' || (bucket.ownership === 'BucketOwnerPreferred' && headers['x-amz-acl'] !== 'bucket-owner-full-control');
  const owner = writerOwns && who.accountId !== bucketOwner ? { ownerAccountId: who.accountId } : {};
  if (!useKms) return owner;
  const chosenKey = byDefault ? bucket.encryption?.kmsKeyId : keyId;
  const bucketKeyHeader = headers[SSE_BUCKET_KEY];
  const bucketKey = bucketKeyHeader !== undefined ? bucketKeyHeader.toLowerCase() === 'true' : bucket.encryption?.bucketKey === true;
  const arn = deps.kms.keyForWrite(who, { region: bucket.region, ownerAccountId: bucketOwner }, chosenKey, objectArn(bucket.name, key));
  return { sse: { kmsKeyArn: arn, ...(bucketKey ? { bucketKey: true } : {}) }, ...owner };
}

/** A read of an SSE-KMS object needs kms:Decrypt on its key for the reader. */
export function checkRead(deps: S3Deps, who: Principal, bucketName: string, key: string, sse: SseKms | undefined): void {
  if (sse) deps.kms.checkDecrypt(who, sse.kmsKeyArn, objectArn(bucketName, key));
}

/** Writing more parts to an SSE-KMS upload needs kms:GenerateDataKey on its key. */
export function checkPartWrite(deps: S3Deps, who: Principal, bucket: BucketState, bucketOwner: string, key: string, sse: SseKms | undefined): void {
  if (sse) deps.kms.keyForWrite(who, { region: bucket.region, ownerAccountId: bucketOwner }, sse.kmsKeyArn, objectArn(bucket.name, key));
}
