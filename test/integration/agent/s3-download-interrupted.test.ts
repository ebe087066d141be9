// The S3 bundle fetcher when the connection drops: through a proxy in front of the real sandbox
// that cuts response bodies. Resumed with Range + If-Match, bounded retries, a replaced object
// detected, abort honoured.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
import t, { type Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createS3BundleFetcher, type S3BundleFetcherDeps } from '../../../agent/revision/s3-bundle-fetcher.js';
import type { Revision } from '../../../agent/deployment/deployment-spec.js';
import { isEdgeError } from '../../../shared/errors.js';
import { createLogger } from '../../../shared/log.js';
import { startSandbox } from '../../../sandbox/sandbox.js';
import { startCuttingProxy, type CutRule, type SeenRequest } from '../../helpers/cutting-proxy.js';

const MiB = 1024 * 1024;
const sb = await startSandbox({});
const s3 = new S3Client({ endpoint: sb.url, region: sb.region, credentials: sb.root, forcePathStyle: true });
const work = mkdtempSync(join(tmpdir(), 's3-cut-'));
t.teardown(async () => {
  s3.destroy();
  await sb.close();
  rmSync(work, { recursive: true, force: true });
});

await s3.send(new CreateBucketCommand({ Bucket: 'bundles' }));
const big = randomBytes(8 * MiB + 17);
const bigEtag = (await s3.send(new PutObjectCommand({ Bucket: 'bundles', Key: 'big.tgz', Body: big }))).ETag!;
const revision = (key: string, extra: { version?: string; etag?: string; bucket?: string } = {}): Revision => ({ type: 'S3', bucket: extra.bucket ?? 'bundles', key, bundleType: 'tgz', ...extra });

let n = 0;
function destination(): string {
  return join(work, `d${++n}`, 'bundle.tar');
}
const leftovers = (dest: string): string[] => (existsSync(join(dest, '..')) ? readdirSync(join(dest, '..')) : []);
const gets = (requests: readonly SeenRequest[]): SeenRequest[] => requests.filter((r) => r.method === 'GET');
/** The first byte a resumed GET asked for; NaN when it is no `bytes=N-` range. */
const rangeStart = (r: SeenRequest | undefined): number => Number(/^bytes=(\d+)-$/.exec(String(r?.headers['range']))?.[1]);

/**
 * A resumed GET starts where the bytes on disk end: after some of the bytes the proxy sent before
 * the cut, not always all (what was still buffered in the client's stream when the socket closed
 * is dropped with it, and how much that is depends on timing).
 */
function resumedWithin(t: Test, r: SeenRequest | undefined, sent: number, previous = 0): void {
  const start = rangeStart(r);
  t.ok(start > previous && start <= sent, `resumed at ${start}, after ${previous} and at most ${sent}`);
}

interface Rules {
  /** How to cut GET number i (0-based among GETs). */
  readonly cut?: (i: number) => CutRule | undefined;
  /** Which body byte of GET number i to damage. */
  readonly corrupt?: (i: number) => number | undefined;
}

