// ListObjectsV2 (list-type=2) and the original ListObjects, over current, non-deleted objects.
import type { SandboxResponse } from '../types.js';
import { AwsError } from '../types.js';
import { sortedKeys, urlEncodeKey, walkKeys } from './key-listing.js';
import type { S3Call } from './s3-call.js';
import { queryInt } from './s3-call.js';
import type { BucketState } from './s3-state.js';
import { canonicalUserId, currentObject, objectOwner, requireBucketEntry } from './s3-state.js';
import { el, xmlResponse } from './xml.js';

const MAX_KEYS = 1000;
const TOKEN_PREFIX = 'sandbox-v2:';

export const encodeContinuationToken = (last: string): string => Buffer.from(TOKEN_PREFIX + last).toString('base64');

export function decodeContinuationToken(token: string): string {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  if (!decoded.startsWith(TOKEN_PREFIX)) throw new AwsError('InvalidArgument', 'The continuation token provided is incorrect', 400, { ArgumentName: 'continuation-token' });
  return decoded.slice(TOKEN_PREFIX.length);
}

interface ListParams {
  readonly prefix: string;
  readonly delimiter: string;
  readonly maxKeys: number;
  readonly encode: (s: string) => string;
}

function listParams(query: URLSearchParams): ListParams {
  const encoding = query.get('encoding-type');
  if (encoding !== null && encoding !== 'url') throw new AwsError('InvalidArgument', 'Invalid Encoding Method specified in Request', 400, { ArgumentName: 'encoding-type', ArgumentValue: encoding });
  return {
    prefix: query.get('prefix') ?? '',
    delimiter: query.get('delimiter') ?? '',
    maxKeys: Math.min(MAX_KEYS, queryInt(query, 'max-keys', MAX_KEYS, 0, Number.MAX_SAFE_INTEGER, 'Provided max-keys not an integer or within integer range')),
    encode: encoding === 'url' ? urlEncodeKey : (s: string) => s,
  };
}

function liveKeys(bucket: BucketState): string[] {
  return sortedKeys(Object.keys(bucket.objects).filter((k) => currentObject(bucket, k) !== undefined));
}

/** `owner`: the bucket owner's account when owners are shown. */
function contents(bucket: BucketState, keys: readonly string[], p: ListParams, owner: string | undefined): string[] {
  return keys.map((key) => {
    const o = currentObject(bucket, key)!;
    return el('Contents', [
      el('Key', p.encode(key)),
      el('LastModified', o.lastModified),
      el('ETag', o.etag),
      o.checksum ? el('ChecksumAlgorithm', o.checksum.algorithm) : '',
      o.checksum ? el('ChecksumType', o.checksum.type) : '',
      el('Size', o.size),
      owner !== undefined ? el('Owner', [el('ID', canonicalUserId(objectOwner(owner, o)))]) : '',
      el('StorageClass', o.storageClass ?? 'STANDARD'),
    ]);
  });
}

const prefixes = (list: readonly string[], p: ListParams): string[] => list.map((cp) => el('CommonPrefixes', [el('Prefix', p.encode(cp))]));
const optional = (value: string): string | undefined => (value === '' ? undefined : value);

export async function listObjectsV2(call: S3Call): Promise<SandboxResponse> {
  const { query } = call.req;
  const { bucket, accountId } = requireBucketEntry(call.deps.store, call.bucketName);
  const p = listParams(query);
  const token = query.get('continuation-token');
  const startAfter = query.get('start-after') ?? '';
  const after = token !== null ? decodeContinuationToken(token) : startAfter;
  const listing = p.maxKeys === 0 ? { keys: [], commonPrefixes: [], truncated: false } : walkKeys(liveKeys(bucket), { prefix: p.prefix, delimiter: p.delimiter, after, maxKeys: p.maxKeys });
  const owner = query.get('fetch-owner') === 'true' ? accountId : undefined;
  return xmlResponse('ListBucketResult', [
    el('Name', bucket.name),
    el('Prefix', p.encode(p.prefix)),
    el('KeyCount', listing.keys.length + listing.commonPrefixes.length),
    el('MaxKeys', p.maxKeys),
    el('Delimiter', optional(p.encode(p.delimiter))),
    el('IsTruncated', listing.truncated),
    el('ContinuationToken', token ?? undefined),
    el('NextContinuationToken', listing.truncated && listing.last !== undefined ? encodeContinuationToken(listing.last) : undefined),
    el('StartAfter', optional(p.encode(startAfter))),
    ...contents(bucket, listing.keys, p, owner),
    ...prefixes(listing.commonPrefixes, p),
    el('EncodingType', query.get('encoding-type') ?? undefined),
  ]);
}

/** ListObjects (v1): marker / NextMarker (NextMarker only with a delimiter, as S3 does). */
export async function listObjectsV1(call: S3Call): Promise<SandboxResponse> {
  const { query } = call.req;
  const { bucket, accountId } = requireBucketEntry(call.deps.store, call.bucketName);
  const p = listParams(query);
  const marker = query.get('marker') ?? '';
  const listing = p.maxKeys === 0 ? { keys: [], commonPrefixes: [], truncated: false } : walkKeys(liveKeys(bucket), { prefix: p.prefix, delimiter: p.delimiter, after: marker, maxKeys: p.maxKeys });
  return xmlResponse('ListBucketResult', [
    el('Name', bucket.name),
    el('Prefix', p.encode(p.prefix)),
    el('Marker', p.encode(marker)),
    el('NextMarker', listing.truncated && p.delimiter !== '' && listing.last !== undefined ? p.encode(listing.last) : undefined),
    el('MaxKeys', p.maxKeys),
    el('Delimiter', optional(p.encode(p.delimiter))),
    el('IsTruncated', listing.truncated),
    ...contents(bucket, listing.keys, p, accountId),
    ...prefixes(listing.commonPrefixes, p),
    el('EncodingType', query.get('encoding-type') ?? undefined),
  ]);
}
