// aws-chunked request bodies (SigV4 streaming uploads): `<hex-size>[;chunk-signature=…]\r\n<data>\r\n`
// repeated, a zero-size chunk, then optional trailer lines (`x-amz-checksum-crc32:…`) and `\r\n`.
// Chunk signatures are not re-verified here (the seed signature is checked by the core).
import { AwsError } from '../types.js';

export interface DecodedChunkedBody {
  readonly data: Buffer;
  /** Trailer headers, lower-cased names (x-amz-trailer-signature excluded). */
  readonly trailers: Record<string, string>;
}

/** S3 refuses streaming chunks (other than the last) below this size. */
export const MIN_CHUNK_SIZE = 8192;

const CRLF = Buffer.from('\r\n');
const incomplete = (): AwsError => new AwsError('IncompleteBody', 'The request body terminated unexpectedly');

/** Whether a request announces an aws-chunked body. */
export function isAwsChunked(headers: Readonly<Record<string, string>>): boolean {
  const sha = headers['x-amz-content-sha256'] ?? '';
  const encoding = headers['content-encoding'] ?? '';
  return sha.startsWith('STREAMING-') || encoding.split(',').some((e) => e.trim() === 'aws-chunked');
}

export function decodeAwsChunked(body: Buffer): DecodedChunkedBody {
  const parts: Buffer[] = [];
  let pos = 0;
  let index = 0;
  let previousSize = -1;
  for (;;) {
    const lineEnd = body.indexOf(CRLF, pos);
    if (lineEnd < 0) throw incomplete();
    const header = body.subarray(pos, lineEnd).toString('latin1');
    const sizeText = header.split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw incomplete();
    const size = parseInt(sizeText, 16);
    index++;
    if (previousSize >= 0 && previousSize < MIN_CHUNK_SIZE && size > 0) {
      throw new AwsError('InvalidChunkSizeError', `Only the last chunk is allowed to have a size less than ${MIN_CHUNK_SIZE} bytes`, 403, {
        Chunk: String(index - 1),
        BadChunkSize: String(previousSize),
      });
    }
    pos = lineEnd + 2;
    if (size === 0) break;
    if (pos + size > body.length) throw incomplete();
    parts.push(body.subarray(pos, pos + size));
    pos += size;
    if (!body.subarray(pos, pos + 2).equals(CRLF)) throw incomplete();
    pos += 2;
    previousSize = size;
  }
  const trailers: Record<string, string> = {};
  while (pos < body.length) {
    let lineEnd = body.indexOf(CRLF, pos);
    if (lineEnd < 0) lineEnd = body.length;
    const line = body.subarray(pos, lineEnd).toString('latin1');
    pos = lineEnd + 2;
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon <= 0) throw incomplete();
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name !== 'x-amz-trailer-signature') trailers[name] = line.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(parts), trailers };
}
