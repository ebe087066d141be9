// PKCS#7 / CMS SignedData with attached content (the "PKCS7/JSON" deployment-spec envelope):
// parsed with node-forge's ASN.1 reader, every SignerInfo's signature checked with node:crypto
// against the signer certificate embedded in the message (what OpenSSL's NOVERIFY checks; the
// official v1 agent then ignores the result, we do not). Trust in the signer (a CA, a subject) is
// pkcs7-trust.ts's business. Pure.
import { X509Certificate, createHash, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type forge from 'node-forge';
// Only forge's ASN.1 reader and PEM decoder (6 of its ~200 modules; the whole of node-forge
// costs the daemon about 1.5 MiB of RSS, measured by scripts/bench-daemon.ts).
import asn1 from 'node-forge/lib/asn1.js';
import pem from 'node-forge/lib/pem.js';

type Asn1 = forge.asn1.Asn1;

export class Pkcs7Error extends Error {
  override readonly name = 'Pkcs7Error';
  /** parse: not a well-formed SignedData message; signature: it is, but a signature does not verify. */
  constructor(
    readonly kind: 'parse' | 'signature',
    message: string,
  ) {
    super(message);
  }
}

export interface Pkcs7Certificate {
  readonly x509: X509Certificate;
  /** The subject's commonName values, decoded. */
  readonly commonNames: readonly string[];
}

export interface VerifiedSignedData {
  /** The attached content, exactly as signed. */
  readonly content: Buffer;
  /** The certificates of the signers (each verified the signature over `content`). */
  readonly signers: readonly Pkcs7Certificate[];
  /** Every certificate embedded in the message (signers and intermediates). */
  readonly certificates: readonly Pkcs7Certificate[];
}

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  commonName: '2.5.4.3',
} as const;

const DIGESTS: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** Signature algorithm OID → the key type it needs (the digest is the SignerInfo's). */
const SIGNATURE_KEY_TYPES: Readonly<Record<string, 'rsa' | 'ec'>> = {
  '1.2.840.113549.1.1.1': 'rsa', // rsaEncryption (PKCS#7 v1.5 style)
  '1.2.840.113549.1.1.5': 'rsa',
  '1.2.840.113549.1.1.14': 'rsa',
  '1.2.840.113549.1.1.11': 'rsa',
  '1.2.840.113549.1.1.12': 'rsa',
  '1.2.840.113549.1.1.13': 'rsa',
  '1.2.840.10045.4.1': 'ec',
  '1.2.840.10045.4.3.1': 'ec',
  '1.2.840.10045.4.3.2': 'ec',
  '1.2.840.10045.4.3.3': 'ec',
  '1.2.840.10045.4.3.4': 'ec',
};

const PEM_TYPES = new Set(['PKCS7', 'PKCS #7 SIGNED DATA', 'CMS']);

const parseError = (message: string): Pkcs7Error => new Pkcs7Error('parse', message);

/**
 * Parse `payload` (PEM `-----BEGIN PKCS7-----`, or base64 DER) and verify every signature.
 * Throws Pkcs7Error: kind `parse` for anything malformed, `signature` when a signature fails.
 */
export function verifySignedData(payload: string): VerifiedSignedData {
  let root: Asn1;
  try {
    root = fromDer(decodePayload(payload));
  } catch (e) {
    throw e instanceof Pkcs7Error ? e : parseError(e instanceof Error ? e.message : String(e));
  }
  const parsed = readSignedData(root);
  const signers = parsed.signerInfos.map((info) => verifySignerInfo(info, parsed));
  return { content: parsed.content, signers, certificates: parsed.certificates.map((c) => c.cert) };
}

function decodePayload(payload: string): string {
  if (payload.includes('-----BEGIN')) {
    const block = pem.decode(payload).find((p) => PEM_TYPES.has(p.type));
    if (!block) throw parseError('no PKCS7 PEM block');
    return block.body;
  }
  const compact = payload.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw parseError('not a PEM or base64 DER PKCS7 message');
  }
  return Buffer.from(compact, 'base64').toString('binary');
}

function fromDer(bytes: string): Asn1 {
  // decodeBitStrings off: re-encoded nodes then reproduce the input bytes exactly
  const read = asn1.fromDer as unknown as (b: string, o: object) => Asn1;
  return read(bytes, { strict: true, parseAllBytes: true, decodeBitStrings: false });
}

