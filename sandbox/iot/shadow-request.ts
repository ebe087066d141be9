// Device Shadow requests, pure: the JSON value types, the ShadowError that carries AWS's status and
// message, and validation of update/get/delete request documents (device-shadow-error-messages).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface UpdateRequest {
  readonly state: { readonly desired?: JsonObject | null; readonly reported?: JsonObject | null };
  readonly clientToken?: string;
  readonly version?: number;
}

export interface OptionalRequest {
  readonly clientToken?: string;
  readonly version?: number;
}

/** A rejected shadow request: HTTP status + AWS message (+ the request's clientToken, echoed). */
export class ShadowError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 413 | 415,
    message: string,
    readonly clientToken?: string,
  ) {
    super(message);
    this.name = 'ShadowError';
  }
}

export const MAX_STATE_BYTES = 8 * 1024;
export const MAX_DEPTH = 6;
export const MAX_CLIENT_TOKEN_BYTES = 64;

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Own-property write that also works for keys such as "__proto__". */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export const getOwn = <T>(obj: Record<string, T> | undefined, key: string): T | undefined =>
  obj !== undefined && Object.hasOwn(obj, key) ? obj[key] : undefined;

function decodeJson(payload: Buffer | string): unknown {
  let text: string;
  if (typeof payload === 'string') text = payload;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
    } catch {
      throw new ShadowError(415, 'Unsupported documented encoding; supported encoding is UTF-8');
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ShadowError(400, 'Invalid JSON');
  }
}

function depth(v: Json): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depth));
  if (isObject(v)) return 1 + Math.max(0, ...Object.values(v).map(depth));
  return 0;
}

const hasNullInArray = (v: Json, inArray = false): boolean =>
  (v === null && inArray) || (Array.isArray(v) ? v.some((e) => hasNullInArray(e, true)) : isObject(v) ? Object.values(v).some((e) => hasNullInArray(e)) : false);

function readTokenAndVersion(doc: JsonObject): OptionalRequest {
  const token = doc['clientToken'];
  if (token !== undefined && (typeof token !== 'string' || Buffer.byteLength(token) > MAX_CLIENT_TOKEN_BYTES)) {
    throw new ShadowError(400, 'Invalid clientToken');
  }
  const clientToken = token as string | undefined;
  const version = doc['version'];
  if (version !== undefined && (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0)) {
    throw new ShadowError(400, 'Invalid version', clientToken);
  }
  return { ...(clientToken !== undefined ? { clientToken } : {}), ...(version !== undefined ? { version } : {}) };
}

/** Parse and validate an update request state document. */
export function parseUpdateRequest(payload: Buffer | string): UpdateRequest {
  const doc = decodeJson(payload);
  if (!isObject(doc)) throw new ShadowError(400, 'Invalid JSON');
  const common = readTokenAndVersion(doc);
  const fail = (status: 400, message: string): ShadowError => new ShadowError(status, message, common.clientToken);
  if (!Object.hasOwn(doc, 'state')) throw fail(400, 'Missing required node: state');
  const state = doc['state'];
  if (!isObject(state)) throw fail(400, 'State node must be an object');
  const out: { desired?: JsonObject | null; reported?: JsonObject | null } = {};
  for (const key of Object.keys(state)) {
    if (key !== 'desired' && key !== 'reported') throw fail(400, 'State contains an invalid node');
    const section = state[key]!;
    if (section !== null && !isObject(section)) throw fail(400, `${key === 'desired' ? 'Desired' : 'Reported'} node must be an object`);
    if (section !== null && depth(section) > MAX_DEPTH) throw fail(400, `JSON contains too many levels of nesting; maximum is ${MAX_DEPTH}`);
    if (section !== null && hasNullInArray(section)) throw fail(400, 'State contains an invalid node');
    out[key] = section;
  }
  return { state: out, ...common };
}

/** Parse the optional body of a get/delete request (empty, or a JSON object with clientToken/version). */
export function parseOptionalRequest(payload: Buffer | string | undefined): OptionalRequest {
  if (payload === undefined || payload.length === 0) return {};
  const doc = decodeJson(payload);
  if (!isObject(doc)) throw new ShadowError(400, 'Invalid JSON');
  return readTokenAndVersion(doc);
}

export const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
export const SHADOW_NAME = /^[a-zA-Z0-9:_-]{1,64}$/;
