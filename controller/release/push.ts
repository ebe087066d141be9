// `fleetctl release push`: one version of the application, checked whole, packed reproducibly and
// stored in the release bucket under keys derived from application, version and content hash, with
// a manifest next to the parts. Idempotent: the same content again uploads nothing; a version is
// immutable (other content under it is refused unless `force`). The device revision is registered
// with CodeDeploy (RegisterApplicationRevision) before the manifest is written, so a manifest that
// exists always describes a complete, registered release.
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import type { CodeDeployPort, S3Port, S3Revision } from '../aws/ports.js';
import { forEachLimited } from '../fleet/pool.js';
import { versionRule } from '../rollout/config-rules.js';
import type { RolloutConfig } from '../rollout/config-types.js';
import { contentIdentity, MANIFEST_SCHEMA, manifestKey as manifestKeyOf, releaseKeyPrefix, type ReleaseManifest } from './manifest.js';
import { prepareRelease, type PrepareDeps } from './parts.js';
import { buildManifest, differences, planObjects, type PartName } from './release-objects.js';
import { putIfChanged, sha256Hex, type StoredObject } from './upload.js';

export type { PartName } from './release-objects.js';

export interface PushOptions {
  readonly config: RolloutConfig;
  /** Part paths in the config are relative to this folder (the config file's). */
  readonly baseDir: string;
  readonly version: string;
  /** Replace a version that exists with other content. */
  readonly force?: boolean;
  /** From the pipeline's environment (GITHUB_SHA, CODEBUILD_RESOLVED_SOURCE_VERSION, ...), read by the composition root. */
  readonly source?: { readonly commit?: string; readonly ref?: string };
  readonly partSizeBytes?: number;
  /** Objects uploaded at once (default 8). */
  readonly concurrency?: number;
}

export interface PushDeps extends PrepareDeps {
  /** S3 and CodeDeploy of the pipeline account, in the release bucket's region. */
  readonly s3: S3Port;
  readonly codedeploy: CodeDeployPort;
  readonly clock: () => Date;
}

export interface PushedObject {
  readonly part: PartName;
  readonly key: string;
  readonly size: number;
  readonly sha256: string;
  readonly etag: string;
  readonly versionId?: string;
  readonly outcome: 'uploaded' | 'unchanged';
  /** Web files: the path under the web root. */
  readonly path?: string;
}

export interface Registration {
  readonly application: string;
  readonly region: string;
  readonly revision: S3Revision;
  readonly outcome: 'registered' | 'unchanged';
}

export interface PushResult {
  readonly manifest: ReleaseManifest;
  readonly bucket: string;
  readonly manifestKey: string;
  /** created: a new version; unchanged: the same release was there; replaced: --force over other content;
   * repaired: parts missing from the bucket were put back. */
  readonly manifestOutcome: 'created' | 'unchanged' | 'replaced' | 'repaired';
  readonly objects: readonly PushedObject[];
  readonly summary: { readonly uploaded: number; readonly unchanged: number; readonly uploadedBytes: number };
  readonly registration?: Registration;
  readonly templateCheck?: 'remote' | 'local';
}

async function readManifest(s3: S3Port, bucket: string, key: string): Promise<{ manifest: ReleaseManifest | undefined; etag: string } | undefined> {
  try {
    const got = await s3.getObject({ bucket, key });
    try {
      const doc = JSON.parse(Buffer.from(got.body).toString('utf8')) as ReleaseManifest;
      return { manifest: doc?.schema === MANIFEST_SCHEMA && typeof doc.parts === 'object' ? doc : undefined, etag: got.etag };
    } catch {
      return { manifest: undefined, etag: got.etag };
    }
  } catch (e) {
    if (isEdgeError(e, 'AWS_NOT_FOUND')) return undefined;
    throw e;
  }
}

const versionExists = (bucket: string, key: string, diffs: readonly string[]): EdgeError =>
  new EdgeError('RELEASE_VERSION_EXISTS', `s3://${bucket}/${key} already holds this version with other content (${diffs.join('; ')})`, { details: { bucket, key, differences: diffs } });

