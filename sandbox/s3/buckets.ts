// Bucket operations: CreateBucket, HeadBucket, DeleteBucket, ListBuckets, GetBucketLocation,
// Put/GetBucketVersioning. Names are unique across all accounts of the sandbox.
import type { SandboxResponse } from '../types.js';
import { AwsError } from '../types.js';
import { readPayload } from './request-payload.js';
import type { S3Call } from './s3-call.js';
import type { BucketState } from './s3-state.js';
import { accountDoc, canonicalUserId, findBucket, ownSet, requireBucket, requireBucketEntry } from './s3-state.js';
import { el, parseXmlBody, text, xmlResponse } from './xml.js';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d+\.\d+\.\d+\.\d+$/;

export function validateBucketName(name: string): void {
  if (!BUCKET_NAME.test(name) || IP_ADDRESS.test(name) || name.includes('..') || name.startsWith('xn--') || name.endsWith('-s3alias')) {
    throw new AwsError('InvalidBucketName', 'The specified bucket is not valid.', 400, { BucketName: name });
  }
}

export async function createBucket(call: S3Call): Promise<SandboxResponse> {
  const { deps, req, bucketName } = call;
  validateBucketName(bucketName);
  const payload = readPayload(req);
  let region = req.region;
  if (payload.data.length > 0) {
    const constraint = text(parseXmlBody(payload.data, 'CreateBucketConfiguration'), 'LocationConstraint');
    if (constraint !== undefined && constraint !== '') {
      if (constraint !== req.region) {
        throw new AwsError('IllegalLocationConstraintException', `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`);
      }
      region = constraint;
    }
  }
  const existing = findBucket(deps.store, bucketName);
  if (existing) {
    if (existing.accountId !== req.principal.accountId) {
      throw new AwsError('BucketAlreadyExists', 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.', 409, { BucketName: bucketName });
    }
    // us-east-1 answers a repeated create by the owner with success (legacy behaviour).
    if (existing.bucket.region === 'us-east-1' && region === 'us-east-1') return { status: 200, headers: { location: `/${bucketName}` } };
    throw new AwsError('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', 409, { BucketName: bucketName });
  }
  const bucket: BucketState = { name: bucketName, region, createdAt: deps.clock.now().toISOString(), objects: {}, uploads: {} };
  ownSet(accountDoc(deps.store, req.principal.accountId).buckets, bucketName, bucket);
  deps.store.changed();
  return { status: 200, headers: { location: `/${bucketName}` } };
}

export async function headBucket(call: S3Call): Promise<SandboxResponse> {
  const bucket = requireBucket(call.deps.store, call.req.principal, call.bucketName);
  return { status: 200, headers: { 'x-amz-bucket-region': bucket.region, 'x-amz-access-point-alias': 'false' } };
}

export async function deleteBucket(call: S3Call): Promise<SandboxResponse> {
  const { deps, bucketName } = call;
  const { bucket, accountId } = requireBucketEntry(deps.store, bucketName);
  if (Object.keys(bucket.objects).length > 0) throw new AwsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, { BucketName: bucketName });
  const parts = Object.values(bucket.uploads).flatMap((u) => Object.values(u.parts).map((p) => p.blobId));
  delete accountDoc(deps.store, accountId).buckets[bucketName];
  deps.store.changed();
  await deps.blobs.release(parts);
  return { status: 204 };
}

export async function listBuckets(call: S3Call): Promise<SandboxResponse> {
  const { deps, req } = call;
  const buckets = Object.values(accountDoc(deps.store, req.principal.accountId).buckets)
    .filter((b) => (req.query.get('prefix') ?? '') === '' || b.name.startsWith(req.query.get('prefix')!))
    .filter((b) => (req.query.get('bucket-region') ?? '') === '' || b.region === req.query.get('bucket-region'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return xmlResponse('ListAllMyBucketsResult', [
    el('Owner', [el('ID', canonicalUserId(req.principal.accountId))]),
    el(
      'Buckets',
      buckets.map((b) => el('Bucket', [el('Name', b.name), el('CreationDate', b.createdAt), el('BucketRegion', b.region)])),
    ),
    el('Prefix', req.query.get('prefix') ?? undefined),
  ]);
}

export async function getBucketLocation(call: S3Call): Promise<SandboxResponse> {
  const bucket = requireBucket(call.deps.store, call.req.principal, call.bucketName);
  const constraint = bucket.region === 'us-east-1' ? '' : bucket.region;
  return { status: 200, headers: { 'content-type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${constraint}</LocationConstraint>` };
}

export async function putBucketVersioning(call: S3Call): Promise<SandboxResponse> {
  const { deps, req } = call;
  const bucket = requireBucket(deps.store, req.principal, call.bucketName);
  const config = parseXmlBody(readPayload(req).data, 'VersioningConfiguration');
  const status = text(config, 'Status');
  if (status !== undefined && status !== 'Enabled' && status !== 'Suspended') {
    throw new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  }
  const mfaDelete = text(config, 'MfaDelete');
  if (mfaDelete === 'Enabled') throw new AwsError('NotImplemented', 'The sandbox does not support MFA delete', 501);
  // Once enabled, versioning can only be suspended, never switched off.
  if (status !== undefined) bucket.versioning = status;
  deps.store.changed();
  return { status: 200 };
}

export async function getBucketVersioning(call: S3Call): Promise<SandboxResponse> {
  const bucket = requireBucket(call.deps.store, call.req.principal, call.bucketName);
  return xmlResponse('VersioningConfiguration', [el('Status', bucket.versioning)]);
}
