// Shared by the S3 handler unit tests: hand-built requests to the handler (no HTTP, no SigV4).
import { createHash } from 'node:crypto';
import { createS3Service } from '../../../sandbox/s3/s3-service.js';
import { createStore } from '../../../sandbox/store.js';
import type { Principal, SandboxRequest, SandboxResponse } from '../../../sandbox/types.js';

const principal = (accountId: string): Principal => ({
  accessKeyId: `AKIA${accountId}`,
  secretAccessKey: 'secret',
  arn: `arn:aws:iam::${accountId}:root`,
  accountId,
  userId: accountId,
});
export const ME = principal('111111111111');
export const OTHER = principal('222222222222');

export interface Req {
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer | string;
  principal?: Principal;
  region?: string;
}

export function request(method: string, rawPath: string, r: Req = {}): SandboxRequest {
  return {
    method,
    rawPath,
    path: decodeURIComponent(rawPath),
    query: new URLSearchParams(r.query ?? {}),
    headers: r.headers ?? {},
    body: Buffer.from(r.body ?? ''),
    service: 's3',
    region: r.region ?? 'us-east-1',
    principal: r.principal ?? ME,
    signal: new AbortController().signal,
  };
}

export const text = (res: SandboxResponse): string => (res.body === undefined ? '' : res.body.toString());
export const md5 = (data: string | Buffer): string => createHash('md5').update(data).digest('hex');

export async function setup(clockStart = Date.parse('2025-01-01T00:00:00Z')) {
  const store = await createStore();
  let now = clockStart;
  const s3 = createS3Service({ store, clock: { now: () => new Date(now) } });
  const call = (method: string, path: string, r?: Req): Promise<SandboxResponse> => s3(request(method, path, r));
  return { store, s3, call, tick: (ms: number) => (now += ms) };
}
