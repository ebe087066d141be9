// S3 flexible checksums (x-amz-checksum-<alg>) and the Content-MD5 check: which algorithms the
// sandbox computes, how a request's claimed checksums are verified, and composite checksums.
import { createHash } from 'node:crypto';
import { AwsError } from '../types.js';
import { crc32, crc32c, crc64nvme } from './crc.js';

export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256', 'SHA512', 'MD5'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];
export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

/** Algorithms S3 knows but the sandbox cannot compute; requests using them are refused. */
const UNVERIFIABLE = ['XXHASH64', 'XXHASH3', 'XXHASH128'];

export interface StoredChecksum {
  readonly algorithm: ChecksumAlgorithm;
  /** base64; composite values end in -<parts>. */
  readonly value: string;
  readonly type: ChecksumType;
}

const hash = (name: string) => (data: Uint8Array): Buffer => createHash(name).update(data).digest();

const DIGESTS: Record<ChecksumAlgorithm, (data: Uint8Array) => Buffer> = {
  CRC32: crc32,
  CRC32C: crc32c,
  CRC64NVME: crc64nvme,
  SHA1: hash('sha1'),
  SHA256: hash('sha256'),
  SHA512: hash('sha512'),
  MD5: hash('md5'),
};

export const rawChecksum = (algorithm: ChecksumAlgorithm, data: Uint8Array): Buffer => DIGESTS[algorithm](data);
export const checksumOf = (algorithm: ChecksumAlgorithm, data: Uint8Array): string => rawChecksum(algorithm, data).toString('base64');
export const checksumHeader = (algorithm: string): string => `x-amz-checksum-${algorithm.toLowerCase()}`;
/** The XML element / SDK member name, e.g. ChecksumCRC32. */
export const checksumMember = (algorithm: ChecksumAlgorithm): string => `Checksum${algorithm}`;

export function parseChecksumAlgorithm(value: string | undefined, what: string): ChecksumAlgorithm | undefined {
  if (value === undefined || value === '') return undefined;
  const upper = value.toUpperCase();
  if ((CHECKSUM_ALGORITHMS as readonly string[]).includes(upper)) return upper as ChecksumAlgorithm;
  if (UNVERIFIABLE.includes(upper)) throw new AwsError('NotImplemented', `The sandbox cannot compute ${upper} checksums; use CRC32, CRC32C, CRC64NVME, SHA1, SHA256, SHA512 or MD5`, 501);
  throw new AwsError('InvalidRequest', `Value for ${what} is invalid.`);
}

/** The one x-amz-checksum-<alg> value a request carries (header or aws-chunked trailer). */
export function claimedChecksum(headers: Readonly<Record<string, string>>): { algorithm: ChecksumAlgorithm; value: string } | undefined {
  const names = Object.keys(headers).filter((h) => h.startsWith('x-amz-checksum-') && h !== 'x-amz-checksum-algorithm' && h !== 'x-amz-checksum-type' && h !== 'x-amz-checksum-mode');
  if (names.length === 0) return undefined;
  if (names.length > 1) throw new AwsError('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  const name = names[0]!;
  const algorithm = parseChecksumAlgorithm(name.slice('x-amz-checksum-'.length), `${name} header`);
  if (algorithm === undefined) throw new AwsError('InvalidRequest', `Value for ${name} header is invalid.`);
  return { algorithm, value: headers[name]! };
}

const isBase64Of = (value: string, bytes: number): boolean =>
  /^[A-Za-z0-9+/]*={0,2}$/.test(value) && Buffer.from(value, 'base64').length === bytes && value.length % 4 === 0;

/** Verifies a claimed checksum against the data; returns the (canonical) base64 value. */
export function verifyChecksum(claim: { algorithm: ChecksumAlgorithm; value: string }, data: Uint8Array): string {
  const actual = rawChecksum(claim.algorithm, data);
  if (!isBase64Of(claim.value, actual.length)) throw new AwsError('InvalidRequest', `Value for ${checksumHeader(claim.algorithm)} header is invalid.`);
  if (!Buffer.from(claim.value, 'base64').equals(actual)) {
    throw new AwsError('BadDigest', `The ${claim.algorithm} you specified did not match the calculated checksum.`);
  }
  return actual.toString('base64');
}

/** Content-MD5: InvalidDigest when malformed, BadDigest when it does not match. */
export function verifyContentMd5(value: string | undefined, md5: Buffer): void {
  if (value === undefined) return;
  if (!isBase64Of(value.trim(), 16)) throw new AwsError('InvalidDigest', 'The Content-MD5 you specified was invalid.');
  if (!Buffer.from(value.trim(), 'base64').equals(md5)) throw new AwsError('BadDigest', 'The Content-MD5 you specified did not match what we received.');
}

/** checksum-of-checksums, as S3 computes COMPOSITE multipart checksums: base64(alg(raw parts))-N. */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: readonly string[]): string {
  const joined = Buffer.concat(partChecksums.map((c) => Buffer.from(c, 'base64')));
  return `${checksumOf(algorithm, joined)}-${partChecksums.length}`;
}

/** Only CRCs can be combined into a full-object checksum; CRC64NVME can only be that. */
export function resolveChecksumType(algorithm: ChecksumAlgorithm, requested: string | undefined): ChecksumType {
  if (requested !== undefined && requested !== 'FULL_OBJECT' && requested !== 'COMPOSITE') {
    throw new AwsError('InvalidRequest', 'Value for x-amz-checksum-type header is invalid.');
  }
  const crc = algorithm === 'CRC32' || algorithm === 'CRC32C' || algorithm === 'CRC64NVME';
  const type = requested ?? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
  if (type === 'FULL_OBJECT' && !crc) throw new AwsError('InvalidRequest', `The FULL_OBJECT checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`);
  if (type === 'COMPOSITE' && algorithm === 'CRC64NVME') throw new AwsError('InvalidRequest', 'The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.');
  return type;
}
