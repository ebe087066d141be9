// CloudFormation names a missing stack with a 400 ValidationError ("Stack with id X does not exist",
// "Stack [X] does not exist"), not a NotFound error: after the common mapping (sdk-errors.ts) this
// turns it into AWS_NOT_FOUND, so callers test one code. Shared by the SDK adapter and the fake.
import { EdgeError, isEdgeError } from '../../shared/errors.js';

const MISSING_STACK = /^Stack(?: with id)? \[?[^\]\s]+\]? does not exist/;

/** The message as AWS wrote it (after "<service> <operation> failed: <name>: "). */
const awsMessage = (e: EdgeError): string => e.message.replace(/^\S+ \S+ failed: \S+: /, '');

export function cfnFailure(e: unknown): unknown {
  if (!isEdgeError(e, 'AWS_REQUEST_INVALID') || e.details['awsName'] !== 'ValidationError') return e;
  if (!MISSING_STACK.test(awsMessage(e))) return e;
  return new EdgeError('AWS_NOT_FOUND', e.message, { cause: e.cause, details: e.details });
}
