// Object bodies in the store's BlobStore, which may hand out one id for equal content (the sandbox
// store is content-addressed). So a blob is freed only when no version or part references it any
// more, and writes (blob + state commit) and frees run one at a time, so a free can never remove a
// blob a concurrent write has just been given and is about to reference.
import type { SandboxStore } from '../types.js';
import type { S3AccountDoc } from './s3-state.js';

export class BlobKeeper {
  #chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: SandboxStore) {}

  /** Stores data and runs `commit(blobId)` (synchronous state change) before any other blob operation. */
  write<T>(data: Buffer, commit: (blobId: string) => T): Promise<T> {
    return this.#exclusive(async () => {
      const id = await this.store.blobs.put(data);
      try {
        return commit(id);
      } catch (e) {
        await this.#free([id]);
        throw e;
      }
    });
  }

  /** Frees those of these blobs that nothing references any more. */
  release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    return this.#exclusive(() => this.#free(ids));
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn, fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #free(ids: readonly string[]): Promise<void> {
    const candidates = new Set(ids);
    for (const id of referencedAmong(this.store, candidates)) candidates.delete(id);
    // The state no longer points at these; a failed delete only leaves an orphan file behind.
    await Promise.all([...candidates].map((id) => this.store.blobs.delete(id).catch(() => undefined)));
  }
}

function referencedAmong(store: SandboxStore, candidates: ReadonlySet<string>): Set<string> {
  const used = new Set<string>();
  for (const { doc } of store.docs<S3AccountDoc>('s3')) {
    for (const bucket of Object.values(doc.buckets ?? {})) {
      for (const versions of Object.values(bucket.objects)) {
        for (const v of versions) if (v.blobId !== undefined && candidates.has(v.blobId)) used.add(v.blobId);
      }
      for (const upload of Object.values(bucket.uploads)) {
        for (const p of Object.values(upload.parts)) if (candidates.has(p.blobId)) used.add(p.blobId);
      }
    }
  }
  return used;
}

/** BlobStore.get failing because the blob was freed meanwhile (the object was deleted under a read). */
export const isMissingBlob = (e: unknown): boolean => (e as { code?: unknown } | null)?.code === 'ENOENT';
