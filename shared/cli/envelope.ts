// The one JSON envelope of every `--json` document both programs print: the result's fields under
// a `schema` naming program, command and version (`fleetctl.register/v1`, `edge-agent.health/v1`),
// or, when the command failed, `error` with the code, message, what to do and the exit code.
import { describeError, exitCodeOf, isEdgeError, toEdgeError, type EdgeError } from '../errors.js';
import type { ExitCodeValue } from './exit-codes.js';

export type Program = 'edge-agent' | 'fleetctl';

export const schemaName = (program: Program, command: string, version: number): string => `${program}.${command}/v${version}`;

export type Envelope<T extends object> = { readonly schema: string } & Omit<T, 'schema'>;

/** `{ schema, ...data }`; a `schema` or `schemaVersion` the data carries itself is replaced. */
export function envelope<T extends object>(program: Program, command: string, version: number, data: T): Envelope<T> {
  const { schema: _s, schemaVersion: _v, ...rest } = data as T & { schema?: unknown; schemaVersion?: unknown };
  return { schema: schemaName(program, command, version), ...rest } as Envelope<T>;
}

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly action: string;
  readonly exit: ExitCodeValue;
  readonly details?: Record<string, unknown>;
}

export function errorBody(e: unknown): ErrorBody {
  const err: EdgeError = toEdgeError(e);
  const details = isEdgeError(e) && Object.keys(err.details).length > 0 ? { details: err.details } : {};
  return { code: err.code, message: err.message, action: err.action, exit: exitCodeOf(err.code), ...details };
}

export function errorEnvelope(program: Program, command: string, version: number, e: unknown): { schema: string; error: ErrorBody } {
  return { schema: schemaName(program, command, version), error: errorBody(e) };
}

/** The line for people on stderr. */
export const errorLine = (e: unknown): string => `ERROR: ${describeError(toEdgeError(e))}`;

export const jsonText = (doc: unknown): string => `${JSON.stringify(doc, null, 2)}\n`;
