// Pure helpers of the S3 bundle download (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/command_executor.rb): ETag normalisation as the official agent does
// it, the Range header of a resumed request, Content-Range parsing, the back-off schedule and the
// s3:// name used in messages. No I/O here.
import { backoffDelayMs as sharedBackoff } from '../../shared/retry.js';

/** The official agent's comparison form: every `"` removed (not only the surrounding pair). */
export function normalizeEtag(etag: string): string {
  return etag.replace(/"/g, '');
}

/** Same object per the official check: both ETags with all `"` stripped, compared exactly. */
export function etagsMatch(expected: string, actual: string): boolean {
  return normalizeEtag(expected) === normalizeEtag(actual);
}

/**
 * An ETag that is the MD5 of the object's bytes: 32 hex digits, no `-N` multipart suffix. (Objects
 * encrypted with SSE-KMS or SSE-C have such ETags too, but they are not MD5s: see `md5Verifiable`.)
 */
export function isPlainMd5Etag(etag: string): boolean {
  return /^[0-9a-f]{32}$/i.test(normalizeEtag(etag));
}

/** Whether the object's ETag can be checked against the MD5 of the downloaded bytes. */
export function md5Verifiable(etag: string, serverSideEncryption: string | undefined, sseCustomerAlgorithm: string | undefined): boolean {
  if (sseCustomerAlgorithm) return false;
  if (serverSideEncryption !== undefined && serverSideEncryption !== 'AES256') return false;
  return isPlainMd5Etag(etag);
}

/** The Range header that resumes a download after `written` bytes; undefined for a fresh start. */
export function resumeRange(written: number): string | undefined {
  return written > 0 ? `bytes=${written}-` : undefined;
}

export interface ContentRange {
  readonly start: number;
  /** Inclusive. */
  readonly end: number;
  /** Size of the whole object; undefined for `*`. */
  readonly total: number | undefined;
}

/** `bytes 100-199/200` → {100, 199, 200}; anything else → undefined. */
export function parseContentRange(header: string | undefined): ContentRange | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/.exec(header);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start) return undefined;
  return { start, end, total: m[3] === '*' ? undefined : Number(m[3]) };
}

export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * Delay before retry number `retry` (1 = the first retry): exponential `baseMs * 2^(retry-1)`,
 * capped at `maxMs`, with "equal jitter" (shared/retry.ts): half fixed, half random, so retries of
 * many devices spread out but none retries immediately. `random` returns [0, 1).
 */
export function backoffDelayMs(retry: number, options: BackoffOptions, random: () => number = Math.random): number {
  return sharedBackoff(retry - 1, { baseMs: options.baseMs, capMs: options.maxMs, jitter: 'equal' }, random);
}

export interface S3Location {
  readonly bucket: string;
  readonly key: string;
  readonly version?: string | undefined;
}

/** `s3://bucket/key` or `s3://bucket/key (version v)`, for messages. */
export function describeLocation(loc: S3Location): string {
  return `s3://${loc.bucket}/${loc.key}${loc.version ? ` (version ${loc.version})` : ''}`;
}

/** 1536 → "1.5 KiB", for messages. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}
