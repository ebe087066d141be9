// What a push stores, derived from the prepared parts: the objects (content-addressed keys for the
// device, template and package parts; `web/<path>` for web files) and the manifest that lists them
// with the ETags and VersionIds S3 gave. Pure.
import { MANIFEST_SCHEMA, partKey, webKey, type ReleaseManifest, type StoredPart } from './manifest.js';
import type { Blob, PreparedRelease } from './parts.js';
import type { ObjectPlan, StoredObject } from './upload.js';

export type PartName = 'device' | 'template' | 'package' | 'web' | 'manifest';

export interface Planned extends ObjectPlan {
  readonly part: PartName;
  readonly path?: string;
}

const DEVICE_TYPES = { zip: 'application/zip', tgz: 'application/gzip', tar: 'application/x-tar' } as const;

const keyOf = (keyPrefix: string, part: 'device' | 'template' | 'package', b: Blob): string => partKey(keyPrefix, part, b.sha256, b.extension);

/** Every object of the release, in a stable order: device, template, package, web files by path. */
export function planObjects(release: PreparedRelease, keyPrefix: string, meta: Readonly<Record<string, string>>): Planned[] {
  const out: Planned[] = [];
  const add = (part: PartName, key: string, b: { bytes: Buffer; sha256: string }, contentType: string, path?: string): void => {
    out.push({ part, key, bytes: b.bytes, sha256: b.sha256, contentType, metadata: { ...meta, part }, ...(path !== undefined ? { path } : {}) });
  };
  const { device, stack, web } = release;
  if (device) add('device', keyOf(keyPrefix, 'device', device), device, DEVICE_TYPES[device.bundleType]);
  if (stack) {
    const t = stack.template;
    add('template', keyOf(keyPrefix, 'template', t), t, t.extension === 'json' ? 'application/json' : 'application/yaml');
    if (stack.package) add('package', keyOf(keyPrefix, 'package', stack.package), stack.package, 'application/zip');
  }
  for (const f of web?.files ?? []) add('web', webKey(keyPrefix, f.path), f, f.contentType, f.path);
  return out;
}

/** The manifest's fields other than its schema and parts. */
export type ManifestFacts = Omit<ReleaseManifest, 'schema' | 'parts'>;

/** The manifest of the stored release; `stored` holds every planned key. */
export function buildManifest(facts: ManifestFacts, release: PreparedRelease, stored: ReadonlyMap<string, StoredObject>): ReleaseManifest {
  const { keyPrefix } = facts;
  const at = (key: string): StoredObject => {
    const s = stored.get(key);
    if (!s) throw new Error(`internal: ${key} was not stored`);
    return s;
  };
  const part = (kind: 'device' | 'template' | 'package', b: Blob): StoredPart => {
    const key = keyOf(keyPrefix, kind, b);
    const s = at(key);
    return { key, sha256: b.sha256, size: b.size, etag: s.etag, ...(s.versionId ? { versionId: s.versionId } : {}) };
  };
  const { device, stack, web } = release;
  const source = facts.source && (facts.source.commit || facts.source.ref) ? { source: { ...facts.source } } : {};
  return {
    schema: MANIFEST_SCHEMA,
    application: facts.application,
    version: facts.version,
    bucket: facts.bucket,
    region: facts.region,
    ...(facts.kmsKeyId ? { kmsKeyId: facts.kmsKeyId } : {}),
    keyPrefix,
    createdAt: facts.createdAt,
    ...source,
    parts: {
      ...(device ? { device: { ...part('device', device), bundleType: device.bundleType } } : {}),
      ...(stack
        ? {
            stack: {
              template: part('template', stack.template),
              ...(stack.package ? { package: part('package', stack.package) } : {}),
              parameters: stack.parameters,
              capabilities: stack.capabilities,
            },
          }
        : {}),
      ...(web
        ? {
            web: {
              prefix: webKey(keyPrefix, ''),
              sha256: web.sha256,
              files: web.files.map((f) => {
                const key = webKey(keyPrefix, f.path);
                return { path: f.path, key, sha256: f.sha256, size: f.size, contentType: f.contentType, etag: at(key).etag };
              }),
            },
          }
        : {}),
    },
  };
}

/** `device: stored 3f2a…, pushing 9b1c…` for each part whose content differs. */
export function differences(stored: Readonly<Record<string, string>>, pushing: Readonly<Record<string, string>>): string[] {
  const names = [...new Set([...Object.keys(stored), ...Object.keys(pushing)])].sort();
  const short = (s: string | undefined): string => (s ? `${s.slice(0, 12)}…` : 'none');
  return names.filter((n) => stored[n] !== pushing[n]).map((n) => `${n}: stored ${short(stored[n])}, pushing ${short(pushing[n])}`);
}
