// The sandbox's deployment-spec signing CA: a root CA plus a per-region signer certificate
// (CN codedeploy-signer-<region>.amazonaws.com, the shape of the official agent's test helper),
// used to sign deployment specs as PKCS#7 SignedData with attached content ("PKCS7/JSON").
// With `dir`, the CA key pair and the signer key persist (`ca.pem`, `ca-key.pem`, `signer-key.pem`,
// keys 0600) so a restarted sandbox keeps the CA agents were told to trust; signer certificates are
// re-issued from the persisted signer key at start (they are cheap and embedded in every message).
import { constants, createPrivateKey, generateKeyPair, privateEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { writeFileAtomic } from '../../shared/fs-atomic.js';

const { pki, pkcs7, util } = forge;

export interface SigningCa {
  /** The root CA certificate, PEM: what agents (and tests) verify the signer against. */
  readonly caPem: string;
  /** `<dir>/ca.pem` when the CA is persisted. */
  readonly caPath?: string;
  /** The signer certificate used for `region`, PEM (issued on first use). */
  signerCertPem(region: string): string;
  /** `json` as a PEM `-----BEGIN PKCS7-----` SignedData (SHA-256, attached content, signer cert embedded). */
  signJson(json: string, region: string): string;
}

export interface SigningCaOptions {
  /** Persist/reload the CA here (created if missing). */
  dir?: string;
  /** Certificate validity and signingTime source (default: the system clock). */
  now?: () => Date;
}

const CA_SUBJECT = [
  { name: 'commonName', value: 'Edge Fleet Sandbox CodeDeploy Signing CA' },
  { name: 'organizationName', value: 'Edge Fleet Sandbox' },
];
const DAY_MS = 24 * 60 * 60 * 1000;
const CA_VALIDITY_DAYS = 3650;
const SIGNER_VALIDITY_DAYS = 825;

export function signerCommonName(region: string): string {
  return `codedeploy-signer-${region}.amazonaws.com`;
}

export async function createSigningCa(opts: SigningCaOptions = {}): Promise<SigningCa> {
  const now = opts.now ?? (() => new Date());
  const paths = opts.dir
    ? { ca: join(opts.dir, 'ca.pem'), caKey: join(opts.dir, 'ca-key.pem'), signerKey: join(opts.dir, 'signer-key.pem') }
    : undefined;

  // Both key pairs are generated concurrently (libuv threads): start-up time is one keygen, not two.
  const haveSignerKey = paths !== undefined && existsSync(paths.signerKey);
  const newSignerKeys = haveSignerKey ? undefined : generateRsaKeyPair();
  const { cert: caCert, key: caKey } = await loadOrCreateCa(paths && { certPath: paths.ca, keyPath: paths.caKey }, CA_SUBJECT, now());

  let signerKeys: forge.pki.rsa.KeyPair;
  if (!newSignerKeys && paths) {
    const privateKey = pki.privateKeyFromPem(readFileSync(paths.signerKey, 'utf8')) as forge.pki.rsa.PrivateKey;
    signerKeys = { privateKey, publicKey: pki.setRsaPublicKey(privateKey.n, privateKey.e) };
  } else {
    signerKeys = await (newSignerKeys as Promise<forge.pki.rsa.KeyPair>);
    if (paths) writeFileAtomic(paths.signerKey, lf(pki.privateKeyToPem(signerKeys.privateKey)), { mode: 0o600 });
  }

  const caPem = lf(pki.certificateToPem(caCert));
  const nativeSigner = rsaSha256Signer(createPrivateKey(lf(pki.privateKeyToPem(signerKeys.privateKey))));
  const signers = new Map<string, forge.pki.Certificate>();
  const signerFor = (region: string): forge.pki.Certificate => {
    let cert = signers.get(region);
    if (!cert) {
      cert = issueSignerCertificate(region, signerKeys.publicKey, caCert, caKey, now());
      signers.set(region, cert);
    }
    return cert;
  };

  return {
    caPem,
    ...(paths ? { caPath: paths.ca } : {}),
    signerCertPem: (region) => lf(pki.certificateToPem(signerFor(region))),
    signJson(json, region) {
      const certificate = signerFor(region);
      const p7 = pkcs7.createSignedData();
      p7.content = util.createBuffer(util.encodeUtf8(json));
      p7.addCertificate(certificate);
      p7.addSigner({
        key: nativeSigner as unknown as forge.pki.rsa.PrivateKey,
        certificate,
        digestAlgorithm: pki.oids.sha256!,
        // Listed in DER SET OF order (by encoded length here), so verifiers that re-encode the
        // signed attributes canonically (OpenSSL) digest the same bytes forge signed.
        authenticatedAttributes: [
          { type: pki.oids.contentType!, value: pki.oids.data },
          { type: pki.oids.signingTime!, value: now().toISOString() },
          { type: pki.oids.messageDigest! },
        ],
      });
      p7.sign();
      return lf(pkcs7.messageToPem(p7));
    },
  };
}

/**
 * A root CA: loaded from `files` when both exist, else generated (and written there: key 0600,
 * certificate 0644). Shared with the IoT CA.
 */
export async function loadOrCreateCa(
  files: { certPath: string; keyPath: string } | undefined,
  subject: forge.pki.CertificateField[],
  at: Date,
): Promise<{ cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey }> {
  if (files && existsSync(files.certPath) && existsSync(files.keyPath)) {
    return {
      cert: pki.certificateFromPem(readFileSync(files.certPath, 'utf8')),
      key: pki.privateKeyFromPem(readFileSync(files.keyPath, 'utf8')) as forge.pki.rsa.PrivateKey,
    };
  }
  const keys = await generateRsaKeyPair();
  const cert = issueCaCertificate(keys, at, subject);
  if (files) {
    writeFileAtomic(files.keyPath, lf(pki.privateKeyToPem(keys.privateKey)), { mode: 0o600 });
    writeFileAtomic(files.certPath, lf(pki.certificateToPem(cert)), { mode: 0o644 });
  }
  return { cert, key: keys.privateKey };
}

/** forge writes CRLF PEM; files and JSON payloads read better (and diff cleaner) with LF. */
export function lf(pem: string): string {
  return pem.replace(/\r\n/g, '\n');
}

export async function generateRsaKeyPair(): Promise<forge.pki.rsa.KeyPair> {
  // Node's native generator: forge's pure-JS RSA-2048 generation takes seconds.
  const { privateKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const key = pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { privateKey: key, publicKey: pki.setRsaPublicKey(key.n, key.e) };
}

// DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1): the PKCS#1 v1.5 signature input is
// this prefix followed by the 32-byte digest.
const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * What forge's PKCS#7 signer calls (`key.sign(md)`), backed by Node's native RSA: forge's pure-JS
 * RSA-2048 private-key operation costs ~35 ms per spec, native well under 1 ms.
 */
export function rsaSha256Signer(key: KeyObject): { sign(md: forge.md.MessageDigest): string } {
  return {
    sign(md) {
      const digest = Buffer.from(md.digest().getBytes(), 'binary');
      const input = Buffer.concat([SHA256_DIGEST_INFO_PREFIX, digest]);
      return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, input).toString('binary');
    },
  };
}

export function baseCertificate(publicKey: forge.pki.PublicKey, at: Date, days: number): forge.pki.Certificate {
  const cert = pki.createCertificate();
  cert.publicKey = publicKey;
  // Positive serial: a leading 0x01 byte keeps the DER INTEGER's sign bit clear.
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = new Date(at.getTime() - DAY_MS);
  cert.validity.notAfter = new Date(at.getTime() + days * DAY_MS);
  return cert;
}

function issueCaCertificate(keys: forge.pki.rsa.KeyPair, at: Date, subject: forge.pki.CertificateField[]): forge.pki.Certificate {
  const cert = baseCertificate(keys.publicKey, at, CA_VALIDITY_DAYS);
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return cert;
}

function issueSignerCertificate(
  region: string,
  publicKey: forge.pki.PublicKey,
  caCert: forge.pki.Certificate,
  caKey: forge.pki.rsa.PrivateKey,
  at: Date,
): forge.pki.Certificate {
  const cert = baseCertificate(publicKey, at, SIGNER_VALIDITY_DAYS);
  cert.setSubject([
    { name: 'commonName', value: signerCommonName(region) },
    { name: 'organizationName', value: 'Edge Fleet Sandbox' },
  ]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return cert;
}
