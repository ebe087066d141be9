// The rollout journal's ObjectStore over the S3 port: conditional puts (If-None-Match: * to create,
// If-Match: <etag> to replace), gets with ETags and listing by prefix through ListObjectsV2 pages.
// A lost condition (412 PreconditionFailed, 409 ConditionalRequestConflict, or a missing object
// for If-Match) becomes PreconditionFailed. A put the pool retried after a lost answer may find
// its own earlier write: when the object holds exactly our bytes, the write is ours and succeeds.
import { isEdgeError } from '../../shared/errors.js';
import type { S3Port } from '../aws/ports.js';
import { PreconditionFailed, type ObjectStore, type PutConditions, type StoredObject } from './object-store.js';

const LOST = new Set(['AWS_PRECONDITION_FAILED', 'AWS_CONFLICT']);

export class S3ObjectStore implements ObjectStore {
  readonly where: string;

  constructor(
    private readonly s3: S3Port,
    readonly bucket: string,
  ) {
    this.where = `s3://${bucket}/`;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const o = await this.s3.getObject({ bucket: this.bucket, key });
      return { body: Buffer.from(o.body), etag: o.etag };
    } catch (e) {
      if (isEdgeError(e, 'AWS_NOT_FOUND')) return undefined;
      throw e;
    }
  }

  async put(key: string, body: Buffer, conditions: PutConditions = {}): Promise<{ etag: string }> {
    try {
      const r = await this.s3.putObject({
        bucket: this.bucket,
        key,
        body,
        contentType: 'application/json',
        ...(conditions.ifNoneMatch ? { ifNoneMatch: conditions.ifNoneMatch } : {}),
        ...(conditions.ifMatch !== undefined ? { ifMatch: conditions.ifMatch } : {}),
      });
      return { etag: r.etag };
    } catch (e) {
      const conditional = conditions.ifNoneMatch !== undefined || conditions.ifMatch !== undefined;
      const lost = isEdgeError(e) && (LOST.has(e.code) || (e.code === 'AWS_NOT_FOUND' && conditions.ifMatch !== undefined));
      if (!conditional || !lost) throw e;
      const now = await this.get(key);
      if (now && now.body.equals(body)) return { etag: now.etag };
      throw new PreconditionFailed(key);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.listObjectsV2({ bucket: this.bucket, prefix, ...(token ? { continuationToken: token } : {}) });
      keys.push(...page.objects.map((o) => o.key));
      token = page.nextContinuationToken;
    } while (token);
    return keys.sort();
  }

  /** The "folders" right below `prefix` (ListObjectsV2 with a `/` delimiter), each ending in `/`. */
  async listPrefixes(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.listObjectsV2({ bucket: this.bucket, prefix, delimiter: '/', ...(token ? { continuationToken: token } : {}) });
      out.push(...page.commonPrefixes);
      token = page.nextContinuationToken;
    } while (token);
    return out.sort();
  }
}
