// AWS IoT Device Shadow document semantics, pure: the desired/reported merge (null deletes a key,
// objects merge, arrays and scalars replace), the delta, per-leaf metadata timestamps, versions,
// and the accepted/documents/delta/get/delete response documents. Requests are validated in
// shadow-request.ts; rejections are ShadowErrors (HTTP status + AWS message).
import {
  getOwn,
  isObject,
  MAX_STATE_BYTES,
  setOwn,
  ShadowError,
  type Json,
  type JsonObject,
  type OptionalRequest,
  type UpdateRequest,
} from './shadow-request.js';

/** A shadow as stored (JSON-able). A deleted shadow keeps its version, as AWS continues it. */
export interface StoredShadow {
  state: { desired?: JsonObject; reported?: JsonObject };
  metadata: { desired?: JsonObject; reported?: JsonObject };
  version: number;
  /** Epoch seconds of the delete; the shadow does not exist while this is set. */
  deletedAt?: number;
}

/** AWS: a shadow deleted less than 48 h ago continues its version when re-created. */
export const VERSION_MEMORY_SECONDS = 48 * 3600;

const SECTIONS = ['desired', 'reported'] as const;
type Section = (typeof SECTIONS)[number];

/** Metadata of a value written at `ts`: {timestamp} per leaf, mirrored through objects and arrays. */
export function metadataOf(value: Json, ts: number): Json {
  if (Array.isArray(value)) return value.map((e) => metadataOf(e, ts));
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, v === null ? { timestamp: ts } : metadataOf(v, ts));
    return out;
  }
  return { timestamp: ts };
}

/** Merge `patch` into (`base`, `baseMeta`); returns the new value and metadata (undefined when empty). */
export function mergeSection(
  base: JsonObject | undefined,
  baseMeta: JsonObject | undefined,
  patch: JsonObject,
  ts: number,
): { value: JsonObject | undefined; meta: JsonObject | undefined } {
  const value: JsonObject = { ...base };
  const meta: JsonObject = { ...baseMeta };
  for (const [k, p] of Object.entries(patch)) {
    if (p === null) {
      delete value[k];
      delete meta[k];
      continue;
    }
    if (isObject(p)) {
      const old = getOwn(base, k);
      const oldMeta = getOwn(baseMeta, k);
      const merged = isObject(old) ? mergeSection(old, isObject(oldMeta) ? oldMeta : undefined, p, ts) : mergeSection(undefined, undefined, p, ts);
      if (merged.value === undefined) {
        delete value[k];
        delete meta[k];
      } else {
        setOwn(value, k, merged.value);
        setOwn(meta, k, merged.meta ?? {});
      }
      continue;
    }
    setOwn(value, k, p);
    setOwn(meta, k, metadataOf(p, ts));
  }
  return Object.keys(value).length === 0 ? { value: undefined, meta: undefined } : { value, meta };
}

function deepEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((e, i) => deepEqual(e, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** The desired keys whose value differs from reported (recursively through objects). */
export function computeDelta(desired: JsonObject | undefined, reported: JsonObject | undefined): JsonObject | undefined {
  if (!desired) return undefined;
  const out: JsonObject = {};
  for (const [k, d] of Object.entries(desired)) {
    const r = getOwn(reported, k);
    if (isObject(d) && isObject(r)) {
      const nested = computeDelta(d, r);
      if (nested) setOwn(out, k, nested);
    } else if (!deepEqual(d, r)) setOwn(out, k, d);
  }
  return Object.keys(out).length ? out : undefined;
}

/** The part of `meta` that describes the keys present in `value`. */
function pickMetadata(value: JsonObject, meta: JsonObject | undefined): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    const m = getOwn(meta, k);
    if (m === undefined) continue;
    setOwn(out, k, isObject(v) && isObject(m) ? pickMetadata(v, m) : m);
  }
  return out;
}

const exists = (s: StoredShadow | undefined): s is StoredShadow => s !== undefined && s.deletedAt === undefined;
const withToken = (token: string | undefined): { clientToken?: string } => (token !== undefined ? { clientToken: token } : {});

/** The version a (re-)created shadow continues from. */
function baseVersion(current: StoredShadow | undefined, now: number): number {
  if (!current) return 0;
  if (current.deletedAt !== undefined && now - current.deletedAt >= VERSION_MEMORY_SECONDS) return 0;
  return current.version;
}

