// The rollback of a web target: the files of the release the prefix held before this rollout (as
// its marker named it then), read from that release's manifest in the release bucket and copied
// exactly as a deployment copies them, then the marker naming that release again. The copy skips
// files already there and writes the marker last, so doing it twice is harmless; a marker that
// names the release (and its files' hash) is a rollback already done. A release whose manifest is
// gone cannot be put back: the rollback fails and says which object is missing.
import { EdgeError, isEdgeError } from '../../../shared/errors.js';
import { MANIFEST_SCHEMA, manifestKey, releaseKeyPrefix, type ReleaseManifest } from '../../release/manifest.js';
import type { WebTarget } from '../config-types.js';
import type { Previous, TargetRef } from '../journal-model.js';
import type { TargetDriver } from '../runner.js';
import { releaseSession, targetOf, type DriverDeps } from './session.js';
import type { WebMarker } from './web.js';

/** What the rollback takes from the web driver (which wires it in). */
export interface WebCopying {
  /** Puts the files of release `m` under the target's prefix, then the marker naming `m`. */
  readonly copyRelease: (t: WebTarget, m: ReleaseManifest) => Promise<TargetRef>;
  readonly marker: (t: WebTarget) => Promise<WebMarker | undefined>;
}

/** The manifest key of another version of the release `current` belongs to (same bucket, prefix and application). */
export function manifestKeyOf(current: ReleaseManifest, version: string): string {
  const own = `${current.application}/${current.version}/`;
  if (!current.keyPrefix.endsWith(own)) {
    throw new EdgeError('INTERNAL', `release ${current.version}'s key prefix ${current.keyPrefix} does not end with ${own}`);
  }
  return manifestKey(releaseKeyPrefix(current.keyPrefix.slice(0, -own.length), current.application, version));
}

function previousRelease(t: WebTarget, p: Previous): string {
  if (p.kind !== 'web' || !p.release) {
    const why = `the rollback of ${t.name} needs the release its prefix held before, and the journal has none`;
    throw new EdgeError('ROLLOUT_JOURNAL_CORRUPT', why);
  }
  return p.release;
}

export function webRollback(deps: DriverDeps, web: WebCopying): Pick<TargetDriver, 'rollback' | 'findRollback'> {
  async function manifestOf(t: WebTarget, version: string): Promise<ReleaseManifest> {
    const { bucket } = deps.manifest;
    const key = manifestKeyOf(deps.manifest, version);
    const gone = (why: string): EdgeError => {
      const what = `the web files of ${t.name} cannot be put back to release ${version}`;
      return new EdgeError('TARGET_PREVIOUS_MISSING', `${what}: s3://${bucket}/${key} ${why}`);
    };
    let body: Uint8Array;
    try {
      body = (await releaseSession(deps).s3.getObject({ bucket, key })).body;
    } catch (e) {
      if (isEdgeError(e, 'AWS_NOT_FOUND')) throw gone('is missing (was the release deleted?)');
      throw e;
    }
    let m: Partial<ReleaseManifest>;
    try {
      m = JSON.parse(Buffer.from(body).toString('utf8')) as Partial<ReleaseManifest>;
    } catch {
      throw gone('is not JSON');
    }
    if (m.schema !== MANIFEST_SCHEMA || m.version !== version) throw gone(`is not the manifest of release ${version}`);
    return m as ReleaseManifest;
  }

  return {
    async rollback(target, previous) {
      const t = targetOf(target, 'web');
      const version = previousRelease(t, previous);
      return web.copyRelease(t, await manifestOf(t, version));
    },

    async findRollback(target, previous) {
      const t = targetOf(target, 'web');
      const version = previousRelease(t, previous);
      const files = (await manifestOf(t, version)).parts.web;
      const m = await web.marker(t);
      return m && files && m.version === version && m.sha256 === files.sha256 ? { kind: 'copy', objects: m.files } : undefined;
    },
  };
}