/** A proxy applying `rules` (or a cut rule alone) to the GETs, and a fetcher through it. */
async function setup(t: Test, rules: Rules | ((i: number) => CutRule | undefined), over: Partial<S3BundleFetcherDeps> = {}) {
  const { cut, corrupt }: Rules = typeof rules === 'function' ? { cut: rules } : rules;
  const getIndex = new Map<number, number>();
  const indexOf = (r: SeenRequest): number => {
    if (!getIndex.has(r.index)) getIndex.set(r.index, getIndex.size);
    return getIndex.get(r.index)!;
  };
  const proxy = await startCuttingProxy({
    target: sb.url,
    cut: (r) => (r.method === 'GET' ? cut?.(indexOf(r)) : undefined),
    corrupt: (r) => (r.method === 'GET' ? corrupt?.(indexOf(r)) : undefined),
  });
  t.teardown(() => proxy.close());
  const fetch = createS3BundleFetcher({ region: sb.region, credentials: sb.root, endpoint: proxy.url, forcePathStyle: true, retryBaseMs: 10, readTimeoutMs: 5000, ...over });
  return { proxy, fetch };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

t.test('cut once (premature close) → resumed with Range + If-Match, byte-identical', async (t) => {
  const { proxy, fetch } = await setup(t, (i) => (i === 0 ? { afterBytes: 3 * MiB, mode: 'close', delayMs: 200 } : undefined));
  const dest = destination();
  await fetch(revision('big.tgz', { etag: bigEtag }), dest);
  t.ok(readFileSync(dest).equals(big), 'byte-identical');
  t.same(leftovers(dest), ['bundle.tar']);
  const [first, second, ...rest] = gets(proxy.requests);
  t.equal(first?.cut, 'close');
  t.notOk(first?.headers['range'], 'the first GET is not a range');
  resumedWithin(t, second, 3 * MiB);
  t.equal(second?.headers['if-match'], bigEtag, 'If-Match: the ETag of the first response');
  t.equal(second?.status, 206);
  t.same(rest, []);
});

t.test('cut once (TCP reset) → resumed, byte-identical', async (t) => {
  const { proxy, fetch } = await setup(t, (i) => (i === 0 ? { afterBytes: 2 * MiB, mode: 'reset', delayMs: 200 } : undefined));
  const dest = destination();
  await fetch(revision('big.tgz'), dest);
  t.ok(readFileSync(dest).equals(big), 'byte-identical');
  const all = gets(proxy.requests);
  t.equal(all.length, 2);
  resumedWithin(t, all[1], 2 * MiB);
});

t.test('stalled response → read timeout → resumed', async (t) => {
  const { proxy, fetch } = await setup(t, (i) => (i === 0 ? { afterBytes: MiB, mode: 'stall' } : undefined), { readTimeoutMs: 300 });
  const dest = destination();
  const started = Date.now();
  await fetch(revision('big.tgz'), dest);
  t.ok(readFileSync(dest).equals(big), 'byte-identical');
  resumedWithin(t, gets(proxy.requests)[1], MiB);
  t.ok(Date.now() - started < 5000, 'the stall cost about the read timeout');
});

t.test('several cuts, each resumed from the last byte on disk', async (t) => {
  // Without a pause before the cut, bytes still buffered in the client's stream when the socket
  // closes are dropped with it; the resume point is what reached the disk, whatever that was.
  const { proxy, fetch } = await setup(t, (i) => (i < 3 ? { afterBytes: MiB, mode: 'close', delayMs: 0 } : undefined));
  const dest = destination();
  await fetch(revision('big.tgz'), dest);
  t.ok(readFileSync(dest).equals(big));
  const all = gets(proxy.requests);
  t.equal(all.length, 4);
  t.equal(all[0]?.headers['range'], undefined);
  for (let k = 1; k < 4; k++) {
    const previous = k === 1 ? 0 : rangeStart(all[k - 1]);
    resumedWithin(t, all[k], previous + MiB, previous);
  }
});

t.test('cut every time → BUNDLE_DOWNLOAD_FAILED after maxAttempts, in bounded time, nothing left', async (t) => {
  const { proxy, fetch } = await setup(t, () => ({ afterBytes: 256 * 1024, mode: 'close', delayMs: 5 }), { maxAttempts: 3 });
  const dest = destination();
  const started = Date.now();
  const err = await rejection(fetch(revision('big.tgz'), dest));
  t.ok(Date.now() - started < 10_000, 'bounded time');
  t.ok(isEdgeError(err, 'BUNDLE_DOWNLOAD_FAILED'));
  if (!isEdgeError(err)) return;
  t.match(err.message, /^Could not download the revision s3:\/\/bundles\/big\.tgz after 3 attempts \(\d+\.\d KiB of 8\.0 MiB received\): the connection was dropped/);
  t.match(err.message, /Check the network connection to S3/);
  t.equal(err.details['attempts'], 3);
  t.equal(gets(proxy.requests).length, 3);
  t.same(leftovers(dest), []);
});

t.test('object replaced between attempts, no ETag pinned → 412 detected, restarted, the new object whole', async (t) => {
  await s3.send(new PutObjectCommand({ Bucket: 'bundles', Key: 'moving.tar', Body: big }));
  const replacement = randomBytes(5 * MiB + 3);
  const replace = async (): Promise<void> => {
    await s3.send(new PutObjectCommand({ Bucket: 'bundles', Key: 'moving.tar', Body: replacement }));
  };
  const { proxy, fetch } = await setup(t, (i) => (i === 0 ? { afterBytes: 2 * MiB, mode: 'close', before: replace } : undefined));
  const dest = destination();
  await fetch(revision('moving.tar'), dest);
  t.ok(readFileSync(dest).equals(replacement), 'the new object, never a mix of two');
  const all = gets(proxy.requests);
  t.same(
    all.map((r) => [r.headers['range'] === undefined, r.headers['if-match'] !== undefined, r.status]),
    [
      [true, false, 200],
      [false, true, 412],
      [true, false, 200],
    ],
    'fresh GET (cut) → resumed GET with If-Match refused → fresh GET',
  );
  resumedWithin(t, all[1], 2 * MiB);
});

t.test('object replaced between attempts with the ETag pinned → BUNDLE_ETAG_MISMATCH', async (t) => {
  const put = await s3.send(new PutObjectCommand({ Bucket: 'bundles', Key: 'pinned.tar', Body: big }));
  const replacement = randomBytes(MiB);
  let newEtag = '';
  const replace = async (): Promise<void> => {
    newEtag = (await s3.send(new PutObjectCommand({ Bucket: 'bundles', Key: 'pinned.tar', Body: replacement }))).ETag!;
  };
  const { fetch } = await setup(t, (i) => (i === 0 ? { afterBytes: MiB, mode: 'close', before: replace } : undefined));
  const dest = destination();
  const err = await rejection(fetch(revision('pinned.tar', { etag: put.ETag! }), dest));
  t.ok(isEdgeError(err, 'BUNDLE_ETAG_MISMATCH'));
  t.equal((err as Error).message, `Expected deployment artifact bundle etag ${put.ETag!} but was actually ${newEtag}`);
  t.same(leftovers(dest), []);
});

t.test('a pinned version resumes with VersionId + Range', async (t) => {
  await s3.send(new CreateBucketCommand({ Bucket: 'versions' }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: 'versions', VersioningConfiguration: { Status: 'Enabled' } }));
  const v1 = (await s3.send(new PutObjectCommand({ Bucket: 'versions', Key: 'r.tar', Body: big }))).VersionId!;
  await s3.send(new PutObjectCommand({ Bucket: 'versions', Key: 'r.tar', Body: randomBytes(1000) }));
  const { proxy, fetch } = await setup(t, (i) => (i === 0 ? { afterBytes: 4 * MiB } : undefined));
  const dest = destination();
  await fetch(revision('r.tar', { bucket: 'versions', version: v1 }), dest);
  t.ok(readFileSync(dest).equals(big));
  const second = gets(proxy.requests)[1];
  t.match(second?.url, new RegExp(`versionId=${v1}`));
  resumedWithin(t, second, 4 * MiB);
});

