// Reading IAM query parameters with IAM's validation errors, and Marker/MaxItems pagination.
import { AwsError } from '../types.js';
import type { IamTag } from './iam-state.js';

export const NAME_PATTERN = /^[\w+=,.@-]+$/;
const PATH_PATTERN = /^(\/|\/[\x21-\x7e]+\/)$/;

export function validationError(field: string, value: string | null, constraint: string): AwsError {
  const shown = value === null ? 'null' : `'${value}'`;
  return new AwsError('ValidationError', `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`);
}

/** A name-like parameter (UserName, PolicyName…): required, 1..max characters of [\w+=,.@-]. */
export function requireName(params: URLSearchParams, param: string, max: number): string {
  const field = param[0]!.toLowerCase() + param.slice(1);
  const value = params.get(param);
  if (value === null || value === '') throw validationError(field, value === '' ? '' : null, value === '' ? 'Member must have length greater than or equal to 1' : 'Member must not be null');
  if (value.length > max) throw validationError(field, value, `Member must have length less than or equal to ${max}`);
  if (!NAME_PATTERN.test(value)) throw validationError(field, value, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
  return value;
}

export function optionalName(params: URLSearchParams, param: string, max: number): string | undefined {
  return params.get(param) === null ? undefined : requireName(params, param, max);
}

export function optionalPath(params: URLSearchParams, param: 'Path' | 'PathPrefix'): string {
  const value = params.get(param);
  if (value === null) return '/';
  const field = param === 'Path' ? 'path' : 'pathPrefix';
  if (value.length > 512) throw validationError(field, value, 'Member must have length less than or equal to 512');
  if (param === 'Path' ? !PATH_PATTERN.test(value) : !/^\/[\x21-\x7e]*$/.test(value)) {
    throw validationError(field, value, `Member must satisfy regular expression pattern: ${param === 'Path' ? '(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)' : '\\u002F[\\u0021-\\u007F]*'}`);
  }
  return value;
}

/** `Name.member.1`, `Name.member.2`, … in order. */
export function memberStrings(params: URLSearchParams, name: string): string[] {
  const out: string[] = [];
  for (let i = 1; params.has(`${name}.member.${i}`); i++) out.push(params.get(`${name}.member.${i}`) ?? '');
  return out;
}

const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;

/** `Tags.member.N.Key` / `.Value`, validated as IAM does (key 1..128, value 0..256). */
export function tagsParam(params: URLSearchParams): IamTag[] {
  const tags: IamTag[] = [];
  for (let i = 1; params.has(`Tags.member.${i}.Key`) || params.has(`Tags.member.${i}.Value`); i++) {
    const key = params.get(`Tags.member.${i}.Key`);
    const value = params.get(`Tags.member.${i}.Value`);
    if (key === null) throw validationError(`tags.${i}.member.key`, null, 'Member must not be null');
    if (value === null) throw validationError(`tags.${i}.member.value`, null, 'Member must not be null');
    if (key.length < 1 || key.length > 128 || !TAG_KEY.test(key)) throw validationError(`tags.${i}.member.key`, key, 'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+');
    if (value.length > 256) throw validationError(`tags.${i}.member.value`, value, 'Member must have length less than or equal to 256');
    tags.push({ Key: key, Value: value });
  }
  if (new Set(tags.map((t) => t.Key.toLowerCase())).size !== tags.length) throw new AwsError('InvalidInput', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
  return tags;
}

/** Adds/replaces tags (keys case-insensitive) and enforces IAM's 50 tags per resource. */
export function mergeTags(existing: readonly IamTag[], added: readonly IamTag[]): IamTag[] {
  const byKey = new Map(existing.map((t) => [t.Key.toLowerCase(), t] as const));
  for (const t of added) byKey.set(t.Key.toLowerCase(), t);
  if (byKey.size > 50) throw new AwsError('LimitExceeded', 'The number of tags has reached the maximum limit.', 409);
  return [...byKey.values()];
}

export interface IamPage<T> {
  readonly items: T[];
  /** Set when truncated: pass as Marker for the next page. */
  readonly marker?: string;
}

/** Marker/MaxItems pagination (MaxItems 1..1000, default 100) over an already sorted list. */
export function paginateIam<T>(all: readonly T[], params: URLSearchParams): IamPage<T> {
  const maxText = params.get('MaxItems');
  const max = maxText === null ? 100 : Number(maxText);
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    throw validationError('maxItems', maxText, max < 1 ? 'Member must have value greater than or equal to 1' : 'Member must have value less than or equal to 1000');
  }
  const marker = params.get('Marker');
  let start = 0;
  if (marker !== null) {
    const m = /^o:(\d{1,9})$/.exec(Buffer.from(marker, 'base64url').toString('utf8'));
    start = m ? Number(m[1]) : Number.NaN;
    if (!Number.isInteger(start) || start < 0 || start > all.length) throw new AwsError('ValidationError', 'Invalid Marker.');
  }
  const end = start + max;
  const items = all.slice(start, end);
  return end < all.length ? { items, marker: Buffer.from(`o:${end}`).toString('base64url') } : { items };
}
