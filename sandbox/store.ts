// The sandbox's state: one JSON document per (service, account, region), in memory, optionally persisted
// to <dir>/state/<service>.json (temp + rename, debounced after changed(), and on flush()); blobs are
// content-addressed, in memory or in <dir>/blobs/<sha256>.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../shared/log.js';
import type { BlobStore, SandboxStore } from './types.js';

export interface StoreOptions {
  /** Persist here; omitted = memory only. */
  readonly dir?: string;
  readonly log?: Logger;
  /** Delay between changed() and the write (default 100 ms). */
  readonly debounceMs?: number;
}

const STATE_VERSION = 1;
const SERVICE_NAME = /^[a-z0-9][a-z0-9-]*$/;
const BLOB_ID = /^[0-9a-f]{64}$/;

interface Entry {
  readonly accountId: string;
  readonly region: string;
  readonly doc: object;
}

interface StateFile {
  readonly version: number;
  readonly docs: Entry[];
}

/** Thrown by BlobStore.get for an id it does not hold (code ENOENT, like fs). */
export class BlobNotFoundError extends Error {
  readonly code = 'ENOENT';
  constructor(readonly id: string) {
    super(`blob ${id} not found`);
    this.name = 'BlobNotFoundError';
  }
}

async function writeAtomic(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function checkBlobId(id: string): void {
  if (!BLOB_ID.test(id)) throw new BlobNotFoundError(id);
}

function memoryBlobs(): BlobStore {
  const blobs = new Map<string, Buffer>();
  return {
    async put(data) {
      const id = sha256(data);
      if (!blobs.has(id)) blobs.set(id, Buffer.from(data));
      return id;
    },
    async get(id) {
      const b = blobs.get(id);
      if (!b) throw new BlobNotFoundError(id);
      return b;
    },
    async delete(id) {
      blobs.delete(id);
    },
  };
}

function fileBlobs(dir: string): BlobStore {
  return {
    async put(data) {
      const id = sha256(data);
      const path = join(dir, id);
      // Content-addressed: an existing file already holds these bytes.
      const exists = await stat(path).then(() => true, () => false);
      if (!exists) await writeAtomic(path, data);
      return id;
    },
    async get(id) {
      checkBlobId(id);
      try {
        return await readFile(join(dir, id));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(id);
        throw e;
      }
    },
    async delete(id) {
      checkBlobId(id);
      await rm(join(dir, id), { force: true });
    },
  };
}

async function loadState(stateDir: string, log: Logger): Promise<Map<string, Map<string, Entry>>> {
  const services = new Map<string, Map<string, Entry>>();
  let names: string[];
  try {
    names = await readdir(stateDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return services;
    throw e;
  }
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const service = name.slice(0, -'.json'.length);
    if (!SERVICE_NAME.test(service)) continue;
    const file = JSON.parse(await readFile(join(stateDir, name), 'utf8')) as StateFile;
    if (file.version !== STATE_VERSION) throw new Error(`${join(stateDir, name)}: unsupported state version ${String(file.version)}`);
    const docs = new Map<string, Entry>();
    for (const e of file.docs) docs.set(`${e.accountId}/${e.region}`, e);
    services.set(service, docs);
    log.debug({ service, docs: docs.size }, 'state loaded');
  }
  return services;
}

export async function createStore(opts: StoreOptions = {}): Promise<SandboxStore> {
  const log = (opts.log ?? silentLogger()).child({ component: 'sandbox-store' });
  const debounceMs = opts.debounceMs ?? 100;
  const stateDir = opts.dir ? join(opts.dir, 'state') : undefined;
  const blobDir = opts.dir ? join(opts.dir, 'blobs') : undefined;
  if (stateDir && blobDir) {
    await mkdir(stateDir, { recursive: true });
    await mkdir(blobDir, { recursive: true });
  }
  const services = stateDir ? await loadState(stateDir, log) : new Map<string, Map<string, Entry>>();
  /** What was last written per service, to skip unchanged files. */
  const written = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let closed = false;

  async function writeAll(): Promise<void> {
    if (!stateDir) return;
    for (const [service, docs] of services) {
      const text = JSON.stringify({ version: STATE_VERSION, docs: [...docs.values()] } satisfies StateFile);
      if (written.get(service) === text) continue;
      try {
        await writeAtomic(join(stateDir, `${service}.json`), text);
        written.set(service, text);
      } catch (err) {
        log.error({ err, service }, 'state write failed');
      }
    }
  }

  const schedule = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    writing = writing.then(writeAll);
    return writing;
  };

  return {
    doc<T extends object>(service: string, accountId: string, region: string, init: () => T): T {
      if (!SERVICE_NAME.test(service)) throw new Error(`invalid store service name '${service}'`);
      let docs = services.get(service);
      if (!docs) services.set(service, (docs = new Map()));
      const key = `${accountId}/${region}`;
      let entry = docs.get(key);
      if (!entry) docs.set(key, (entry = { accountId, region, doc: init() }));
      return entry.doc as T;
    },
    docs<T extends object>(service: string) {
      return [...(services.get(service)?.values() ?? [])].map((e) => ({ accountId: e.accountId, region: e.region, doc: e.doc as T }));
    },
    changed() {
      if (!stateDir || timer || closed) return;
      timer = setTimeout(() => void schedule(), debounceMs);
    },
    blobs: blobDir ? fileBlobs(blobDir) : memoryBlobs(),
    flush: schedule,
    close() {
      // the last write; later changes (a handler finishing after close) are not written
      closed = true;
      return schedule();
    },
  };
}