t.test('a multipart object resumes (size check only: its ETag is no MD5)', async (t) => {
  const data = randomBytes(11 * MiB);
  const done = await new Upload({ client: s3, partSize: 5 * MiB, params: { Bucket: 'bundles', Key: 'multi.zip', Body: data } }).done();
  const { proxy, fetch } = await setup(t, (i) => (i === 0 ? { afterBytes: 6 * MiB } : undefined));
  const dest = destination();
  await fetch(revision('multi.zip', { etag: done.ETag! }), dest);
  t.ok(readFileSync(dest).equals(data));
  resumedWithin(t, gets(proxy.requests)[1], 6 * MiB);
});

t.test('abort mid-body → rejects with the reason, no partial file', async (t) => {
  const { proxy, fetch } = await setup(t, () => ({ afterBytes: 2 * MiB, mode: 'stall' }), { readTimeoutMs: 60_000 });
  const dest = destination();
  const controller = new AbortController();
  const pending = rejection(fetch(revision('big.tgz'), dest, controller.signal));
  await proxy.nextCut();
  t.same(leftovers(dest), ['bundle.tar.part'], 'the partial file while downloading');
  const reason = new Error('agent stopping');
  controller.abort(reason);
  t.equal(await pending, reason);
  t.same(leftovers(dest), []);
});

