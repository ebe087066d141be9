// Fake S3 (one account): buckets of objects with MD5 ETags (multipart ETags as S3 makes them), reads
// with If-Match, conditional writes (If-None-Match: * / If-Match → PreconditionFailed 412), copy with
// x-amz-copy-source-if-match, and ListObjectsV2 with prefix, delimiter, max-keys and continuation.
import { createHash } from 'node:crypto';
import type { ObjectHead, ObjectRef, PutObjectInput, S3Port, UploadInput, WriteConditions, WriteProtection } from '../../../controller/aws/ports.js';
import { failer } from './errors.js';

const fail = failer('s3');
const MIN_PART = 5 * 1024 * 1024;

interface StoredObject {
  readonly body: Uint8Array;
  readonly etag: string;
  readonly lastModified: Date;
  readonly contentType?: string;
  readonly metadata: Record<string, string>;
  /** Base64 SHA-256 (composite "-N" for multipart), when the writer asked for SHA-256 checksums. */
  readonly checksumSha256?: string;
  readonly kmsKeyId?: string;
}

const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');
const bare = (etag: string): string => etag.replace(/^W\//, '').replace(/"/g, '');
const bytes = (body: Uint8Array | string): Uint8Array => (typeof body === 'string' ? new TextEncoder().encode(body) : new Uint8Array(body));
const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

/** What S3 keeps of a write's protection: the SHA-256 checksum (of the parts, for multipart) and the KMS key. */
function protectionOf(p: WriteProtection, body: Uint8Array, partSize?: number): { checksumSha256?: string; kmsKeyId?: string } {
  let checksum: string | undefined;
  if (p.checksumAlgorithm === 'SHA256') {
    if (partSize === undefined || body.byteLength <= partSize) checksum = sha256(body).toString('base64');
    else {
      const parts: Buffer[] = [];
      for (let at = 0; at < body.byteLength; at += partSize) parts.push(sha256(body.subarray(at, at + partSize)));
      checksum = `${sha256(Buffer.concat(parts)).toString('base64')}-${parts.length}`;
    }
  }
  return { ...(checksum ? { checksumSha256: checksum } : {}), ...(p.kmsKeyId ? { kmsKeyId: p.kmsKeyId } : {}) };
}

export class FakeS3 implements S3Port {
  readonly buckets = new Map<string, Map<string, StoredObject>>();
  /** Multipart uploads completed (for tests). */
  multipartUploads = 0;

  /** Other accounts a bucket policy lets read (GetObject, ListBucket) or write (PutObject, DeleteObject). */
  readonly grants = new Map<string, { read: Set<string>; write: Set<string> }>();

  /** `account`: whose S3 this is; `directory`: the S3 of the account owning a bucket (S3 names are global). */
  constructor(private readonly opts: { clock: () => Date; account?: string; directory?: (bucket: string) => FakeS3 | undefined }) {}

  /** Test set-up: a bucket policy statement allowing another account to read or write. */
  grant(bucket: string, account: string, ...access: ('read' | 'write')[]): this {
    const g = this.grants.get(bucket) ?? { read: new Set<string>(), write: new Set<string>() };
    for (const a of access) g[a].add(account);
    this.grants.set(bucket, g);
    return this;
  }

  createBucket(name: string): this {
    if (!this.buckets.has(name)) this.buckets.set(name, new Map());
    return this;
  }

  private bucket(operation: string, name: string, access: 'read' | 'write' = 'read'): Map<string, StoredObject> {
    const b = this.buckets.get(name);
    if (b) return b;
    const owner = this.opts.directory?.(name);
    const theirs = owner?.buckets.get(name);
    if (!owner || !theirs) return fail(operation, 'NoSuchBucket', 404, 'The specified bucket does not exist');
    if (!owner.grants.get(name)?.[access].has(this.opts.account ?? '')) return fail(operation, 'AccessDenied', 403, 'Access Denied');
    return theirs;
  }

  private object(operation: string, ref: ObjectRef): StoredObject {
    const o = this.bucket(operation, ref.bucket).get(ref.key);
    if (ref.versionId !== undefined) fail(operation, 'InvalidArgument', 400, 'Invalid version id specified');
    // HeadObject has no body, so the SDK can only name a 404 "NotFound"
    if (!o) return fail(operation, operation === 'HeadObject' ? 'NotFound' : 'NoSuchKey', 404, 'The specified key does not exist.');
    return o;
  }

  private head(o: StoredObject, checksumMode = false): ObjectHead {
    return {
      etag: o.etag,
      size: o.body.byteLength,
      lastModified: o.lastModified,
      ...(o.contentType ? { contentType: o.contentType } : {}),
      metadata: { ...o.metadata },
      ...(checksumMode && o.checksumSha256 ? { checksumSha256: o.checksumSha256 } : {}),
      ...(o.kmsKeyId ? { sse: 'aws:kms', kmsKeyId: o.kmsKeyId } : { sse: 'AES256' }),
    };
  }

  private write(operation: string, bucket: string, key: string, conditions: WriteConditions, o: Omit<StoredObject, 'lastModified'>) {
    const b = this.bucket(operation, bucket, 'write');
    const current = b.get(key);
    if (conditions.ifNoneMatch !== undefined && current) fail(operation, 'PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
    if (conditions.ifMatch !== undefined && (!current || bare(current.etag) !== bare(conditions.ifMatch))) {
      fail(operation, current ? 'PreconditionFailed' : 'NoSuchKey', current ? 412 : 404, 'At least one of the pre-conditions you specified did not hold');
    }
    b.set(key, { ...o, lastModified: this.opts.clock() });
    return { etag: o.etag };
  }

  async headObject(ref: ObjectRef & { checksumMode?: boolean }) {
    return this.head(this.object('HeadObject', ref), ref.checksumMode === true);
  }

  async getObject(ref: ObjectRef & { ifMatch?: string }) {
    const o = this.object('GetObject', ref);
    if (ref.ifMatch !== undefined && bare(ref.ifMatch) !== bare(o.etag)) {
      fail('GetObject', 'PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
    }
    return { ...this.head(o), body: new Uint8Array(o.body) };
  }

  async putObject(input: PutObjectInput) {
    const body = bytes(input.body);
    const o = {
      body,
      etag: `"${md5(body)}"`,
      ...(input.contentType ? { contentType: input.contentType } : {}),
      metadata: { ...(input.metadata ?? {}) },
      ...protectionOf(input, body),
    };
    return this.write('PutObject', input.bucket, input.key, input, o);
  }

  async uploadObject(input: UploadInput) {
    const chunks: Uint8Array[] = [];
    if (input.body instanceof Uint8Array) chunks.push(input.body);
    else for await (const c of input.body) chunks.push(c);
    const body = new Uint8Array(Buffer.concat(chunks));
    const partSize = Math.max(MIN_PART, input.partSizeBytes ?? 8 * 1024 * 1024);
    let etag = `"${md5(body)}"`;
    if (body.byteLength > partSize) {
      const parts: Buffer[] = [];
      for (let at = 0; at < body.byteLength; at += partSize) parts.push(createHash('md5').update(body.subarray(at, at + partSize)).digest());
      etag = `"${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-${parts.length}"`;
      this.multipartUploads++;
    }
    input.onProgress?.(body.byteLength);
    const o = { body, etag, ...(input.contentType ? { contentType: input.contentType } : {}), metadata: { ...(input.metadata ?? {}) }, ...protectionOf(input, body, partSize) };
    return this.write('Upload', input.bucket, input.key, {}, o);
  }

  async copyObject(input: { source: ObjectRef; bucket: string; key: string; sourceIfMatch?: string }) {
    const src = this.object('CopyObject', input.source);
    if (input.sourceIfMatch !== undefined && bare(input.sourceIfMatch) !== bare(src.etag)) {
      fail('CopyObject', 'PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
    }
    return this.write('CopyObject', input.bucket, input.key, {}, { ...src, body: new Uint8Array(src.body) });
  }

  async listObjectsV2(input: { bucket: string; prefix?: string; delimiter?: string; maxKeys?: number; continuationToken?: string }) {
    const b = this.bucket('ListObjectsV2', input.bucket);
    const prefix = input.prefix ?? '';
    const after = input.continuationToken ? Buffer.from(input.continuationToken, 'base64url').toString('utf8') : undefined;
    const max = input.maxKeys ?? 1000;
    const objects: { key: string; size: number; etag: string; lastModified: Date }[] = [];
    const prefixes = new Set<string>();
    let last: string | undefined;
    let truncated = false;
    for (const key of [...b.keys()].sort()) {
      if (!key.startsWith(prefix) || (after !== undefined && key <= after)) continue;
      const cut = input.delimiter ? key.indexOf(input.delimiter, prefix.length) : -1;
      const common = cut >= 0 ? key.slice(0, cut + (input.delimiter as string).length) : undefined;
      if (common !== undefined && prefixes.has(common)) continue;
      if (objects.length + prefixes.size >= max) {
        truncated = true;
        break;
      }
      if (common !== undefined) prefixes.add(common);
      else {
        const o = b.get(key) as StoredObject;
        objects.push({ key, size: o.body.byteLength, etag: o.etag, lastModified: o.lastModified });
      }
      last = common ?? key;
    }
    const token = truncated && last !== undefined ? Buffer.from(last.endsWith(input.delimiter ?? '\u0000') ? `${last}\uffff` : last).toString('base64url') : undefined;
    return { objects, commonPrefixes: [...prefixes], ...(token ? { nextContinuationToken: token } : {}) };
  }

  async deleteObjects(input: { bucket: string; keys: readonly string[] }) {
    if (input.keys.length > 1000) fail('DeleteObjects', 'MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema');
    const b = this.bucket('DeleteObjects', input.bucket, 'write');
    for (const key of input.keys) b.delete(key);
    return { deleted: [...input.keys], errors: [] };
  }
}
