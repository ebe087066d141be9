// Decoding and model-constraint validation of Commands API requests (AWS JSON 1.1). Type mismatches
// are SerializationException and constraint violations ValidationException, worded as the AWS
// frameworks word them; semantic problems are left to the operations.
import { AwsError } from '../types.js';
import { COMMAND_STATUSES, ERRORS, LIMITS, OPERATIONS, SECURE_TARGET_PREFIX, TARGET_PREFIX, type CommandStatus, type Envelope, type Operation } from './shapes.js';

export type Body = Readonly<Record<string, unknown>>;

export function parseTarget(target: string | undefined): Operation {
  const dot = target?.lastIndexOf('.') ?? -1;
  const prefix = target?.slice(0, dot);
  const op = target?.slice(dot + 1);
  if (dot < 0 || (prefix !== TARGET_PREFIX && prefix !== SECURE_TARGET_PREFIX) || !(OPERATIONS as readonly string[]).includes(op ?? '')) {
    throw new AwsError(ERRORS.unknownOperation, `Unknown operation ${target ?? '(no X-Amz-Target)'}`);
  }
  return op as Operation;
}

export function parseBody(body: Buffer): Body {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsError(ERRORS.serialization, 'Request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AwsError(ERRORS.serialization, 'Request body must be a JSON object');
  return value as Body;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function violation(member: string, value: unknown, constraint: string): AwsError {
  const shown = value === undefined || value === null ? 'null' : `'${String(value)}'`;
  return new AwsError(ERRORS.validation, `1 validation error detected: Value ${shown} at '${lowerFirst(member)}' failed to satisfy constraint: ${constraint}`);
}

function typeError(member: string, expected: string): AwsError {
  return new AwsError(ERRORS.serialization, `Expected ${expected} for member ${member}`);
}

export function optionalString(body: Body, member: string): string | undefined {
  const v = body[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw typeError(member, 'a string');
  return v;
}

export function requiredString(body: Body, member: string): string {
  const v = optionalString(body, member);
  if (v === undefined) throw violation(member, v, 'Member must not be null');
  return v;
}

export function deploymentExecutionId(body: Body): string {
  const member = 'DeploymentExecutionId';
  const v = requiredString(body, member);
  if (v.length < LIMITS.executionIdMin || v.length > LIMITS.executionIdMax) {
    throw violation(member, v, `Member must have length between ${LIMITS.executionIdMin} and ${LIMITS.executionIdMax}`);
  }
  if (!LIMITS.executionIdPattern.test(v)) throw violation(member, v, `Member must satisfy regular expression pattern: ${LIMITS.executionIdPatternText}`);
  return v;
}

export function commandStatus(body: Body): CommandStatus {
  const member = 'CommandStatus';
  const v = requiredString(body, member);
  if (!(COMMAND_STATUSES as readonly string[]).includes(v)) throw violation(member, v, `Member must satisfy enum value set: [${COMMAND_STATUSES.join(', ')}]`);
  return v as CommandStatus;
}

export function envelope(body: Body, member: string): Envelope | undefined {
  const v = body[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw typeError(member, 'a structure');
  const inner = v as Body;
  const format = optionalString(inner, 'Format');
  const payload = optionalString(inner, 'Payload');
  if (format !== undefined && (format.length < LIMITS.formatMin || format.length > LIMITS.formatMax)) {
    throw violation(`${member}.format`, format, `Member must have length between ${LIMITS.formatMin} and ${LIMITS.formatMax}`);
  }
  if (payload !== undefined && payload.length > LIMITS.payloadMax) {
    throw violation(`${member}.payload`, `${payload.slice(0, 32)}…`, `Member must have length less than or equal to ${LIMITS.payloadMax}`);
  }
  return { ...(format !== undefined ? { Format: format } : {}), ...(payload !== undefined ? { Payload: payload } : {}) };
}

/** A JSON 1.1 timestamp: epoch seconds (the protocol's encoding) or ISO-8601 (the v2 agent's). */
export function timestamp(body: Body, member: string): Date | undefined {
  const v = body[member];
  if (v === undefined || v === null) return undefined;
  const date = typeof v === 'number' ? new Date(v * 1000) : typeof v === 'string' ? new Date(v) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw typeError(member, 'a timestamp');
  return date;
}
