// The IoT control plane's state (one JSON document per account and region in the sandbox store),
// its ARNs, and the AWS errors and input checks its operations share.
import { AwsError, type SandboxStore } from '../types.js';
import type { CertificateStatus } from './types.js';

export interface ThingRecord {
  readonly thingName: string;
  readonly thingId: string;
  thingTypeName?: string;
  attributes: Record<string, string>;
  version: number;
  billingGroupName?: string;
  readonly creationDate: number;
  /** Attached principals (certificate ARNs and other principal ARNs), with the attachment type. */
  principals: { arn: string; type: 'EXCLUSIVE_THING' | 'NON_EXCLUSIVE_THING' }[];
}

export interface ThingGroupRecord {
  readonly thingGroupName: string;
  readonly thingGroupId: string;
  description?: string;
  attributes: Record<string, string>;
  readonly parentGroupName?: string;
  version: number;
  readonly creationDate: number;
  things: string[];
}

export interface CertificateState {
  readonly certificateId: string;
  status: CertificateStatus;
  readonly certificatePem: string;
  readonly creationDate: number;
  lastModifiedDate: number;
  customerVersion: number;
  generationId: string;
  readonly notBefore: number;
  readonly notAfter: number;
}

export interface PolicyRecord {
  readonly policyName: string;
  readonly policyDocument: string;
  readonly creationDate: number;
  readonly lastModifiedDate: number;
  readonly generationId: string;
  targets: string[];
}

export interface RoleAliasRecord {
  readonly roleAlias: string;
  roleArn: string;
  credentialDurationSeconds: number;
  readonly creationDate: number;
  lastModifiedDate: number;
}

export interface IotState {
  things: Record<string, ThingRecord>;
  thingGroups: Record<string, ThingGroupRecord>;
  certificates: Record<string, CertificateState>;
  policies: Record<string, PolicyRecord>;
  roleAliases: Record<string, RoleAliasRecord>;
}

export const IOT_STORE_SERVICE = 'iot';

export const emptyIotState = (): IotState => ({ things: {}, thingGroups: {}, certificates: {}, policies: {}, roleAliases: {} });

export function iotState(store: SandboxStore, accountId: string, region: string): IotState {
  return store.doc<IotState>(IOT_STORE_SERVICE, accountId, region, emptyIotState);
}

// Names such as "__proto__" are valid thing names: entries are read and written as own properties only.
export function entry<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
export function setEntry<T>(table: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(table, key, { value, enumerable: true, writable: true, configurable: true });
}

export const iotArn = (region: string, accountId: string, resource: string): string => `arn:aws:iot:${region}:${accountId}:${resource}`;

export const epochSeconds = (ms: number): number => ms / 1000;

// ---------------------------------------------------------------------------------------------
// Errors, as the IoT API names them.

export const notFound = (message: string): AwsError => new AwsError('ResourceNotFoundException', message, 404);
export const invalidRequest = (message: string): AwsError => new AwsError('InvalidRequestException', message, 400);
export const alreadyExists = (message: string, resourceId: string, resourceArn: string): AwsError =>
  new AwsError('ResourceAlreadyExistsException', message, 409, { resourceId, resourceArn });
export const deleteConflict = (message: string): AwsError => new AwsError('DeleteConflictException', message, 409);
export const certificateState = (message: string): AwsError => new AwsError('CertificateStateException', message, 406);
export const versionConflict = (message: string): AwsError => new AwsError('VersionConflictException', message, 409);

// ---------------------------------------------------------------------------------------------
// Input checks. Messages follow AWS's validation wording.

export const NAME_PATTERN = { thing: /^[a-zA-Z0-9:_-]{1,128}$/, policy: /^[\w+=,.@-]{1,128}$/, roleAlias: /^[\w=,@-]{1,128}$/, certificateId: /^[0-9a-fA-F]{64}$/ } as const;
const PATTERN_TEXT = { thing: '[a-zA-Z0-9:_-]+', policy: '[\\w+=,.@-]+', roleAlias: '[\\w=,@-]+', certificateId: '(0x)?[a-fA-F0-9]+' } as const;

export function checkName(kind: keyof typeof NAME_PATTERN, member: string, value: string): string {
  if (!NAME_PATTERN[kind].test(value)) {
    const why = value.length === 0 || value.length > 128 ? 'Member must have length between 1 and 128' : `Member must satisfy regular expression pattern: ${PATTERN_TEXT[kind]}`;
    throw invalidRequest(`1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${why}`);
  }
  return value;
}

