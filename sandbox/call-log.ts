// Call accounting: every authenticated call the sandbox served, by account, service and operation,
// each classified as a read or a write, so a test can prove a command changed nothing
// (`mark()` before, `since(mark).writes === 0` after; over HTTP: GET /_sandbox/calls?since=N).
//
// Classification: an operation is a read when its name starts with Describe, Get, List, Head,
// BatchGet, Validate, Estimate, Lookup, Search, Query, Scan, Select or Poll (PollHostCommand), or is
// AssumeRole / AssumeRoleWithWebIdentity (they issue temporary credentials but change nothing in the
// estate), or is an S3 / IoT REST call with GET or HEAD; everything else is a write.

export type CallKind = 'read' | 'write';

export interface ServedCall {
  readonly accountId: string;
  readonly service: string;
  readonly operation: string;
  readonly status: number;
}

export interface CallCount {
  readonly accountId: string;
  readonly service: string;
  readonly operation: string;
  readonly kind: CallKind;
  readonly count: number;
  /** How many of them were answered with an error status (>= 400). */
  readonly errors: number;
}

export interface CallReport {
  /** Pass to since() to count only later calls. */
  readonly mark: number;
  readonly total: number;
  readonly writes: number;
  /** Counts per (account, service, operation), sorted. */
  readonly calls: CallCount[];
  /** True when calls older than the kept window were asked for (the report then starts at the oldest kept). */
  readonly truncated: boolean;
}

export interface CallLog {
  record(call: ServedCall): void;
  /** The sequence number of the last recorded call. */
  mark(): number;
  since(mark: number): CallReport;
  snapshot(): CallReport;
}

const READ_PREFIX = /^(Describe|Get|List|Head|BatchGet|Validate|Estimate|Lookup|Search|Query|Scan|Select|Poll)/;
const READ_OPERATIONS = new Set(['AssumeRole', 'AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML']);

/** Read or write (see the header). */
export function classifyOperation(operation: string): CallKind {
  if (READ_OPERATIONS.has(operation) || READ_PREFIX.test(operation)) return 'read';
  const rest = /^(GET|HEAD) /.exec(operation);
  return rest ? 'read' : 'write';
}

/** A name for a REST call (S3, IoT): the S3 operation name, or "<METHOD> /<first path segment>". */
export function restOperation(service: string, method: string, path: string, query: URLSearchParams, headers: Readonly<Record<string, string>>): string {
  const m = method.toUpperCase();
  const segments = path.split('/').filter((s) => s !== '');
  if (service !== 's3') return `${m} /${segments[0] ?? ''}`;
  const [bucket, ...key] = segments;
  const sub = ['versioning', 'versions', 'uploads', 'delete', 'tagging', 'policy', 'acl', 'location', 'cors', 'encryption', 'ownershipControls'].find((s) => query.has(s));
  const cap = (s: string): string => s[0]!.toUpperCase() + s.slice(1);
  if (!bucket) return m === 'GET' ? 'ListBuckets' : `${m} /`;
  if (key.length === 0) {
    if (sub === 'uploads') return 'ListMultipartUploads';
    if (sub === 'versions') return 'ListObjectVersions';
    if (sub === 'delete') return 'DeleteObjects';
    if (sub) return `${m === 'GET' ? 'Get' : m === 'DELETE' ? 'Delete' : 'Put'}Bucket${cap(sub)}`;
    return ({ GET: query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects', HEAD: 'HeadBucket', PUT: 'CreateBucket', DELETE: 'DeleteBucket' } as Record<string, string>)[m] ?? `${m} /bucket`;
  }
  if (query.has('uploadId')) {
    return ({ PUT: headers['x-amz-copy-source'] ? 'UploadPartCopy' : 'UploadPart', POST: 'CompleteMultipartUpload', DELETE: 'AbortMultipartUpload', GET: 'ListParts' } as Record<string, string>)[m] ?? `${m} /object`;
  }
  if (sub === 'uploads' && m === 'POST') return 'CreateMultipartUpload';
  if (sub === 'tagging') return `${m === 'GET' ? 'Get' : m === 'DELETE' ? 'Delete' : 'Put'}ObjectTagging`;
  return ({ GET: 'GetObject', HEAD: 'HeadObject', PUT: headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject', DELETE: 'DeleteObject' } as Record<string, string>)[m] ?? `${m} /object`;
}

interface Entry extends ServedCall {
  readonly seq: number;
}

/** An in-memory call log keeping the last `window` calls (default 200 000). */
export function createCallLog(options: { window?: number } = {}): CallLog {
  const window = options.window ?? 200_000;
  const ring: Entry[] = [];
  let start = 0; // index of the oldest entry in ring (ring is used as a circular buffer once full)
  let seq = 0;

  const entries = function* (after: number): Generator<Entry> {
    for (let i = 0; i < ring.length; i++) {
      const e = ring[(start + i) % ring.length]!;
      if (e.seq > after) yield e;
    }
  };

  const report = (after: number): CallReport => {
    const counts = new Map<string, { accountId: string; service: string; operation: string; kind: CallKind; count: number; errors: number }>();
    let total = 0;
    let writes = 0;
    for (const e of entries(after)) {
      const key = `${e.accountId}\n${e.service}\n${e.operation}`;
      let c = counts.get(key);
      if (!c) counts.set(key, (c = { accountId: e.accountId, service: e.service, operation: e.operation, kind: classifyOperation(e.operation), count: 0, errors: 0 }));
      c.count++;
      if (e.status >= 400) c.errors++;
      total++;
      if (c.kind === 'write') writes++;
    }
    const oldest = ring.length === 0 ? seq + 1 : ring[start]!.seq;
    const calls = [...counts.values()].sort((a, b) => `${a.accountId}/${a.service}/${a.operation}`.localeCompare(`${b.accountId}/${b.service}/${b.operation}`));
    return { mark: seq, total, writes, calls, truncated: after + 1 < oldest };
  };

  return {
    record(call) {
      const e: Entry = { seq: ++seq, accountId: call.accountId, service: call.service, operation: call.operation, status: call.status };
      if (ring.length < window) ring.push(e);
      else {
        ring[start] = e;
        start = (start + 1) % window;
      }
    },
    mark: () => seq,
    since: (mark) => report(mark),
    snapshot: () => report(0),
  };
}

/**
 * The sandbox-only HTTP endpoint: GET /_sandbox/calls[?since=<mark>] answers the CallReport as JSON
 * (take `mark` from a first call, run the command under test, then ask with ?since=<mark>).
 */
export function callsEndpoint(log: Pick<CallLog, 'since'>) {
  return (req: { method: string; path: string; query: URLSearchParams }): { status: number; headers: Record<string, string>; body: string } | undefined => {
    if (req.path !== '/_sandbox/calls') return undefined;
    const json = (status: number, body: unknown) => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (req.method !== 'GET') return json(405, { message: 'use GET' });
    const since = req.query.get('since') ?? '0';
    if (!/^\d{1,15}$/.test(since)) return json(400, { message: 'since must be a mark (a non-negative integer)' });
    return json(200, log.since(Number(since)));
  };
}