interface ParsedSignedData {
  readonly content: Buffer;
  readonly contentType: string;
  readonly certificates: readonly { readonly node: Asn1; readonly cert: Pkcs7Certificate }[];
  readonly signerInfos: readonly Asn1[];
}

function kids(node: Asn1 | undefined, what: string): Asn1[] {
  if (!node || !Array.isArray(node.value)) throw parseError(`malformed ${what}`);
  return node.value;
}

function bytes(node: Asn1 | undefined, what: string): string {
  if (!node) throw parseError(`missing ${what}`);
  if (typeof node.value === 'string') return node.value;
  return node.value.map((c) => bytes(c, what)).join(''); // constructed (BER) OCTET STRING
}

function isTag(node: Asn1 | undefined, tagClass: forge.asn1.Class, type: number): node is Asn1 {
  return node !== undefined && node.tagClass === tagClass && node.type === type;
}

const isUniversal = (node: Asn1 | undefined, type: forge.asn1.Type): node is Asn1 => isTag(node, asn1.Class.UNIVERSAL, type);
const isContext = (node: Asn1 | undefined, n: number): node is Asn1 => isTag(node, asn1.Class.CONTEXT_SPECIFIC, n);

function oid(node: Asn1 | undefined, what: string): string {
  if (!isUniversal(node, asn1.Type.OID)) throw parseError(`malformed ${what}`);
  return asn1.derToOid(bytes(node, what));
}

const der = (node: Asn1): string => asn1.toDer(node).getBytes();

function readSignedData(root: Asn1): ParsedSignedData {
  if (!isUniversal(root, asn1.Type.SEQUENCE)) throw parseError('not a PKCS7 ContentInfo');
  const [typeNode, explicit] = kids(root, 'ContentInfo');
  if (oid(typeNode, 'ContentInfo') !== OID.signedData) throw parseError('not a PKCS7 SignedData message');
  if (!isContext(explicit, 0)) throw parseError('malformed ContentInfo');
  const signedData = kids(explicit, 'SignedData')[0];
  if (!isUniversal(signedData, asn1.Type.SEQUENCE)) throw parseError('malformed SignedData');
  const parts = kids(signedData, 'SignedData');
  const encap = kids(parts[2], 'encapsulated content');
  const contentType = oid(encap[0], 'content type');
  if (!isContext(encap[1], 0)) throw parseError('the message carries no content (detached signature)');
  const content = Buffer.from(bytes(kids(encap[1], 'content')[0], 'content'), 'binary');

  let rest = parts.slice(3);
  const certificates: { node: Asn1; cert: Pkcs7Certificate }[] = [];
  if (isContext(rest[0], 0)) {
    for (const node of kids(rest[0], 'certificates').filter((c) => isUniversal(c, asn1.Type.SEQUENCE))) {
      certificates.push({ node, cert: readCertificate(node) });
    }
    rest = rest.slice(1);
  }
  if (isContext(rest[0], 1)) rest = rest.slice(1);
  if (!isUniversal(rest[0], asn1.Type.SET)) throw parseError('malformed signerInfos');
  const signerInfos = kids(rest[0], 'signerInfos');
  if (signerInfos.length === 0) throw parseError('the message has no signers');
  return { content, contentType, certificates, signerInfos };
}

function readCertificate(node: Asn1): Pkcs7Certificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(Buffer.from(der(node), 'binary'));
  } catch (e) {
    throw parseError(`invalid embedded certificate: ${e instanceof Error ? e.message : String(e)}`);
  }
  const subject = tbsField(node, 'subject');
  const commonNames: string[] = [];
  for (const rdn of kids(subject, 'subject')) {
    for (const atv of kids(rdn, 'subject')) {
      const [type, value] = kids(atv, 'subject');
      if (oid(type, 'subject') === OID.commonName && value) commonNames.push(decodeString(value));
    }
  }
  return { x509, commonNames };
}

