// The release's static web files under a prefix of a tenant bucket. Each file is copied from the
// release bucket with CopyObject under the tenant role (when that role may read the release bucket),
// else read by the controller and written to the tenant bucket; files already there with the same
// ETag are skipped. Files the release no longer has are deleted only when the target asks for it.
// A marker object written last (`<prefix>.fleetctl-release.json`) names the release the prefix
// holds: it is what the next rollout records as "before" and how a crashed attempt is recognised.
// A rollback puts an earlier release's files back the same way (copyRelease; rollback-web.ts).
import { createHash } from 'node:crypto';
import { EdgeError, isEdgeError } from '../../../shared/errors.js';
import type { S3Port } from '../../aws/ports.js';
import { chunks, forEachLimited } from '../../fleet/pool.js';
import type { ReleaseManifest, WebFile, WebPart } from '../../release/manifest.js';
import type { WebTarget } from '../config-types.js';
import type { Previous, TargetRef } from '../journal-model.js';
import type { FollowResult, TargetDriver } from '../runner.js';
import { webRollback } from './rollback-web.js';
import { sessionFor, targetOf, type DriverDeps } from './session.js';

export const MARKER = '.fleetctl-release.json';
export const MARKER_SCHEMA = 'fleetctl.web-release/v1';

export interface WebDriverDeps extends DriverDeps {
  /** Copies in flight per target (default 8). */
  readonly copyConcurrency?: number;
}

export interface WebMarker {
  readonly schema: typeof MARKER_SCHEMA;
  readonly application: string;
  readonly version: string;
  readonly sha256: string;
  readonly files: number;
}

const bare = (etag: string): string => etag.replace(/"/g, '');

/** A web file's path is hostile input: relative, `/`-separated, no empty, `.` or `..` segments, no control characters. */
export function webPathProblem(path: string): string | undefined {
  if (path === '' || Buffer.byteLength(path) > 900) return 'is empty or too long';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f\\]/.test(path)) return 'has a control character or a backslash';
  if (path.split('/').some((s) => s === '' || s === '.' || s === '..')) return 'has an empty, . or .. segment (or a leading or trailing /)';
  if (path === MARKER) return `is the name of fleetctl's own marker ${MARKER}`;
  return undefined;
}

function readMarker(body: Uint8Array): WebMarker | undefined {
  try {
    const m = JSON.parse(Buffer.from(body).toString('utf8')) as Partial<WebMarker>;
    return m.schema === MARKER_SCHEMA && typeof m.version === 'string' && typeof m.sha256 === 'string' ? (m as WebMarker) : undefined;
  } catch {
    return undefined;
  }
}

/** Every object under the prefix, key → ETag. */
async function listed(s3: S3Port, bucket: string, prefix: string): Promise<Map<string, string>> {
  const all = new Map<string, string>();
  let continuationToken: string | undefined;
  do {
    const page = await s3.listObjectsV2({ bucket, prefix, ...(continuationToken ? { continuationToken } : {}) });
    for (const o of page.objects) all.set(o.key, o.etag);
    continuationToken = page.nextContinuationToken;
  } while (continuationToken);
  return all;
}

