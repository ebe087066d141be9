// Pure verification of a "PKCS7/JSON" deployment-spec envelope payload: PEM PKCS#7 SignedData with
// attached content. Like the official agent (OpenSSL NOVERIFY) it checks the signature over the
// content against the signer certificate embedded in the message; with `caPem` it also requires the
// signer certificate to chain to that CA through the embedded certificates (what the official agent
// skips because its bundled chain expired). Used by the sandbox's tests; the agent has its own.
import { X509Certificate, createHash, timingSafeEqual, verify } from 'node:crypto';
import { DerError, TAG, children, encoded, expect, octets, oid, pemToDer, readTlv, type Tlv } from './der.js';

export type Pkcs7VerifyResult =
  | { readonly valid: true; readonly json: string; readonly signerSubject: string; readonly signerCommonName: string }
  | { readonly valid: false; readonly reason: string };

export interface Pkcs7VerifyOptions {
  /** Also require the signer certificate (and the chain to `caPem`) to be valid at this time. */
  readonly at?: Date;
}

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  data: '1.2.840.113549.1.7.1',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
} as const;

const DIGESTS: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const MAX_CHAIN = 5;

export function verifyPkcs7Json(pem: string, caPem?: string, opts: Pkcs7VerifyOptions = {}): Pkcs7VerifyResult {
  try {
    return verifyOrThrow(pem, caPem, opts);
  } catch (e) {
    if (e instanceof DerError) return invalid(`Could not parse the PKCS7: ${e.message}`);
    return invalid(e instanceof Error ? e.message : String(e));
  }
}

function invalid(reason: string): Pkcs7VerifyResult {
  return { valid: false, reason };
}

function verifyOrThrow(pem: string, caPem: string | undefined, opts: Pkcs7VerifyOptions): Pkcs7VerifyResult {
  const der = pemToDer(pem, 'PKCS7');
  const contentInfo = readTlv(der);
  if (contentInfo.end !== der.length) throw new DerError('trailing bytes after ContentInfo');
  const [typeTlv, explicit] = children(expect(contentInfo, TAG.SEQUENCE, 'ContentInfo'));
  if (oid(expect(typeTlv, TAG.OID, 'contentType')) !== OID.signedData) return invalid('not a PKCS7 SignedData message');
  const signedData = expect(children(expect(explicit, TAG.CONTEXT_0, 'content'))[0], TAG.SEQUENCE, 'SignedData');
  const parts = children(signedData);
  const encap = children(expect(parts[2], TAG.SEQUENCE, 'encapContentInfo'));
  const eContentType = oid(expect(encap[0], TAG.OID, 'eContentType'));
  if (!encap[1]) return invalid('detached signature: the message carries no content');
  const [eContentTlv] = children(expect(encap[1], TAG.CONTEXT_0, 'eContent'));
  if (!eContentTlv) return invalid('empty eContent');
  const body = octets(eContentTlv);

  let rest = parts.slice(3);
  const certificates: Tlv[] = [];
  if (rest[0]?.tag === TAG.CONTEXT_0) {
    certificates.push(...children(rest[0]).filter((c) => c.tag === TAG.SEQUENCE));
    rest = rest.slice(1);
  }
  if (rest[0]?.tag === TAG.CONTEXT_1) rest = rest.slice(1);
  const signerInfos = children(expect(rest[0], TAG.SET, 'signerInfos'));
  if (signerInfos.length === 0) return invalid('no signers');

  let signer: X509Certificate | undefined;
  for (const info of signerInfos) {
    const result = verifySignerInfo(info, certificates, body, eContentType);
    if (typeof result === 'string') return invalid(result);
    signer ??= result;
  }
  if (!signer) return invalid('no signers');

  if (caPem !== undefined) {
    const problem = checkChain(signer, new X509Certificate(caPem), certificates.map((c) => new X509Certificate(encoded(c))), opts.at);
    if (problem) return invalid(problem);
  } else if (opts.at && !validAt(signer, opts.at)) {
    return invalid('signer certificate is not valid at the verification time');
  }

  const json = new TextDecoder('utf-8', { fatal: true }).decode(body);
  try {
    JSON.parse(json);
  } catch {
    return invalid('signed content is not JSON');
  }
  return { valid: true, json, signerSubject: signer.subject, signerCommonName: commonName(signer.subject) };
}

