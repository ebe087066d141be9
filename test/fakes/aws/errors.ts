// Failures of the fakes, shaped as the SDK throws them and mapped by the real adapter's mapping, so a
// fake fails with exactly the EdgeError (code, retryable, throttled, details) the SDK adapter makes.
import type { EdgeError } from '../../../shared/errors.js';
import { toAwsEdgeError } from '../../../controller/aws/sdk-errors.js';

let requestCounter = 0;

/** An SDK-shaped service exception (name, $fault, $metadata), as @aws-sdk clients throw. */
export function sdkShapedError(name: string, status: number, message: string): Error {
  requestCounter++;
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: `fake-${requestCounter.toString(16).padStart(8, '0')}`, attempts: 1, totalRetryDelay: 0 },
  });
}

/** The EdgeError a fake throws for `service.operation` failing with AWS error `name`. */
export function awsFailure(service: string, operation: string, name: string, status: number, message: string): EdgeError {
  return toAwsEdgeError(sdkShapedError(name, status, message), { service, operation });
}

/** A thrower bound to one service: fail('GetUser', 'NoSuchEntity', 404, 'The user with name x cannot be found.'). */
export const failer =
  (service: string) =>
  (operation: string, name: string, status: number, message: string): never => {
    throw awsFailure(service, operation, name, status, message);
  };
