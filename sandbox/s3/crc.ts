// Table-driven CRCs for S3's flexible checksums: CRC32 (zlib), CRC32C (Castagnoli) and
// CRC64NVME, each returned as the big-endian bytes S3 base64-encodes into x-amz-checksum-*.

function crc32Table(poly: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
}

// Reflected polynomials.
const CRC32_TABLE = crc32Table(0xedb88320);
const CRC32C_TABLE = crc32Table(0x82f63b78);

function crc32With(table: Uint32Array, data: Uint8Array): Buffer {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = (table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)) >>> 0;
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out;
}

export const crc32 = (data: Uint8Array): Buffer => crc32With(CRC32_TABLE, data);
export const crc32c = (data: Uint8Array): Buffer => crc32With(CRC32C_TABLE, data);

// CRC64/NVME: reflected polynomial 0x9a6c9329ac4bc9b5, init and xorout all ones. The 64-bit
// register is kept as two 32-bit halves so the loop stays in plain number arithmetic.
const CRC64_HI = new Uint32Array(256);
const CRC64_LO = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let crc = BigInt(i);
  for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ 0x9a6c9329ac4bc9b5n : crc >> 1n;
  CRC64_HI[i] = Number(crc >> 32n);
  CRC64_LO[i] = Number(crc & 0xffffffffn);
}

export function crc64nvme(data: Uint8Array): Buffer {
  let hi = 0xffffffff;
  let lo = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    const idx = (lo ^ data[i]!) & 0xff;
    lo = ((lo >>> 8) | ((hi & 0xff) << 24)) ^ CRC64_LO[idx]!;
    hi = (hi >>> 8) ^ CRC64_HI[idx]!;
  }
  const out = Buffer.alloc(8);
  out.writeUInt32BE((hi ^ 0xffffffff) >>> 0, 0);
  out.writeUInt32BE((lo ^ 0xffffffff) >>> 0, 4);
  return out;
}