/** A JSON request body's members with type checks (REST-JSON: members absent = undefined). */
export class JsonInput {
  constructor(private readonly body: Record<string, unknown>) {}

  static parse(raw: Buffer): JsonInput {
    if (raw.length === 0) return new JsonInput({});
    let v: unknown;
    try {
      v = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new AwsError('SerializationException', 'The request body is not valid JSON', 400);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new AwsError('SerializationException', 'The request body must be a JSON object', 400);
    return new JsonInput(v as Record<string, unknown>);
  }

  private typed<T>(name: string, type: string, ok: (v: unknown) => boolean): T | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) return undefined;
    if (!ok(v)) throw new AwsError('SerializationException', `${name}: expected ${type}, got ${JSON.stringify(v)}`, 400);
    return v as T;
  }
  str(name: string): string | undefined {
    return this.typed<string>(name, 'a string', (v) => typeof v === 'string');
  }
  requiredStr(name: string): string {
    const v = this.str(name);
    if (v === undefined) throw invalidRequest(`1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
    return v;
  }
  num(name: string): number | undefined {
    return this.typed<number>(name, 'a number', (v) => typeof v === 'number' && Number.isFinite(v));
  }
  bool(name: string): boolean | undefined {
    return this.typed<boolean>(name, 'a boolean', (v) => typeof v === 'boolean');
  }
  obj(name: string): JsonInput | undefined {
    const v = this.typed<Record<string, unknown>>(name, 'an object', (x) => typeof x === 'object' && !Array.isArray(x));
    return v === undefined ? undefined : new JsonInput(v);
  }
  stringMap(name: string): Record<string, string> | undefined {
    const v = this.typed<Record<string, unknown>>(name, 'a map of strings', (x) => typeof x === 'object' && !Array.isArray(x) && Object.values(x as object).every((s) => typeof s === 'string'));
    if (v === undefined) return undefined;
    const out: Record<string, string> = {};
    for (const [k, s] of Object.entries(v)) setEntry(out, k, s as string);
    return out;
  }
}

/** An integer query parameter within [min, max] (absent = undefined). */
export function queryInt(query: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max)) throw invalidRequest(`1 validation error detected: Value '${text}' at '${name}' failed to satisfy constraint: Member must have value between ${min} and ${max}`);
  return n;
}

export const queryBool = (query: URLSearchParams, name: string): boolean => query.get(name) === 'true';

/**
 * One page of `items` (already in result order) after the opaque `token`; the token of the next
 * page names the last key returned.
 */
export function page<T>(items: readonly T[], key: (item: T) => string, token: string | null, size: number): { items: T[]; next?: string } {
  let start = 0;
  if (token !== null && token !== '') {
    let after: unknown;
    try {
      after = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown }).after;
    } catch {
      after = undefined;
    }
    if (typeof after !== 'string') throw invalidRequest('The pagination token is invalid: pass back the nextToken/nextMarker of the previous page unchanged');
    const i = items.findIndex((x) => key(x) === after);
    start = i >= 0 ? i + 1 : items.findIndex((x) => key(x) > after);
    if (start < 0) start = items.length;
  }
  const slice = items.slice(start, start + size);
  const more = start + size < items.length;
  return more ? { items: slice, next: Buffer.from(JSON.stringify({ after: key(slice[slice.length - 1]!) })).toString('base64url') } : { items: slice };
}

// ---------------------------------------------------------------------------------------------
// Operations: each answers one REST-JSON route of the control plane.

export interface IotCall {
  readonly accountId: string;
  readonly region: string;
  readonly state: IotState;
  /** Epoch milliseconds of the request. */
  readonly now: number;
  readonly input: JsonInput;
  readonly query: URLSearchParams;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The route's path labels, percent-decoded. */
  readonly labels: readonly string[];
}

export interface IotRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Matched against the raw (percent-encoded) path; each group is one label. */
  readonly path: RegExp;
  readonly operation: string;
  /** The JSON output (undefined = an empty 200). */
  readonly run: (call: IotCall) => unknown;
  /** The operation may change state (the store is told after it succeeds). */
  readonly mutates?: boolean;
}

/** The thing, or ResourceNotFoundException. */
export function requireThing(call: IotCall, thingName: string): ThingRecord {
  const thing = entry(call.state.things, thingName);
  if (!thing) throw notFound(`Thing ${thingName} cannot be found.`);
  return thing;
}