export function webDriver(deps: WebDriverDeps): TargetDriver {
  const s3Of = (t: WebTarget): S3Port => sessionFor(deps.pool, t, deps.rolloutId).s3;
  const markerKey = (t: WebTarget): string => `${t.prefix}${MARKER}`;

  function part(t: WebTarget, m: ReleaseManifest): WebPart {
    const web = m.parts.web;
    if (!web) throw new EdgeError('TARGET_PART_MISSING', `target ${t.name} deploys the web files, but release ${m.version} has none`);
    for (const f of web.files) {
      const problem = webPathProblem(f.path);
      if (problem) throw new EdgeError('RELEASE_PART_INVALID', `release ${m.version}: web file ${JSON.stringify(f.path)} ${problem}`);
    }
    return web;
  }

  async function marker(t: WebTarget): Promise<WebMarker | undefined> {
    try {
      return readMarker((await s3Of(t).getObject({ bucket: t.bucket, key: markerKey(t) })).body);
    } catch (e) {
      if (isEdgeError(e, 'AWS_NOT_FOUND')) return undefined;
      throw e;
    }
  }

  /** Copies one file; `direct.ok` turns false for the rest of the deployment once a copy is refused. */
  async function copy(t: WebTarget, s3: S3Port, m: ReleaseManifest, f: WebFile, direct: { ok: boolean }): Promise<void> {
    const key = `${t.prefix}${f.path}`;
    const source = { bucket: m.bucket, key: f.key };
    if (direct.ok) {
      try {
        await s3.copyObject({ source, bucket: t.bucket, key, sourceIfMatch: f.etag });
        return;
      } catch (e) {
        if (!isEdgeError(e, 'AWS_ACCESS_DENIED')) throw e;
        direct.ok = false;
      }
    }
    const o = await deps.pool.session({ region: m.region }).s3.getObject({ ...source, ifMatch: f.etag });
    const sha = createHash('sha256').update(o.body).digest('hex');
    if (sha !== f.sha256) {
      throw new EdgeError('RELEASE_PART_INVALID', `s3://${source.bucket}/${source.key} has SHA-256 ${sha}, the release says ${f.sha256}`);
    }
    await s3.putObject({ bucket: t.bucket, key, body: o.body, contentType: f.contentType });
  }

  /**
   * Puts the web files of release `m` under the target's prefix (those already there with the same
   * ETag are skipped; the others deleted when the target asks for it), then the marker naming `m`.
   */
  async function copyRelease(t: WebTarget, m: ReleaseManifest): Promise<TargetRef> {
    const web = part(t, m);
    const s3 = s3Of(t);
    const existing = await listed(s3, t.bucket, t.prefix);
    const todo = web.files.filter((f) => bare(existing.get(`${t.prefix}${f.path}`) ?? '') !== bare(f.etag));
    const direct = { ok: true };
    await forEachLimited(todo, deps.copyConcurrency ?? 8, (f) => copy(t, s3, m, f, direct));
    if (t.deleteRemoved) {
      const keep = new Set([...web.files.map((f) => `${t.prefix}${f.path}`), markerKey(t)]);
      for (const keys of chunks([...existing.keys()].filter((k) => !keep.has(k)), 1000)) {
        const r = await s3.deleteObjects({ bucket: t.bucket, keys });
        const err = r.errors[0];
        if (err) {
          const code = err.code === 'AccessDenied' ? 'AWS_ACCESS_DENIED' : 'AWS_SERVICE_ERROR';
          throw new EdgeError(code, `s3 DeleteObjects failed: s3://${t.bucket}/${err.key}: ${err.code}: ${err.message}`);
        }
      }
    }
    const { application, version } = m;
    const mark: WebMarker = { schema: MARKER_SCHEMA, application, version, sha256: web.sha256, files: web.files.length };
    const body = `${JSON.stringify(mark, null, 2)}\n`;
    await s3.putObject({ bucket: t.bucket, key: markerKey(t), body, contentType: 'application/json' });
    return { kind: 'copy', objects: todo.length };
  }

  return {
    // the copy is done when deploy returns: nothing to wait for before following it
    doneOnDeploy: true,

    async recordBefore(target): Promise<Previous> {
      const m = await marker(targetOf(target, 'web'));
      return m ? { kind: 'web', release: m.version } : { kind: 'web' };
    },

    async deploy(target) {
      return copyRelease(targetOf(target, 'web'), deps.manifest);
    },

    async find(target) {
      const t = targetOf(target, 'web');
      const m = await marker(t);
      const web = deps.manifest.parts.web;
      return m && web && m.version === deps.manifest.version && m.sha256 === web.sha256 ? { kind: 'copy', objects: m.files } : undefined;
    },

    ...webRollback(deps, { copyRelease, marker }),

    async follow(_target, ref): Promise<FollowResult> {
      return { state: 'succeeded', progress: ref.kind === 'copy' ? `${ref.objects} files copied` : 'copied' };
    },
  };
}
