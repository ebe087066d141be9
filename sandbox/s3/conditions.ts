// Conditional requests: If-Match / If-None-Match / If-(Un)Modified-Since on reads (412 / 304)
// and S3's conditional writes (If-None-Match: * and If-Match on PutObject / CompleteMultipartUpload).
import { AwsError } from '../types.js';
import type { ObjectVersion } from './s3-state.js';

const PRECONDITION = 'At least one of the pre-conditions you specified did not hold';

const preconditionFailed = (condition: string): AwsError => new AwsError('PreconditionFailed', PRECONDITION, 412, { Condition: condition });

/** ETag list match; `*` matches anything, quotes and W/ prefixes are optional. */
function etagMatches(header: string, etag: string): boolean {
  const bare = etag.replace(/^"|"$/g, '');
  return header.split(',').some((raw) => {
    const candidate = raw.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
    return candidate === '*' || candidate === bare;
  });
}

/** HTTP dates have second resolution; an unparseable date is ignored, as HTTP says. */
function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

const seconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

export type ReadCondition = 'ok' | 'not-modified';

/** RFC 7232 order as S3 applies it: If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since. */
export function checkReadConditions(headers: Readonly<Record<string, string>>, object: ObjectVersion): ReadCondition {
  const ifMatch = headers['if-match'];
  const ifNoneMatch = headers['if-none-match'];
  const modified = seconds(object.lastModified);
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, object.etag)) throw preconditionFailed('If-Match');
  } else {
    const since = parseHttpDate(headers['if-unmodified-since']);
    if (since !== undefined && modified > since) throw preconditionFailed('If-Unmodified-Since');
  }
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, object.etag)) return 'not-modified';
  } else {
    const since = parseHttpDate(headers['if-modified-since']);
    if (since !== undefined && modified <= since) return 'not-modified';
  }
  return 'ok';
}

/**
 * Conditional writes: If-None-Match must be `*` and fails when the key exists; If-Match fails when
 * the ETag differs and gives NoSuchKey when there is no current object.
 */
export function checkWriteConditions(headers: Readonly<Record<string, string>>, current: ObjectVersion | undefined, key: string): void {
  const ifNoneMatch = headers['if-none-match'];
  const ifMatch = headers['if-match'];
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') throw new AwsError('NotImplemented', 'A header you provided implies functionality that is not implemented', 501, { Header: 'If-None-Match' });
    if (current) throw preconditionFailed('If-None-Match');
  }
  if (ifMatch !== undefined) {
    if (!current) throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
    if (!etagMatches(ifMatch, current.etag)) throw preconditionFailed('If-Match');
  }
}
