// The little the rollout journal needs from S3, as a port: conditional puts, gets with ETags and
// listing by prefix. The S3 adapter implements it over the real client; tests use the in-memory
// store below, which honours the same conditions.

export interface StoredObject {
  readonly body: Buffer;
  readonly etag: string;
}

export interface PutConditions {
  /** `*`: fail when the key exists. */
  readonly ifNoneMatch?: '*';
  /** Fail unless the object's ETag is this one. */
  readonly ifMatch?: string;
}

/** Raised by `put` when a condition does not hold (S3's 412 PreconditionFailed or 409 ConditionalRequestConflict). */
export class PreconditionFailed extends Error {
  constructor(readonly key: string) {
    super(`the object ${key} changed (precondition failed)`);
    this.name = 'PreconditionFailed';
  }
}

export interface ObjectStore {
  /** A readable location for messages, e.g. s3://bucket/prefix. */
  readonly where: string;
  get(key: string): Promise<StoredObject | undefined>;
  put(key: string, body: Buffer, conditions?: PutConditions): Promise<{ etag: string }>;
  /** Keys under `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
}

/** An in-memory ObjectStore with S3's conditional-write semantics (for tests and dry runs). */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, StoredObject>();
  private version = 0;
  readonly where = 'memory://';

  async get(key: string): Promise<StoredObject | undefined> {
    return this.objects.get(key);
  }

  async put(key: string, body: Buffer, conditions: PutConditions = {}): Promise<{ etag: string }> {
    const existing = this.objects.get(key);
    if (conditions.ifNoneMatch === '*' && existing) throw new PreconditionFailed(key);
    if (conditions.ifMatch !== undefined && existing?.etag !== conditions.ifMatch) throw new PreconditionFailed(key);
    const etag = `"${(++this.version).toString(16).padStart(8, '0')}"`;
    this.objects.set(key, { body: Buffer.from(body), etag });
    return { etag };
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}