/** serial, issuer or subject of a certificate node. */
function tbsField(cert: Asn1, field: 'serial' | 'issuer' | 'subject'): Asn1 {
  const tbs = kids(kids(cert, 'certificate')[0], 'tbsCertificate');
  const offset = isContext(tbs[0], 0) ? 1 : 0;
  const node = tbs[offset + { serial: 0, issuer: 2, subject: 4 }[field]];
  if (!node) throw parseError(`certificate without ${field}`);
  return node;
}

function decodeString(node: Asn1): string {
  const raw = bytes(node, 'string');
  if (node.type === asn1.Type.UTF8) return Buffer.from(raw, 'binary').toString('utf8');
  if (node.type === asn1.Type.BMPSTRING && raw.length % 2 === 0) return Buffer.from(raw, 'binary').swap16().toString('utf16le');
  return raw;
}

function verifySignerInfo(info: Asn1, data: ParsedSignedData): Pkcs7Certificate {
  const fields = kids(info, 'SignerInfo');
  const sid = fields[1];
  if (!isUniversal(sid, asn1.Type.SEQUENCE)) throw parseError('unsupported SignerIdentifier (only issuerAndSerialNumber)');
  const [issuer, serial] = kids(sid, 'issuerAndSerialNumber');
  if (!issuer || !serial) throw parseError('malformed issuerAndSerialNumber');
  const signer = data.certificates.find((c) => der(tbsField(c.node, 'serial')) === der(serial) && der(tbsField(c.node, 'issuer')) === der(issuer));
  if (!signer) throw new Pkcs7Error('signature', 'the signer certificate is not embedded in the message');

  const digestOid = oid(kids(fields[2], 'digestAlgorithm')[0], 'digestAlgorithm');
  const digest = DIGESTS[digestOid];
  if (!digest) throw new Pkcs7Error('signature', `unsupported digest algorithm ${digestOid}`);

  let next = 3;
  let signed: Buffer = data.content;
  const attrs = fields[next];
  if (isContext(attrs, 0)) {
    next++;
    signed = checkSignedAttributes(attrs, data, digest);
  }
  const sigOid = oid(kids(fields[next], 'signatureAlgorithm')[0], 'signatureAlgorithm');
  const signature = fields[next + 1];
  if (!isUniversal(signature, asn1.Type.OCTETSTRING)) throw parseError('malformed signature');
  const keyType = SIGNATURE_KEY_TYPES[sigOid];
  const key: KeyObject = signer.cert.x509.publicKey;
  if (!keyType) throw new Pkcs7Error('signature', `unsupported signature algorithm ${sigOid}`);
  if (key.asymmetricKeyType !== keyType) throw new Pkcs7Error('signature', `the signer key (${key.asymmetricKeyType ?? 'unknown'}) does not fit the signature algorithm ${sigOid}`);
  let ok: boolean;
  try {
    ok = verify(digest, signed, key, Buffer.from(bytes(signature, 'signature'), 'binary'));
  } catch (e) {
    throw new Pkcs7Error('signature', `the signature could not be checked: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!ok) throw new Pkcs7Error('signature', 'the signature does not verify against the signer certificate');
  return signer.cert;
}

/** Check contentType and messageDigest; the bytes the signature covers (the attributes as a SET). */
function checkSignedAttributes(attrs: Asn1, data: ParsedSignedData, digest: string): Buffer {
  const values = new Map<string, Asn1[]>();
  for (const attr of kids(attrs, 'signed attributes')) {
    const [type, set] = kids(attr, 'attribute');
    values.set(oid(type, 'attribute type'), kids(set, 'attribute values'));
  }
  const contentType = values.get(OID.contentType)?.[0];
  if (!contentType || oid(contentType, 'contentType attribute') !== data.contentType) {
    throw new Pkcs7Error('signature', 'the contentType attribute does not match the content');
  }
  const messageDigest = values.get(OID.messageDigest)?.[0];
  if (!messageDigest) throw new Pkcs7Error('signature', 'the messageDigest attribute is missing');
  const expected = Buffer.from(bytes(messageDigest, 'messageDigest'), 'binary');
  const actual = createHash(digest).update(data.content).digest();
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new Pkcs7Error('signature', 'the content digest does not match: the signed content was modified');
  }
  // RFC 5652 §5.4: the signature covers the DER of the attributes with the SET OF tag, not [0].
  return Buffer.from(der(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, kids(attrs, 'signed attributes'))), 'binary');
}
