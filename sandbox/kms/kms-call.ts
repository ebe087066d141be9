// What a KMS operation receives (the parsed JSON input, the caller, the store) and input readers
// that answer with KMS's ValidationException shape.
import type { Clock, SandboxStore } from '../types.js';
import { AwsError } from '../types.js';
import type { Caller } from './kms-keys.js';

export interface KmsCall {
  readonly store: SandboxStore;
  readonly clock: Clock;
  readonly caller: Caller;
  readonly region: string;
  readonly input: Record<string, unknown>;
  /** Extra condition keys for the key policy (kms:ViaService when S3 calls on a caller's behalf). */
  readonly context: Record<string, string>;
}

const lower = (name: string): string => name[0]!.toLowerCase() + name.slice(1);

export function validation(member: string, constraint: string, value?: unknown): AwsError {
  const shown = value === undefined || value === null ? 'null' : `'${String(value)}'`;
  return new AwsError('ValidationException', `1 validation error detected: Value ${shown} at '${lower(member)}' failed to satisfy constraint: ${constraint}`);
}

export function optionalString(input: Record<string, unknown>, name: string): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new AwsError('SerializationException', `${name}: expected a string`);
  return v;
}

export function requiredString(input: Record<string, unknown>, name: string, min = 1, max = 2048): string {
  const v = optionalString(input, name);
  if (v === undefined) throw validation(name, 'Member must not be null');
  if (v.length < min) throw validation(name, `Member must have length greater than or equal to ${min}`, v);
  if (v.length > max) throw validation(name, `Member must have length less than or equal to ${max}`, v);
  return v;
}

/** A blob member (base64 in JSON 1.1). */
export function blobParam(input: Record<string, unknown>, name: string): Buffer {
  const v = optionalString(input, name);
  if (v === undefined) throw validation(name, 'Member must not be null');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new AwsError('SerializationException', `${name}: not base64`);
  return Buffer.from(v, 'base64');
}

export function contextParam(input: Record<string, unknown>): Record<string, string> | undefined {
  const v = input['EncryptionContext'];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw new AwsError('SerializationException', 'EncryptionContext: expected a map of strings');
  }
  return v as Record<string, string>;
}

/** Limit/Marker paging over a sorted list (Marker is the next index, as text). */
export function page<T>(input: Record<string, unknown>, all: readonly T[]): { items: T[]; truncated: boolean; nextMarker?: string } {
  const limit = input['Limit'] ?? 100;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1000) throw validation('Limit', 'Member must have value between 1 and 1000', limit);
  const marker = optionalString(input, 'Marker');
  const start = marker === undefined ? 0 : Number(marker);
  if (!Number.isInteger(start) || start < 0 || start > all.length) throw new AwsError('InvalidMarkerException', 'Invalid marker');
  const items = all.slice(start, start + limit);
  const truncated = start + items.length < all.length;
  return { items, truncated, ...(truncated ? { nextMarker: String(start + items.length) } : {}) };
}