function snapshot(s: StoredShadow): JsonObject {
  return { state: { ...s.state }, metadata: { ...s.metadata }, version: s.version } as JsonObject;
}

export interface UpdateOutcome {
  readonly shadow: StoredShadow;
  /** The /update/accepted document (also UpdateThingShadow's response). */
  readonly accepted: JsonObject;
  /** The /update/documents document. */
  readonly documents: JsonObject;
  /** The /update/delta document, when the request set desired state and desired ≠ reported. */
  readonly delta?: JsonObject;
}

/** Apply an update at `now` (epoch seconds). Throws ShadowError 409 / 413. */
export function applyUpdate(current: StoredShadow | undefined, req: UpdateRequest, now: number): UpdateOutcome {
  const version = baseVersion(current, now);
  if (req.version !== undefined && req.version !== version) throw new ShadowError(409, 'Version conflict', req.clientToken);
  const live = exists(current) ? current : undefined;
  const next: StoredShadow = { state: { ...live?.state }, metadata: { ...live?.metadata }, version: version + 1 };
  const acceptedMeta: JsonObject = {};
  for (const section of SECTIONS) {
    const patch = req.state[section];
    if (patch === undefined) continue;
    if (patch === null) {
      delete next.state[section];
      delete next.metadata[section];
      acceptedMeta[section] = { timestamp: now };
      continue;
    }
    const merged = mergeSection(next.state[section], next.metadata[section], patch, now);
    setSection(next, section, merged.value, merged.meta);
    acceptedMeta[section] = metadataOf(patch, now);
  }
  const size = Buffer.byteLength(JSON.stringify(next.state));
  if (size > MAX_STATE_BYTES) throw new ShadowError(413, 'The payload exceeds the maximum size allowed', req.clientToken);
  const token = withToken(req.clientToken);
  const accepted: JsonObject = { state: { ...req.state }, metadata: acceptedMeta, version: next.version, timestamp: now, ...token };
  const documents: JsonObject = { ...(live ? { previous: snapshot(live) } : {}), current: snapshot(next), timestamp: now, ...token };
  const delta = req.state.desired !== undefined ? computeDelta(next.state.desired, next.state.reported) : undefined;
  return {
    shadow: next,
    accepted,
    documents,
    ...(delta
      ? { delta: { version: next.version, timestamp: now, state: delta, metadata: pickMetadata(delta, next.metadata.desired), ...token } }
      : {}),
  };
}

function setSection(s: StoredShadow, section: Section, value: JsonObject | undefined, meta: JsonObject | undefined): void {
  if (value === undefined) {
    delete s.state[section];
    delete s.metadata[section];
  } else {
    s.state[section] = value;
    s.metadata[section] = meta ?? {};
  }
}

const notFound = (shadowName: string, token?: string): ShadowError => new ShadowError(404, `No shadow exists with name: '${shadowName}'`, token);

/** The GetThingShadow / /get/accepted document. Throws 404 when the shadow does not exist. */
export function getDocument(current: StoredShadow | undefined, displayName: string, now: number, clientToken?: string): JsonObject {
  if (!exists(current)) throw notFound(displayName, clientToken);
  const delta = computeDelta(current.state.desired, current.state.reported);
  return {
    state: { ...current.state, ...(delta ? { delta } : {}) },
    metadata: { ...current.metadata },
    version: current.version,
    timestamp: now,
    ...withToken(clientToken),
  };
}

/** Delete: the tombstone to store and the /delete/accepted document. Throws 404 / 409. */
export function deleteShadow(
  current: StoredShadow | undefined,
  displayName: string,
  req: OptionalRequest,
  now: number,
): { shadow: StoredShadow; accepted: JsonObject } {
  if (!exists(current)) throw notFound(displayName, req.clientToken);
  if (req.version !== undefined && req.version !== current.version) throw new ShadowError(409, 'Version conflict', req.clientToken);
  return {
    shadow: { state: {}, metadata: {}, version: current.version, deletedAt: now },
    accepted: { version: current.version, timestamp: now, ...withToken(req.clientToken) },
  };
}

/** The MQTT …/rejected error document. */
export function errorDocument(err: ShadowError, now: number): JsonObject {
  return { code: err.status, message: err.message, timestamp: now, ...withToken(err.clientToken) };
}

