// Who may do what to a bucket: the bucket's owner account may do everything (IAM identity policies
// are not modelled), another account's principal only what the bucket policy allows; an explicit
// Deny in the bucket policy refuses anyone. Decided once per request, before the operation runs.
import { randomBytes } from 'node:crypto';
import { compiledPolicy, evaluatePolicy } from '../iam/policy.js';
import type { Principal, SandboxRequest, SandboxStore } from '../types.js';
import { AwsError } from '../types.js';
import { findBucket } from './s3-state.js';

/** S3's AccessDenied: 403 "Access Denied" (RequestId is added by the core, HostId here). */
export const accessDenied = (message = 'Access Denied'): AwsError =>
  new AwsError('AccessDenied', message, 403, { HostId: randomBytes(48).toString('base64') });


export const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;
export const objectArn = (bucket: string, key: string): string => `arn:aws:s3:::${bucket}/${key}`;

export interface S3Access {
  readonly action: string;
  /** The object key the action is on; undefined = the bucket. */
  readonly key?: string;
  readonly context?: Readonly<Record<string, string>>;
}

export type AccessDecision = 'owner' | 'allowed' | 'denied' | 'no-bucket';

/** The decision for one action; no exception. */
export function decideS3(store: SandboxStore, principal: Principal, bucketName: string, access: S3Access): AccessDecision {
  const found = findBucket(store, bucketName);
  if (!found) return 'no-bucket';
  const decision = found.bucket.policy
    ? evaluatePolicy(compiledPolicy(found.bucket.policy), {
        principal,
        action: access.action,
        resource: access.key === undefined ? bucketArn(bucketName) : objectArn(bucketName, access.key),
        context: { 'aws:PrincipalAccount': principal.accountId, 'aws:PrincipalArn': principal.arn, ...access.context },
      })
    : 'NoMatch';
  if (decision === 'Deny') return 'denied';
  if (found.accountId === principal.accountId) return 'owner';
  return decision === 'Allow' ? 'allowed' : 'denied';
}

/** Throws AccessDenied unless allowed (a missing bucket is left to the operation: NoSuchBucket). */
export function authorizeS3(store: SandboxStore, principal: Principal, bucketName: string, access: S3Access): void {
  if (decideS3(store, principal, bucketName, access) === 'denied') throw accessDenied();
}

const BUCKET_ACTIONS: Readonly<Record<string, string>> = {
  'GET ': 's3:ListBucket',
  'HEAD ': 's3:ListBucket',
  'DELETE ': 's3:DeleteBucket',
  'GET versioning': 's3:GetBucketVersioning',
  'PUT versioning': 's3:PutBucketVersioning',
  'GET location': 's3:GetBucketLocation',
  'GET versions': 's3:ListBucketVersions',
  'GET uploads': 's3:ListBucketMultipartUploads',
  'GET policy': 's3:GetBucketPolicy',
  'PUT policy': 's3:PutBucketPolicy',
  'DELETE policy': 's3:DeleteBucketPolicy',
  'GET encryption': 's3:GetEncryptionConfiguration',
  'PUT encryption': 's3:PutEncryptionConfiguration',
  'DELETE encryption': 's3:PutEncryptionConfiguration',
  'GET ownershipControls': 's3:GetBucketOwnershipControls',
  'PUT ownershipControls': 's3:PutBucketOwnershipControls',
  'DELETE ownershipControls': 's3:PutBucketOwnershipControls',
};

const OBJECT_ACTIONS: Readonly<Record<string, string>> = {
  'GET ': 's3:GetObject',
  'HEAD ': 's3:GetObject',
  'PUT ': 's3:PutObject',
  'DELETE ': 's3:DeleteObject',
  'POST uploads': 's3:PutObject',
  'PUT uploadId': 's3:PutObject',
  'GET uploadId': 's3:ListMultipartUploadParts',
  'POST uploadId': 's3:PutObject',
  'DELETE uploadId': 's3:AbortMultipartUpload',
};

/** Operations only the bucket owner's account may call, whatever the policy says (405 otherwise, as S3). */
const OWNER_ONLY = new Set(['s3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy']);

function writeContext(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of ['x-amz-server-side-encryption', 'x-amz-server-side-encryption-aws-kms-key-id', 'x-amz-acl', 'x-amz-copy-source']) {
    if (headers[h] !== undefined) out[`s3:${h}`] = headers[h];
  }
  return out;
}

/** The access a routed request needs; undefined for CreateBucket/ListBuckets/DeleteObjects (checked elsewhere). */
export function requestAccess(req: SandboxRequest, key: string, sub: string): S3Access | undefined {
  const route = `${req.method} ${sub}`;
  const versioned = req.query.get('versionId') !== null;
  if (key === '') {
    const action = Object.hasOwn(BUCKET_ACTIONS, route) ? BUCKET_ACTIONS[route] : undefined;
    if (!action) return undefined;
    const prefix = req.query.get('prefix');
    return { action, ...(prefix !== null && action.startsWith('s3:List') ? { context: { 's3:prefix': prefix } } : {}) };
  }
  let action = Object.hasOwn(OBJECT_ACTIONS, route) ? OBJECT_ACTIONS[route] : undefined;
  if (!action) return undefined;
  if (versioned && (action === 's3:GetObject' || action === 's3:DeleteObject')) action = `${action}Version`;
  return { action, key, context: writeContext(req.headers) };
}

/** Decides a routed request; owner-only operations from another account are MethodNotAllowed when allowed, AccessDenied when not. */
export function authorizeRequest(store: SandboxStore, req: SandboxRequest, bucketName: string, key: string, sub: string): void {
  const access = requestAccess(req, key, sub);
  if (!access) return;
  const decision = decideS3(store, req.principal, bucketName, access);
  if (decision === 'denied') throw accessDenied();
  if (decision === 'allowed' && OWNER_ONLY.has(access.action)) {
    throw new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, { Method: req.method, ResourceType: 'BUCKETPOLICY' });
  }
}
