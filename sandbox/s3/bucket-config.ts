// Bucket policy (Put/Get/DeleteBucketPolicy), default encryption (Put/Get/DeleteBucketEncryption)
// and object ownership (Put/Get/DeleteBucketOwnershipControls). Who may call them was decided by
// the router (s3-access.ts); bucket policies only by the owner's account.
import { PolicyError, parsePolicy } from '../iam/policy.js';
import type { SandboxResponse } from '../types.js';
import { AwsError } from '../types.js';
import { readPayload } from './request-payload.js';
import type { S3Call } from './s3-call.js';
import type { BucketState, ObjectOwnership } from './s3-state.js';
import { requireBucketEntry } from './s3-state.js';
import { el, parseXmlBody, text, xmlResponse } from './xml.js';

const malformedPolicy = (message: string): AwsError => new AwsError('MalformedPolicy', message, 400);
const malformedXml = (): AwsError => new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');

/** Checks a bucket policy as S3 does: JSON, a Principal per statement, resources inside this bucket. */
export function validateBucketPolicy(text: string, bucketName: string): void {
  if (!text.trimStart().startsWith('{')) throw malformedPolicy("Policies must be valid JSON and the first byte must be '{'");
  let doc;
  try {
    doc = parsePolicy(text);
  } catch (e) {
    if (e instanceof PolicyError) throw malformedPolicy(e.reason === 'not valid JSON' ? "Policies must be valid JSON and the first byte must be '{'" : e.message);
    throw e;
  }
  for (const s of doc.statements) {
    if (s.aws === undefined && s.services === undefined) throw malformedPolicy('Missing required field Principal');
    for (const r of s.resources ?? []) {
      if (r !== `arn:aws:s3:::${bucketName}` && !r.startsWith(`arn:aws:s3:::${bucketName}/`)) throw malformedPolicy('Policy has invalid resource');
    }
    if (s.resources === undefined) throw malformedPolicy('Missing required field Resource');
    if (!s.actions.every((a) => a === '*' || a.toLowerCase().startsWith('s3:'))) throw malformedPolicy('Policy has invalid action');
  }
}

const bucketOf = (call: S3Call): BucketState => requireBucketEntry(call.deps.store, call.bucketName).bucket;

export async function putBucketPolicy(call: S3Call): Promise<SandboxResponse> {
  const bucket = bucketOf(call);
  const body = readPayload(call.req).data.toString('utf8');
  validateBucketPolicy(body, bucket.name);
  bucket.policy = body;
  call.deps.store.changed();
  return { status: 204 };
}

export async function getBucketPolicy(call: S3Call): Promise<SandboxResponse> {
  const bucket = bucketOf(call);
  if (bucket.policy === undefined) throw new AwsError('NoSuchBucketPolicy', 'The bucket policy does not exist', 404, { BucketName: bucket.name });
  return { status: 200, headers: { 'content-type': 'application/json' }, body: bucket.policy };
}

export async function deleteBucketPolicy(call: S3Call): Promise<SandboxResponse> {
  const bucket = bucketOf(call);
  delete bucket.policy;
  call.deps.store.changed();
  return { status: 204 };
}

export async function putBucketEncryption(call: S3Call): Promise<SandboxResponse> {
  const bucket = bucketOf(call);
  const config = parseXmlBody(readPayload(call.req).data, 'ServerSideEncryptionConfiguration');
  const rule = config['Rule'];
  if (rule === undefined || Array.isArray(rule) || typeof rule !== 'object') throw malformedXml();
  const byDefault = rule['ApplyServerSideEncryptionByDefault'];
  const algorithm = byDefault === undefined ? undefined : text(byDefault, 'SSEAlgorithm');
  const kmsKeyId = byDefault === undefined ? undefined : text(byDefault, 'KMSMasterKeyID');
  if (algorithm !== 'AES256' && algorithm !== 'aws:kms' && algorithm !== 'aws:kms:dsse') throw malformedXml();
  if (kmsKeyId !== undefined && algorithm === 'AES256') {
    throw new AwsError('InvalidArgument', 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse', 400, { ArgumentName: 'ApplyServerSideEncryptionByDefault' });
  }
  const bucketKey = text(rule, 'BucketKeyEnabled') === 'true';
  bucket.encryption = algorithm === 'AES256' ? { algorithm } : { algorithm: 'aws:kms', ...(kmsKeyId ? { kmsKeyId } : {}), ...(bucketKey ? { bucketKey } : {}) };
  call.deps.store.changed();
  return { status: 200 };
}

export async function getBucketEncryption(call: S3Call): Promise<SandboxResponse> {
  const enc = bucketOf(call).encryption ?? { algorithm: 'AES256' as const };
  return xmlResponse('ServerSideEncryptionConfiguration', [
    el('Rule', [
      el('ApplyServerSideEncryptionByDefault', [el('SSEAlgorithm', enc.algorithm), el('KMSMasterKeyID', enc.kmsKeyId)]),
      el('BucketKeyEnabled', enc.bucketKey === true),
    ]),
  ]);
}

export async function deleteBucketEncryption(call: S3Call): Promise<SandboxResponse> {
  delete bucketOf(call).encryption;
  call.deps.store.changed();
  return { status: 204 };
}

const OWNERSHIPS: readonly ObjectOwnership[] = ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'];

export async function putBucketOwnershipControls(call: S3Call): Promise<SandboxResponse> {
  const bucket = bucketOf(call);
  const config = parseXmlBody(readPayload(call.req).data, 'OwnershipControls');
  const rule = config['Rule'];
  const value = rule === undefined ? undefined : text(rule, 'ObjectOwnership');
  if (!OWNERSHIPS.includes(value as ObjectOwnership)) throw malformedXml();
  bucket.ownership = value as ObjectOwnership;
  call.deps.store.changed();
  return { status: 200 };
}

export async function getBucketOwnershipControls(call: S3Call): Promise<SandboxResponse> {
  const bucket = bucketOf(call);
  if (bucket.ownership === null) {
    throw new AwsError('OwnershipControlsNotFoundError', 'The bucket ownership controls were not found', 404, { BucketName: bucket.name });
  }
  return xmlResponse('OwnershipControls', [el('Rule', [el('ObjectOwnership', bucket.ownership ?? 'BucketOwnerEnforced')])]);
}

export async function deleteBucketOwnershipControls(call: S3Call): Promise<SandboxResponse> {
  bucketOf(call).ownership = null;
  call.deps.store.changed();
  return { status: 204 };
}
