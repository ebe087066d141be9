// KMS cryptographic operations: Encrypt, Decrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext.
// Each checks the caller's permission on the key (key policy, grants) and that the key is enabled.
import { randomBytes } from 'node:crypto';
import { AwsError } from '../types.js';
import { blobKeyArn, open, seal } from './kms-crypto.js';
import { authorizeKey, keyByArn, requireEnabled, resolveKey } from './kms-keys.js';
import type { KmsCall } from './kms-call.js';
import { blobParam, contextParam, optionalString, requiredString } from './kms-call.js';

const MAX_PLAINTEXT = 4096;

export function encrypt(call: KmsCall): Record<string, unknown> {
  const key = resolveKey(call.store, call.caller.accountId, call.region, requiredString(call.input, 'KeyId', 1, 2048));
  const plaintext = blobParam(call.input, 'Plaintext');
  if (plaintext.length < 1 || plaintext.length > MAX_PLAINTEXT) {
    throw new AwsError('ValidationException', `1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and ${MAX_PLAINTEXT}`);
  }
  checkAlgorithm(call.input);
  authorizeKey(call.store, key, call.caller, 'Encrypt', call.context);
  requireEnabled(key);
  const blob = seal(Buffer.from(key.material, 'base64'), key.arn, plaintext, contextParam(call.input));
  return { CiphertextBlob: blob.toString('base64'), KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
}

function checkAlgorithm(input: Record<string, unknown>): void {
  const algorithm = optionalString(input, 'EncryptionAlgorithm');
  if (algorithm !== undefined && algorithm !== 'SYMMETRIC_DEFAULT') {
    throw new AwsError('InvalidKeyUsageException', `The encryption algorithm ${algorithm} is not supported by a SYMMETRIC_DEFAULT key.`);
  }
}

export function decrypt(call: KmsCall): Record<string, unknown> {
  const blob = blobParam(call.input, 'CiphertextBlob');
  const arn = blobKeyArn(blob);
  const key = keyByArn(call.store, arn);
  if (!key) throw new AwsError('InvalidCiphertextException', '');
  const named = optionalString(call.input, 'KeyId');
  if (named !== undefined) {
    const wanted = resolveKey(call.store, call.caller.accountId, call.region, named);
    if (wanted.arn !== key.arn) throw new AwsError('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
  }
  checkAlgorithm(call.input);
  authorizeKey(call.store, key, call.caller, 'Decrypt', call.context);
  requireEnabled(key);
  const plaintext = open(Buffer.from(key.material, 'base64'), blob, contextParam(call.input));
  return { KeyId: key.arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
}

function dataKeySize(input: Record<string, unknown>): number {
  const spec = optionalString(input, 'KeySpec');
  const bytes = input['NumberOfBytes'];
  if (spec !== undefined && bytes !== undefined) throw new AwsError('ValidationException', 'Please specify either number of bytes or key spec.');
  if (spec === 'AES_256') return 32;
  if (spec === 'AES_128') return 16;
  if (spec !== undefined) {
    throw new AwsError('ValidationException', `1 validation error detected: Value '${spec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]`);
  }
  if (bytes === undefined) throw new AwsError('ValidationException', 'Please specify either number of bytes or key spec.');
  if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < 1 || bytes > 1024) {
    throw new AwsError('ValidationException', `1 validation error detected: Value '${String(bytes)}' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024`);
  }
  return bytes;
}

export function generateDataKey(call: KmsCall, withPlaintext: boolean): Record<string, unknown> {
  const key = resolveKey(call.store, call.caller.accountId, call.region, requiredString(call.input, 'KeyId', 1, 2048));
  const size = dataKeySize(call.input);
  authorizeKey(call.store, key, call.caller, withPlaintext ? 'GenerateDataKey' : 'GenerateDataKeyWithoutPlaintext', call.context);
  requireEnabled(key);
  const plaintext = randomBytes(size);
  const blob = seal(Buffer.from(key.material, 'base64'), key.arn, plaintext, contextParam(call.input));
  return { CiphertextBlob: blob.toString('base64'), KeyId: key.arn, ...(withPlaintext ? { Plaintext: plaintext.toString('base64') } : {}) };
}