t.test('abort during the back-off → rejects at once, no partial file', async (t) => {
  const { proxy, fetch } = await setup(t, () => ({ afterBytes: MiB, mode: 'close', delayMs: 0 }), { retryBaseMs: 30_000 });
  const dest = destination();
  const controller = new AbortController();
  const pending = rejection(fetch(revision('big.tgz'), dest, controller.signal));
  await proxy.nextCut();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const started = Date.now();
  controller.abort(new Error('stop'));
  t.match(await pending, { message: 'stop' });
  t.ok(Date.now() - started < 1000);
  t.same(leftovers(dest), []);
});

t.test('a damaged resumed range → MD5 of the whole file differs from the ETag → restarted from 0', async (t) => {
  const { proxy, fetch } = await setup(t, { cut: (i) => (i === 0 ? { afterBytes: MiB } : undefined), corrupt: (i) => (i === 1 ? 1000 : undefined) });
  const dest = destination();
  await fetch(revision('big.tgz'), dest);
  t.ok(readFileSync(dest).equals(big));
  const all = gets(proxy.requests);
  t.same(
    all.map((r) => [r.headers['range'] === undefined, r.corrupted ?? false]),
    [
      [true, false],
      [false, true],
      [true, false],
    ],
    'fresh GET (cut) → resumed GET (damaged) → fresh GET',
  );
  resumedWithin(t, all[1], MiB);
});

t.test('a damaged whole-object GET → the SDK checksum fails → restarted', async (t) => {
  const lines: string[] = [];
  const log = createLogger({ name: 'test', level: 'warn', destination: { write: (line: string) => lines.push(line) } });
  const { proxy, fetch } = await setup(t, { corrupt: (i) => (i === 0 ? 5 * MiB : undefined) }, { log });
  const dest = destination();
  await fetch(revision('big.tgz'), dest);
  t.ok(readFileSync(dest).equals(big));
  t.equal(gets(proxy.requests).length, 2);
  t.equal(gets(proxy.requests)[1]?.headers['range'], undefined, 'from byte 0, not resumed');
  t.match(lines.join(''), /"kind":"corrupt","error":"the checksum did not match \(Checksum mismatch/, 'caught by the SDK\'s CRC64NVME validation');
});

t.test('damaged every time → BUNDLE_DOWNLOAD_FAILED naming the integrity failure', async (t) => {
  const { fetch } = await setup(t, { cut: (i) => (i % 2 === 0 ? { afterBytes: MiB, delayMs: 0 } : undefined), corrupt: (i) => (i % 2 === 1 ? 7 : undefined) }, { maxAttempts: 4 });
  const dest = destination();
  const err = await rejection(fetch(revision('big.tgz'), dest));
  t.ok(isEdgeError(err, 'BUNDLE_DOWNLOAD_FAILED'));
  t.match((err as Error).message, /after 4 attempts.*: the MD5 of the downloaded bytes \([0-9a-f]{32}\) does not match the ETag/);
  t.same(leftovers(dest), []);
});
