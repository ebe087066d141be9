// Request-field helpers: the exceptions CodeDeploy raises for missing or malformed input, and
// nextToken pagination.
import { AwsError } from '../types.js';

export type Input = Readonly<Record<string, unknown>>;

/** A required string field; absent/empty → `requiredCode`, over `maxLength` → `invalidCode`. */
export function requireString(input: Input, field: string, requiredCode: string, invalidCode?: string, maxLength = 100): string {
  const value = input[field];
  if (value === undefined || value === null || value === '') throw new AwsError(requiredCode, `${field} is required.`);
  if (typeof value !== 'string') throw new AwsError(invalidCode ?? 'InvalidInputException', `${field} must be a string.`);
  if (invalidCode && value.length > maxLength) throw new AwsError(invalidCode, `The ${field} was specified in an invalid format.`);
  return value;
}

export function optionalString(input: Input, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsError('InvalidInputException', `${field} must be a string.`);
  return value;
}

export function optionalBoolean(input: Input, field: string): boolean | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new AwsError('InvalidInputException', `${field} must be a boolean.`);
  return value;
}

export function optionalArray<T = unknown>(input: Input, field: string): T[] | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new AwsError('InvalidInputException', `${field} must be a list.`);
  return value as T[];
}

export function optionalObject<T extends object>(input: Input, field: string): T | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new AwsError('InvalidInputException', `${field} must be a structure.`);
  return value as T;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

/** Slices `all` from the position `nextToken` encodes; throws InvalidNextTokenException on junk. */
export function paginate<T>(all: readonly T[], nextToken: string | undefined, pageSize: number, scope: string): Page<T> {
  let start = 0;
  if (nextToken !== undefined) {
    const decoded = decodeToken(nextToken);
    if (!decoded || decoded.scope !== scope || decoded.offset > all.length) {
      throw new AwsError('InvalidNextTokenException', 'The next token was specified in an invalid format.');
    }
    start = decoded.offset;
  }
  const end = start + pageSize;
  const items = all.slice(start, end);
  return end < all.length ? { items, nextToken: encodeToken(scope, end) } : { items };
}

function encodeToken(scope: string, offset: number): string {
  return Buffer.from(JSON.stringify({ s: scope, o: offset })).toString('base64url');
}

function decodeToken(token: string): { scope: string; offset: number } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: unknown; o?: unknown };
    if (typeof parsed.s !== 'string' || typeof parsed.o !== 'number' || !Number.isInteger(parsed.o) || parsed.o < 0) return undefined;
    return { scope: parsed.s, offset: parsed.o };
  } catch {
    return undefined;
  }
}
