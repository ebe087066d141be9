// ListObjectVersions (GET /<bucket>?versions): every version and delete marker, newest first per
// key, paged by key-marker / version-id-marker.
import type { SandboxResponse } from '../types.js';
import { AwsError } from '../types.js';
import { compareKeys, sortedKeys, urlEncodeKey } from './key-listing.js';
import type { S3Call } from './s3-call.js';
import { queryInt } from './s3-call.js';
import type { ObjectVersion } from './s3-state.js';
import { canonicalUserId, objectOwner, ownGet, requireBucketEntry } from './s3-state.js';
import { el, xmlResponse } from './xml.js';

type Entry = { key: string; version: ObjectVersion; isLatest: boolean } | { prefix: string };

export async function listObjectVersions(call: S3Call): Promise<SandboxResponse> {
  const { query } = call.req;
  const { bucket, accountId } = requireBucketEntry(call.deps.store, call.bucketName);
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const keyMarker = query.get('key-marker') ?? '';
  const versionMarker = query.get('version-id-marker') ?? '';
  if (versionMarker !== '' && keyMarker === '') throw new AwsError('InvalidArgument', 'A version-id marker cannot be specified without a key marker.', 400, { ArgumentName: 'version-id-marker' });
  const maxKeys = Math.min(1000, queryInt(query, 'max-keys', 1000, 0, Number.MAX_SAFE_INTEGER));
  const encode = query.get('encoding-type') === 'url' ? urlEncodeKey : (s: string) => s;

  const entries: Entry[] = [];
  let lastPrefix: string | undefined;
  for (const key of sortedKeys(Object.keys(bucket.objects))) {
    if (!key.startsWith(prefix)) continue;
    const order = keyMarker === '' ? 1 : compareKeys(key, keyMarker);
    if (order < 0 || (order === 0 && versionMarker === '')) continue;
    const at = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
    if (at >= 0) {
      const cp = key.slice(0, at + delimiter.length);
      if (cp !== lastPrefix && cp !== keyMarker) entries.push({ prefix: cp });
      lastPrefix = cp;
      continue;
    }
    const versions = ownGet(bucket.objects, key) ?? [];
    let start = 0;
    if (order === 0) {
      start = versions.findIndex((v) => v.versionId === versionMarker) + 1;
      if (start === 0) throw new AwsError('InvalidArgument', 'Invalid version id specified', 400, { ArgumentName: 'version-id-marker', ArgumentValue: versionMarker });
    }
    versions.slice(start).forEach((version) => entries.push({ key, version, isLatest: version === versions[0] }));
  }
  const page = entries.slice(0, maxKeys);
  const truncated = entries.length > page.length;
  const last = page[page.length - 1];
  const owner = (v: { ownerAccountId?: string }): string => el('Owner', [el('ID', canonicalUserId(objectOwner(accountId, v)))]);
  const body = page.map((e) => {
    if ('prefix' in e) return el('CommonPrefixes', [el('Prefix', encode(e.prefix))]);
    const common = [el('Key', encode(e.key)), el('VersionId', e.version.versionId), el('IsLatest', e.isLatest), el('LastModified', e.version.lastModified)];
    if (e.version.deleteMarker) return el('DeleteMarker', [...common, owner(e.version)]);
    return el('Version', [
      ...common,
      el('ETag', e.version.etag),
      e.version.checksum ? el('ChecksumAlgorithm', e.version.checksum.algorithm) : '',
      e.version.checksum ? el('ChecksumType', e.version.checksum.type) : '',
      el('Size', e.version.size),
      el('StorageClass', e.version.storageClass ?? 'STANDARD'),
      owner(e.version),
    ]);
  });
  return xmlResponse('ListVersionsResult', [
    el('Name', bucket.name),
    el('Prefix', encode(prefix)),
    el('KeyMarker', encode(keyMarker)),
    el('VersionIdMarker', versionMarker),
    el('NextKeyMarker', truncated && last ? encode('prefix' in last ? last.prefix : last.key) : undefined),
    el('NextVersionIdMarker', truncated && last && !('prefix' in last) ? last.version.versionId : undefined),
    el('MaxKeys', maxKeys),
    el('Delimiter', delimiter === '' ? undefined : encode(delimiter)),
    el('IsTruncated', truncated),
    ...body,
    el('EncodingType', query.get('encoding-type') ?? undefined),
  ]);
}