/** The verified signer certificate, or why the SignerInfo does not verify. */
function verifySignerInfo(info: Tlv, certificates: Tlv[], body: Buffer, eContentType: string): X509Certificate | string {
  const fields = children(expect(info, TAG.SEQUENCE, 'SignerInfo'));
  const sid = fields[1];
  if (sid?.tag !== TAG.SEQUENCE) return 'unsupported SignerIdentifier (only issuerAndSerialNumber)';
  const [issuer, serial] = children(sid);
  const certTlv = certificates.find((c) => matchesIssuerAndSerial(c, issuer!, serial!));
  if (!certTlv) return 'signer certificate is not embedded in the message';
  const cert = new X509Certificate(encoded(certTlv));

  const digestName = DIGESTS[oid(children(expect(fields[2], TAG.SEQUENCE, 'digestAlgorithm'))[0]!)];
  if (!digestName) return 'unsupported digest algorithm';

  let next = 3;
  let signedBytes: Buffer = body;
  const attrsTlv = fields[next];
  if (attrsTlv?.tag === TAG.CONTEXT_0) {
    next++;
    const attrs = new Map<string, Tlv[]>();
    for (const attr of children(attrsTlv)) {
      const [type, values] = children(expect(attr, TAG.SEQUENCE, 'Attribute'));
      attrs.set(oid(type!), children(expect(values, TAG.SET, 'AttributeValues')));
    }
    const ct = attrs.get(OID.contentType)?.[0];
    if (!ct || oid(ct) !== eContentType) return 'contentType attribute does not match the content';
    const md = attrs.get(OID.messageDigest)?.[0];
    if (!md) return 'messageDigest attribute missing';
    const expected = octets(md);
    const actual = createHash(digestName).update(body).digest();
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return 'content digest mismatch: the signed content was modified';
    // The signature covers the attributes DER-encoded as a SET OF, not as the [0] IMPLICIT field.
    signedBytes = Buffer.concat([Buffer.from([TAG.SET]), encoded(attrsTlv).subarray(1)]);
  }
  expect(fields[next], TAG.SEQUENCE, 'signatureAlgorithm');
  const signature = octets(expect(fields[next + 1], TAG.OCTET_STRING, 'signature'));
  if (!verify(digestName, signedBytes, cert.publicKey, signature)) return 'signature does not verify against the signer certificate';
  return cert;
}

function matchesIssuerAndSerial(certTlv: Tlv, issuer: Tlv, serial: Tlv): boolean {
  const tbs = children(expect(children(certTlv)[0], TAG.SEQUENCE, 'tbsCertificate'));
  const offset = tbs[0]?.tag === TAG.CONTEXT_0 ? 1 : 0;
  const certSerial = tbs[offset];
  const certIssuer = tbs[offset + 2];
  return !!certSerial && !!certIssuer && encoded(certSerial).equals(encoded(serial)) && encoded(certIssuer).equals(encoded(issuer));
}

/** Walk from the signer through embedded certificates to the CA; undefined when it chains. */
function checkChain(signer: X509Certificate, ca: X509Certificate, embedded: X509Certificate[], at: Date | undefined): string | undefined {
  let current = signer;
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    if (at && !validAt(current, at)) return `certificate ${current.subject.replace(/\n/g, ', ')} is not valid at the verification time`;
    if (current.checkIssued(ca) && current.verify(ca.publicKey)) {
      return at && !validAt(ca, at) ? 'CA certificate is not valid at the verification time' : undefined;
    }
    const parent = embedded.find((c) => c !== current && c.ca && current.checkIssued(c) && current.verify(c.publicKey));
    if (!parent) return 'signer certificate is not issued by the trusted CA';
    current = parent;
  }
  return 'certificate chain too long';
}

function validAt(cert: X509Certificate, at: Date): boolean {
  return new Date(cert.validFrom) <= at && at <= new Date(cert.validTo);
}

function commonName(subject: string): string {
  return /(?:^|\n)CN=([^\n]*)/.exec(subject)?.[1] ?? '';
}
