// The release manifest: what one version of the application is made of and where each part lies
// in the release bucket. Written once by `fleetctl release push` next to the parts, read by every
// rollout of that version. Pure types and key derivation.

export const MANIFEST_SCHEMA = 'fleetctl.release/v1';

export interface StoredPart {
  readonly key: string;
  readonly sha256: string;
  readonly size: number;
  /** As S3 returned it, with its quotes. */
  readonly etag: string;
  readonly versionId?: string;
}

export interface DevicePart extends StoredPart {
  readonly bundleType: 'tgz' | 'tar' | 'zip';
}

export interface StackPart {
  readonly template: StoredPart;
  /** The code package (e.g. a Lambda zip) whose bucket and key the template takes as parameters. */
  readonly package?: StoredPart;
  /** Parameter names the template declares (from ValidateTemplate, or read locally). */
  readonly parameters: readonly string[];
  /** Capabilities the template needs (CAPABILITY_IAM, ...). */
  readonly capabilities: readonly string[];
}

export interface WebFile {
  /** Path under the web root, `/`-separated. */
  readonly path: string;
  readonly key: string;
  readonly sha256: string;
  readonly size: number;
  readonly contentType: string;
  readonly etag: string;
}

export interface WebPart {
  /** Key prefix under which the files lie in the release bucket. */
  readonly prefix: string;
  readonly files: readonly WebFile[];
  /** SHA-256 over the sorted (path, sha256) list: the web release's identity. */
  readonly sha256: string;
}

export interface ReleaseManifest {
  readonly schema: typeof MANIFEST_SCHEMA;
  readonly application: string;
  readonly version: string;
  readonly bucket: string;
  readonly region: string;
  readonly kmsKeyId?: string;
  /** Where the manifest and parts lie: `<prefix><application>/<version>/`. */
  readonly keyPrefix: string;
  readonly createdAt: string;
  /** Source commit and ref when the pipeline provides them. */
  readonly source?: { readonly commit?: string; readonly ref?: string };
  readonly parts: {
    readonly device?: DevicePart;
    readonly stack?: StackPart;
    readonly web?: WebPart;
  };
}

/** `<prefix><application>/<version>/`: every key of a release lies under it. */
export const releaseKeyPrefix = (prefix: string, application: string, version: string): string => `${prefix}${application}/${version}/`;

export const manifestKey = (keyPrefix: string): string => `${keyPrefix}release.json`;

/** Content-addressed part keys: the same bytes always land on the same key. */
export const partKey = (keyPrefix: string, part: 'device' | 'template' | 'package', sha256: string, extension: string): string =>
  `${keyPrefix}${part}-${sha256.slice(0, 16)}.${extension}`;

/** Where a rollout of this release keeps its journal and lease. */
export const rolloutKeyPrefix = (keyPrefix: string, environment: string): string => `${keyPrefix}rollouts/${environment}/`;

/** A web file's key: its path under the web root, below the release's prefix. */
export const webKey = (keyPrefix: string, path: string): string => `${keyPrefix}web/${path}`;

/** What makes two pushes of a version the same release: each part's SHA-256 (the web part's over its file list);
 * of a manifest's parts or of the parts being pushed. */
export function contentIdentity(parts: {
  readonly device?: { readonly sha256: string } | undefined;
  readonly stack?: { readonly template: { readonly sha256: string }; readonly package?: { readonly sha256: string } | undefined } | undefined;
  readonly web?: { readonly sha256: string } | undefined;
}): Record<string, string> {
  return {
    ...(parts.device ? { device: parts.device.sha256 } : {}),
    ...(parts.stack ? { template: parts.stack.template.sha256, ...(parts.stack.package ? { package: parts.stack.package.sha256 } : {}) } : {}),
    ...(parts.web ? { web: parts.web.sha256 } : {}),
  };
}
