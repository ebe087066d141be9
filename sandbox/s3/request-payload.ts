// The payload of an S3 write: aws-chunked framing removed (unless the core already did it),
// trailer checksums merged with header checksums, Content-MD5 and x-amz-checksum-* verified.
import { createHash } from 'node:crypto';
import type { SandboxRequest } from '../types.js';
import { AwsError } from '../types.js';
import { decodeAwsChunked, isAwsChunked } from './aws-chunked.js';
import type { ChecksumAlgorithm } from './checksums.js';
import { claimedChecksum, verifyChecksum, verifyContentMd5 } from './checksums.js';

export interface RequestPayload {
  readonly data: Buffer;
  readonly md5: Buffer;
  /** The verified x-amz-checksum-* the client sent, if any. */
  readonly checksum?: { readonly algorithm: ChecksumAlgorithm; readonly value: string };
  /** Request headers with aws-chunked trailers merged in and aws-chunked dropped from content-encoding. */
  readonly headers: Readonly<Record<string, string>>;
}

export function readPayload(req: SandboxRequest): RequestPayload {
  let data = req.body;
  const headers: Record<string, string> = { ...req.headers };
  if (isAwsChunked(req.headers)) {
    const declared = req.headers['x-amz-decoded-content-length'];
    const expected = declared === undefined ? undefined : Number(declared);
    if (expected === undefined || data.length !== expected) {
      const decoded = decodeAwsChunked(data);
      data = decoded.data;
      Object.assign(headers, decoded.trailers);
    }
    if (expected !== undefined && data.length !== expected) throw new AwsError('IncompleteBody', 'You did not provide the number of bytes specified by the x-amz-decoded-content-length HTTP header');
    const encoding = (headers['content-encoding'] ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '' && e !== 'aws-chunked');
    if (encoding.length > 0) headers['content-encoding'] = encoding.join(',');
    else delete headers['content-encoding'];
  }
  const md5 = createHash('md5').update(data).digest();
  verifyContentMd5(headers['content-md5'], md5);
  const claim = claimedChecksum(headers);
  if (claim === undefined) return { data, md5, headers };
  return { data, md5, headers, checksum: { algorithm: claim.algorithm, value: verifyChecksum(claim, data) } };
}