/** The device part as the S3 revision CodeDeploy deploys. */
function revisionOf(m: ReleaseManifest): S3Revision | undefined {
  const d = m.parts.device;
  if (!d) return undefined;
  return { bucket: m.bucket, key: d.key, bundleType: d.bundleType, eTag: d.etag.replace(/"/g, ''), ...(d.versionId ? { version: d.versionId } : {}) };
}

interface ManifestWrite {
  readonly manifest: ReleaseManifest;
  /** The stored manifest this push replaces (its ETag), or none: create only. */
  readonly replacing?: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly kmsKeyId?: string;
  /** What the manifest must describe should a concurrent push have written it first. */
  readonly identity: Readonly<Record<string, string>>;
}

/** Writes the manifest with If-None-Match (or If-Match when replacing); a lost race is fine only when the winner is this release. */
async function writeManifest(s3: S3Port, bucket: string, key: string, w: ManifestWrite): Promise<PushedObject | ReleaseManifest> {
  const bytes = Buffer.from(`${JSON.stringify(w.manifest, null, 2)}\n`);
  const sha256 = sha256Hex(bytes);
  try {
    const put = await s3.putObject({
      bucket,
      key,
      body: bytes,
      contentType: 'application/json',
      metadata: { ...w.metadata, part: 'manifest', sha256 },
      checksumAlgorithm: 'SHA256',
      ...(w.kmsKeyId ? { kmsKeyId: w.kmsKeyId } : {}),
      ...(w.replacing ? { ifMatch: w.replacing } : { ifNoneMatch: '*' as const }),
    });
    const version = put.versionId ? { versionId: put.versionId } : {};
    return { part: 'manifest', key, size: bytes.length, sha256, etag: put.etag, ...version, outcome: 'uploaded' };
  } catch (e) {
    if (!isEdgeError(e, 'AWS_PRECONDITION_FAILED')) throw e;
    const now = await readManifest(s3, bucket, key);
    const diffs = now?.manifest ? differences(contentIdentity(now.manifest.parts), w.identity) : ['the manifest cannot be read'];
    if (!now?.manifest || diffs.length > 0) throw versionExists(bucket, key, diffs);
    return now.manifest;
  }
}

function refuseInvalid(version: string, problems: readonly string[]): EdgeError {
  const list = problems.map((p) => `  - ${p}`).join('\n');
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  return new EdgeError('RELEASE_PART_INVALID', `the release ${version} is invalid (${count}):\n${list}\n`, { details: { problems } });
}

export async function pushRelease(o: PushOptions, deps: PushDeps): Promise<PushResult> {
  const bad = versionRule(o.version);
  if (bad) throw new EdgeError('CLI_USAGE', `--version: ${bad}`);
  const { config } = o;
  const { bucket, kmsKeyId } = config.release;
  const region = config.release.region ?? config.region;
  const keyPrefix = releaseKeyPrefix(config.release.prefix, config.application, o.version);
  const manifestKey = manifestKeyOf(keyPrefix);
  const { release, problems } = await prepareRelease(config.release.parts, { baseDir: o.baseDir, keyPrefix }, deps);
  if (problems.length > 0) throw refuseInvalid(o.version, problems);

  const meta = {
    application: config.application,
    'release-version': o.version,
    ...(o.source?.commit ? { 'source-commit': o.source.commit } : {}),
    ...(o.source?.ref ? { 'source-ref': o.source.ref } : {}),
  };
  const planned = planObjects(release, keyPrefix, meta);
  const identity = contentIdentity(release);
  const existing = await readManifest(deps.s3, bucket, manifestKey);
  const diffs = existing ? (existing.manifest ? differences(contentIdentity(existing.manifest.parts), identity) : ['the manifest cannot be read']) : [];
  if (diffs.length > 0 && !o.force) throw versionExists(bucket, manifestKey, diffs);
  const same = existing?.manifest !== undefined && diffs.length === 0;

  const settings = { bucket, ...(kmsKeyId ? { kmsKeyId } : {}), ...(o.partSizeBytes ? { partSizeBytes: o.partSizeBytes } : {}) };
  const stored = new Map<string, StoredObject>();
  await forEachLimited(planned, o.concurrency ?? 8, async (p) => void stored.set(p.key, await putIfChanged(deps.s3, settings, p)));
  const objects: PushedObject[] = planned.map((p) => {
    const s = stored.get(p.key) as StoredObject;
    const version = s.versionId ? { versionId: s.versionId } : {};
    return { part: p.part, key: p.key, size: p.bytes.byteLength, sha256: p.sha256, etag: s.etag, ...version, outcome: s.outcome, ...(p.path !== undefined ? { path: p.path } : {}) };
  });

  let manifest: ReleaseManifest;
  let outcome: PushResult['manifestOutcome'];
  let registered: Registration['outcome'] = 'unchanged';
  if (same && existing?.manifest && objects.every((x) => x.outcome === 'unchanged')) {
    manifest = existing.manifest;
    outcome = 'unchanged';
  } else {
    const createdAt = (same && existing?.manifest?.createdAt) || deps.clock().toISOString();
    const facts = { application: config.application, version: o.version, bucket, region, ...(kmsKeyId ? { kmsKeyId } : {}), keyPrefix, createdAt };
    manifest = buildManifest({ ...facts, ...(o.source ? { source: o.source } : {}) }, release, stored);
    outcome = !existing ? 'created' : same ? 'repaired' : 'replaced';
    // registered before the manifest is written: a manifest that exists describes a registered release
    const revision = revisionOf(manifest);
    if (revision) {
      const description = `release ${o.version}${o.source?.commit ? ` (${o.source.commit})` : ''}`;
      await deps.codedeploy.registerApplicationRevision({ applicationName: config.application, revision, description });
      registered = 'registered';
    }
    const written = await writeManifest(deps.s3, bucket, manifestKey, {
      manifest,
      ...(existing ? { replacing: existing.etag } : {}),
      metadata: meta,
      ...(kmsKeyId ? { kmsKeyId } : {}),
      identity,
    });
    if ('schema' in written) {
      manifest = written;
      outcome = 'unchanged';
    } else objects.push(written);
  }
  const revision = revisionOf(manifest);
  const uploaded = objects.filter((x) => x.outcome === 'uploaded');
  return {
    manifest,
    bucket,
    manifestKey,
    manifestOutcome: outcome,
    objects,
    summary: { uploaded: uploaded.length, unchanged: objects.length - uploaded.length, uploadedBytes: uploaded.reduce((n, x) => n + x.size, 0) },
    ...(revision ? { registration: { application: config.application, region, revision, outcome: registered } } : {}),
    ...(release.templateCheck ? { templateCheck: release.templateCheck } : {}),
  };
}
