// Version bookkeeping for one key, by the bucket's versioning state: unversioned and Suspended
// buckets replace the 'null' version, Enabled buckets stack new versions; deletes add delete markers.
// These functions only change the state; the caller frees the returned blobs after store.changed().
import { randomBytes } from 'node:crypto';
import type { BucketState, ObjectVersion } from './s3-state.js';
import { ownGet, ownSet } from './s3-state.js';

export const newVersionId = (): string => randomBytes(24).toString('base64url');

export function findVersion(bucket: BucketState, key: string, versionId: string): ObjectVersion | undefined {
  return ownGet(bucket.objects, key)?.find((v) => v.versionId === versionId);
}

function versionsOf(bucket: BucketState, key: string): ObjectVersion[] {
  let versions = ownGet(bucket.objects, key);
  if (!versions) {
    versions = [];
    ownSet(bucket.objects, key, versions);
  }
  return versions;
}

/** Removes the 'null' version (if any), returning its blob id. */
function dropNullVersion(versions: ObjectVersion[]): string[] {
  const i = versions.findIndex((v) => v.versionId === 'null');
  if (i < 0) return [];
  const [removed] = versions.splice(i, 1);
  return removed?.blobId ? [removed.blobId] : [];
}

/** Stores a new current version; returns it and the blob ids no longer referenced. */
export function commitVersion(bucket: BucketState, key: string, version: Omit<ObjectVersion, 'versionId'>): { version: ObjectVersion; released: string[] } {
  const versions = versionsOf(bucket, key);
  const enabled = bucket.versioning === 'Enabled';
  const released = enabled ? [] : dropNullVersion(versions);
  const stored: ObjectVersion = { ...version, versionId: enabled ? newVersionId() : 'null' };
  versions.unshift(stored);
  return { version: stored, released };
}

export interface DeleteOutcome {
  /** The version id removed or the delete marker's id (absent for unversioned buckets). */
  readonly versionId?: string;
  readonly deleteMarker: boolean;
  readonly released: string[];
}

/** DeleteObject: permanent with a version id, otherwise a delete marker once versioning was ever on. */
export function deleteVersion(bucket: BucketState, key: string, versionId: string | undefined, now: Date): DeleteOutcome {
  const versions = ownGet(bucket.objects, key);
  if (versionId !== undefined) {
    const i = versions?.findIndex((v) => v.versionId === versionId) ?? -1;
    if (!versions || i < 0) return { versionId, deleteMarker: false, released: [] };
    const [removed] = versions.splice(i, 1);
    if (versions.length === 0) delete bucket.objects[key];
    return { versionId, deleteMarker: removed?.deleteMarker ?? false, released: removed?.blobId ? [removed.blobId] : [] };
  }
  if (bucket.versioning === undefined) {
    if (!versions) return { deleteMarker: false, released: [] };
    delete bucket.objects[key];
    return { deleteMarker: false, released: versions.flatMap((v) => (v.blobId ? [v.blobId] : [])) };
  }
  const list = versionsOf(bucket, key);
  const enabled = bucket.versioning === 'Enabled';
  const released = enabled ? [] : dropNullVersion(list);
  const marker: ObjectVersion = {
    versionId: enabled ? newVersionId() : 'null',
    deleteMarker: true,
    lastModified: now.toISOString(),
    size: 0,
    etag: '',
    headers: {},
    metadata: {},
  };
  list.unshift(marker);
  return { versionId: marker.versionId, deleteMarker: true, released };
}
