// MethodNotAllowed for S3 operations the sandbox does not implement, naming the operation so a
// caller sees at once which API call to avoid (or to add to the sandbox).
import type { SandboxRequest } from '../types.js';
import { AwsError } from '../types.js';

/** Sub-resource → the API's noun for a bucket-level and an object-level request. */
const NOUNS: Record<string, readonly [string, string]> = {
  accelerate: ['BucketAccelerateConfiguration', 'BucketAccelerateConfiguration'],
  acl: ['BucketAcl', 'ObjectAcl'],
  analytics: ['BucketAnalyticsConfiguration', 'BucketAnalyticsConfiguration'],
  attributes: ['BucketAttributes', 'ObjectAttributes'],
  cors: ['BucketCors', 'BucketCors'],
  encryption: ['BucketEncryption', 'BucketEncryption'],
  'intelligent-tiering': ['BucketIntelligentTieringConfiguration', 'BucketIntelligentTieringConfiguration'],
  inventory: ['BucketInventoryConfiguration', 'BucketInventoryConfiguration'],
  'legal-hold': ['ObjectLegalHold', 'ObjectLegalHold'],
  lifecycle: ['BucketLifecycleConfiguration', 'BucketLifecycleConfiguration'],
  logging: ['BucketLogging', 'BucketLogging'],
  metadataTable: ['BucketMetadataTableConfiguration', 'BucketMetadataTableConfiguration'],
  metrics: ['BucketMetricsConfiguration', 'BucketMetricsConfiguration'],
  notification: ['BucketNotificationConfiguration', 'BucketNotificationConfiguration'],
  'object-lock': ['ObjectLockConfiguration', 'ObjectLockConfiguration'],
  ownershipControls: ['BucketOwnershipControls', 'BucketOwnershipControls'],
  policy: ['BucketPolicy', 'BucketPolicy'],
  policyStatus: ['BucketPolicyStatus', 'BucketPolicyStatus'],
  publicAccessBlock: ['PublicAccessBlock', 'PublicAccessBlock'],
  replication: ['BucketReplication', 'BucketReplication'],
  requestPayment: ['BucketRequestPayment', 'BucketRequestPayment'],
  retention: ['ObjectRetention', 'ObjectRetention'],
  tagging: ['BucketTagging', 'ObjectTagging'],
  torrent: ['ObjectTorrent', 'ObjectTorrent'],
  website: ['BucketWebsite', 'BucketWebsite'],
};

const SPECIAL: Record<string, string> = {
  'POST restore': 'RestoreObject',
  'POST select': 'SelectObjectContent',
  'GET session': 'CreateSession',
  'PUT renameObject': 'RenameObject',
  'PUT copy': 'CopyObject',
  'PUT uploadId copy': 'UploadPartCopy',
};

const VERBS: Record<string, string> = { GET: 'Get', PUT: 'Put', DELETE: 'Delete', HEAD: 'Head', POST: 'Post' };

function operationName(req: SandboxRequest, subresources: readonly string[], key: string): string {
  const sdkName = req.query.get('x-id');
  if (sdkName) return sdkName;
  const copy = req.method === 'PUT' && req.headers['x-amz-copy-source'] !== undefined ? ' copy' : '';
  const special = SPECIAL[`${req.method} ${subresources.join(' ')}${copy}`.replace('  ', ' ')];
  if (special) return special;
  const nouns = subresources.length === 1 ? NOUNS[subresources[0]!] : undefined;
  if (nouns) return `${VERBS[req.method] ?? req.method}${key === '' ? nouns[0] : nouns[1]}`;
  return 'this operation';
}

export function unsupportedOperation(req: SandboxRequest, subresources: readonly string[], bucketName: string, key: string): AwsError {
  const target = bucketName === '' ? '/' : key === '' ? `/${bucketName}` : `/${bucketName}/${key}`;
  const query = subresources.length > 0 ? `?${subresources.join('&')}` : '';
  const operation = operationName(req, subresources, key);
  return new AwsError('MethodNotAllowed', `The S3 sandbox does not support ${operation} (${req.method} ${target}${query})`, 405, {
    Method: req.method,
    ResourceType: key === '' ? (bucketName === '' ? 'SERVICE' : 'BUCKET') : 'OBJECT',
  });
}
