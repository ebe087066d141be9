// Sniff an archive's real format from its first bytes, so a bundle whose declared type is wrong
// (a .tgz registered as tar, a GitHub zipball registered as tar...) still unpacks, and formats we do
// not support fail with a clear message instead of an obscure parser error.
import fs from 'node:fs/promises';

export type SniffedFormat = 'gzip' | 'zip' | 'tar' | 'bzip2' | 'xz' | 'zstd' | 'unknown';

const SNIFF_BYTES = 512;

export function sniffFormat(head: Buffer): SniffedFormat {
  const starts = (...bytes: number[]): boolean => bytes.every((b, i) => head[i] === b);
  if (starts(0x1f, 0x8b)) return 'gzip';
  // Local file header, empty archive (end of central directory), spanned archive marker.
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06) || starts(0x50, 0x4b, 0x07, 0x08)) return 'zip';
  if (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
  if (starts(0x42, 0x5a, 0x68)) return 'bzip2';
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  return 'unknown';
}

/** Read the first bytes of a file and sniff them. */
export async function sniffFile(file: string): Promise<SniffedFormat> {
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return sniffFormat(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}
