// A minimal DER reader: enough of ASN.1 to walk CMS/PKCS#7 SignedData and X.509 certificates while
// keeping the exact encoded bytes of every element (signatures are over those bytes, so
// re-encoding, as general ASN.1 libraries do, must be avoided). Definite lengths only.

export interface Tlv {
  /** The identifier octet (class, constructed bit and tag number < 31). */
  readonly tag: number;
  readonly constructed: boolean;
  /** Offsets into `buf`: the element starts at `start`, its contents at `contentStart`, it ends at `end`. */
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
  readonly buf: Buffer;
}

export const TAG = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  OID: 0x06,
  SEQUENCE: 0x30,
  SET: 0x31,
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
  CONTEXT_0_PRIMITIVE: 0x80,
} as const;

export class DerError extends Error {
  override readonly name = 'DerError';
}

export function readTlv(buf: Buffer, offset = 0, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError(`truncated element at offset ${offset}`);
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-byte tag at offset ${offset} is not supported`);
  let pos = offset + 1;
  const first = buf[pos++]!;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else if (first === 0x80) {
    throw new DerError(`indefinite length at offset ${offset} (BER, not DER)`);
  } else {
    const count = first & 0x7f;
    if (count > 4 || pos + count > limit) throw new DerError(`bad length at offset ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos++]!;
  }
  const end = pos + length;
  if (end > limit) throw new DerError(`element at offset ${offset} overruns its container`);
  return { tag, constructed: (tag & 0x20) !== 0, start: offset, contentStart: pos, end, buf };
}

/** The elements inside a constructed element. */
export function children(tlv: Tlv): Tlv[] {
  if (!tlv.constructed) throw new DerError(`element at offset ${tlv.start} is not constructed`);
  const out: Tlv[] = [];
  let pos = tlv.contentStart;
  while (pos < tlv.end) {
    const child = readTlv(tlv.buf, pos, tlv.end);
    out.push(child);
    pos = child.end;
  }
  return out;
}

export function content(tlv: Tlv): Buffer {
  return tlv.buf.subarray(tlv.contentStart, tlv.end);
}

export function encoded(tlv: Tlv): Buffer {
  return tlv.buf.subarray(tlv.start, tlv.end);
}

export function expect(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv || tlv.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, got ${tlv ? `0x${tlv.tag.toString(16)}` : 'nothing'}`);
  return tlv;
}

/** Dotted form of an OBJECT IDENTIFIER element. */
export function oid(tlv: Tlv): string {
  const bytes = content(expect(tlv, TAG.OID, 'object identifier'));
  if (bytes.length === 0) throw new DerError('empty object identifier');
  const parts: number[] = [];
  let value = 0;
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** An OCTET STRING's bytes, joining the segments of a constructed (BER-style) one. */
export function octets(tlv: Tlv): Buffer {
  if (tlv.tag === TAG.OCTET_STRING) return content(tlv);
  if (tlv.tag === (TAG.OCTET_STRING | 0x20)) return Buffer.concat(children(tlv).map(octets));
  throw new DerError(`expected an OCTET STRING, got tag 0x${tlv.tag.toString(16)}`);
}

/** DER bytes of the first PEM block labelled `label`. */
export function pemToDer(pem: string, label: string): Buffer {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`);
  const m = re.exec(pem);
  if (!m) throw new DerError(`no ${label} PEM block`);
  return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
}

export function derToPem(der: Buffer, label: string): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
