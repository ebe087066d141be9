// The sandbox's S3 (path-style: /<bucket> and /<bucket>/<key>): routes a request to its operation
// by method, key presence and sub-resource; anything else is MethodNotAllowed, naming the operation.
import type { Clock, SandboxRequest, SandboxResponse, SandboxStore, ServiceHandler } from '../types.js';
import { AwsError } from '../types.js';
import { createS3Kms, type S3Kms } from '../kms/kms-for-s3.js';
import {
  deleteBucketEncryption, deleteBucketOwnershipControls, deleteBucketPolicy, getBucketEncryption, getBucketOwnershipControls, getBucketPolicy,
  putBucketEncryption, putBucketOwnershipControls, putBucketPolicy,
} from './bucket-config.js';
import { copyObject, uploadPartCopy } from './copy.js';
import { authorizeRequest } from './s3-access.js';
import { createBucket, deleteBucket, getBucketLocation, getBucketVersioning, headBucket, listBuckets, putBucketVersioning } from './buckets.js';
import { deleteObjects } from './delete-objects.js';
import { listObjectsV1, listObjectsV2 } from './list-objects.js';
import { listObjectVersions } from './list-versions.js';
import { completeMultipartUpload } from './multipart-complete.js';
import { abortMultipartUpload, createMultipartUpload, listMultipartUploads, listParts, uploadPart } from './multipart.js';
import { deleteObject, getObject, putObject } from './objects.js';
import { BlobKeeper } from './blob-keeper.js';
import type { S3Call, S3Deps } from './s3-call.js';
import { unsupportedOperation } from './unsupported.js';

type Operation = (call: S3Call) => Promise<SandboxResponse>;

/** Query parameters that select an operation (everything else is an operation's argument). */
const SUBRESOURCES = new Set([
  'accelerate', 'acl', 'analytics', 'attributes', 'cors', 'delete', 'encryption', 'intelligent-tiering', 'inventory', 'legal-hold',
  'lifecycle', 'location', 'logging', 'metadataTable', 'metrics', 'notification', 'object-lock', 'ownershipControls', 'policy',
  'policyStatus', 'publicAccessBlock', 'renameObject', 'replication', 'requestPayment', 'restore', 'retention', 'select', 'session',
  'tagging', 'torrent', 'uploadId', 'uploads', 'versioning', 'versions', 'website',
]);

const BUCKET_ROUTES: Record<string, Operation> = {
  'GET ': (call) => (call.req.query.get('list-type') === '2' ? listObjectsV2(call) : listObjectsV1(call)),
  'PUT ': createBucket,
  'HEAD ': headBucket,
  'DELETE ': deleteBucket,
  'GET versioning': getBucketVersioning,
  'PUT versioning': putBucketVersioning,
  'GET location': getBucketLocation,
  'GET versions': listObjectVersions,
  'GET uploads': listMultipartUploads,
  'POST delete': deleteObjects,
  'GET policy': getBucketPolicy,
  'PUT policy': putBucketPolicy,
  'DELETE policy': deleteBucketPolicy,
  'GET encryption': getBucketEncryption,
  'PUT encryption': putBucketEncryption,
  'DELETE encryption': deleteBucketEncryption,
  'GET ownershipControls': getBucketOwnershipControls,
  'PUT ownershipControls': putBucketOwnershipControls,
  'DELETE ownershipControls': deleteBucketOwnershipControls,
};

const OBJECT_ROUTES: Record<string, Operation> = {
  'GET ': (call) => getObject(call, false),
  'HEAD ': (call) => getObject(call, true),
  'PUT ': (call) => (call.req.headers['x-amz-copy-source'] !== undefined ? copyObject(call) : putObject(call)),
  'DELETE ': deleteObject,
  'POST uploads': createMultipartUpload,
  'PUT uploadId': (call) => (call.req.headers['x-amz-copy-source'] !== undefined ? uploadPartCopy(call) : uploadPart(call)),
  'GET uploadId': listParts,
  'POST uploadId': completeMultipartUpload,
  'DELETE uploadId': abortMultipartUpload,
};

function splitPath(rawPath: string): { bucketName: string; key: string } {
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  const slash = path.indexOf('/');
  try {
    if (slash < 0) return { bucketName: decodeURIComponent(path), key: '' };
    return { bucketName: decodeURIComponent(path.slice(0, slash)), key: decodeURIComponent(path.slice(slash + 1)) };
  } catch {
    throw new AwsError('InvalidURI', "Couldn't parse the specified URI.", 400, { URI: rawPath });
  }
}

export function createS3Service(deps: { store: SandboxStore; clock?: Clock; kms?: S3Kms }): ServiceHandler {
  const clock = deps.clock ?? { now: () => new Date() };
  const s3: S3Deps = { store: deps.store, clock, blobs: new BlobKeeper(deps.store), kms: deps.kms ?? createS3Kms({ store: deps.store, clock }) };
  return async (req: SandboxRequest): Promise<SandboxResponse> => {
    const { bucketName, key } = splitPath(req.rawPath);
    const subresources = [...new Set(req.query.keys())].filter((name) => SUBRESOURCES.has(name));
    const call: S3Call = { deps: s3, req, bucketName, key };
    if (bucketName === '') {
      if (req.method === 'GET' && subresources.length === 0) return listBuckets(call);
      throw unsupportedOperation(req, subresources, bucketName, key);
    }
    // uploadId with partNumber is UploadPart; uploadId alone the other multipart calls.
    const sub = subresources.length === 1 ? subresources[0]! : '';
    if (subresources.length > 1) throw unsupportedOperation(req, subresources, bucketName, key);
    const routes = key === '' ? BUCKET_ROUTES : OBJECT_ROUTES;
    const route = Object.hasOwn(routes, `${req.method} ${sub}`) ? routes[`${req.method} ${sub}`] : undefined;
    if (!route) throw unsupportedOperation(req, subresources, bucketName, key);
    authorizeRequest(deps.store, req, bucketName, key, sub);
    return route(call);
  };
}
