// The sandbox's IoT CA: a root CA (persisted in `dir` as iot-ca.pem + iot-ca-key.pem, key 0600, so a
// restarted sandbox keeps the CA devices were told to trust), device certificates as
// CreateKeysAndCertificate hands them out (RSA 2048, subject "CN=AWS IoT Certificate", valid until
// 2049-12-31 like AWS's), and one TLS server certificate for the sandbox's TLS listeners (the MQTT
// broker and the credentials provider; SANs 127.0.0.1, ::1, localhost), issued fresh at every start.
import { createHash, createPrivateKey, generateKeyPair, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { baseCertificate, generateRsaKeyPair, lf, loadOrCreateCa, rsaSha256Signer } from '../commands/signing-ca.js';
import type { IotCa } from './types.js';

const { pki } = forge;

export interface IotCaOptions {
  /** Persist/reload the CA here (iot-ca.pem, iot-ca-key.pem). */
  readonly dir?: string;
  /** Validity source (default: the system clock). */
  readonly now?: () => Date;
}

export interface SandboxIotCa extends IotCa {
  /** `<dir>/iot-ca.pem` when the CA is persisted. */
  readonly caPath?: string;
}

export const IOT_CA_FILE = 'iot-ca.pem';
const IOT_CA_KEY_FILE = 'iot-ca-key.pem';
const CA_SUBJECT = [
  { name: 'commonName', value: 'Edge Fleet Sandbox IoT CA' },
  { name: 'organizationName', value: 'Edge Fleet Sandbox' },
];
/** AWS IoT's CreateKeysAndCertificate certificates carry only this CN. */
export const DEVICE_CERT_SUBJECT = 'AWS IoT Certificate';
const DEVICE_NOT_AFTER = new Date('2049-12-31T23:59:59Z');
const SERVER_VALIDITY_DAYS = 825;

/** The certificate id AWS IoT uses: SHA-256 of the certificate's DER, lower-case hex. */
export function certificateIdOf(certificatePem: string): string {
  return createHash('sha256').update(new X509Certificate(certificatePem).raw).digest('hex');
}

/** The same, for a certificate already in DER form (as TLS presents it). */
export function certificateIdOfDer(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

async function generateDeviceKeys(): Promise<{ publicKeyPem: string; privateKeyPem: string }> {
  const { publicKey, privateKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

export async function createIotCa(opts: IotCaOptions = {}): Promise<SandboxIotCa> {
  const now = opts.now ?? (() => new Date());
  const files = opts.dir ? { certPath: join(opts.dir, IOT_CA_FILE), keyPath: join(opts.dir, IOT_CA_KEY_FILE) } : undefined;
  // The server key pair is generated while the CA loads (or generates its own).
  const serverKeys = generateRsaKeyPair();
  const ca = await loadOrCreateCa(files, CA_SUBJECT, now());
  // forge signs through `key.sign(md)`: Node's native RSA keeps each device certificate cheap.
  const caSigner = rsaSha256Signer(createPrivateKey(lf(pki.privateKeyToPem(ca.key)))) as unknown as forge.pki.rsa.PrivateKey;
  const caKeyId = ca.cert.generateSubjectKeyIdentifier().getBytes();

  const sign = (cert: forge.pki.Certificate): string => {
    cert.setIssuer(ca.cert.subject.attributes);
    cert.sign(caSigner, forge.md.sha256.create());
    return lf(pki.certificateToPem(cert));
  };

  const keys = await serverKeys;
  const server = baseCertificate(keys.publicKey, now(), SERVER_VALIDITY_DAYS);
  server.setSubject([
    { name: 'commonName', value: 'localhost' },
    { name: 'organizationName', value: 'Edge Fleet Sandbox' },
  ]);
  server.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }, { type: 2, value: 'localhost' }] },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caKeyId },
  ]);
  const serverCredentials = { certPem: sign(server), keyPem: lf(pki.privateKeyToPem(keys.privateKey)) };

  return {
    caPem: lf(pki.certificateToPem(ca.cert)),
    ...(files ? { caPath: files.certPath } : {}),
    server: serverCredentials,
    async issueDeviceCertificate() {
      const { publicKeyPem, privateKeyPem } = await generateDeviceKeys();
      const cert = baseCertificate(pki.publicKeyFromPem(publicKeyPem), now(), 0);
      cert.validity.notBefore = now();
      cert.validity.notAfter = DEVICE_NOT_AFTER;
      cert.setSubject([{ name: 'commonName', value: DEVICE_CERT_SUBJECT }]);
      cert.setExtensions([
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', clientAuth: true },
        { name: 'subjectKeyIdentifier' },
        { name: 'authorityKeyIdentifier', keyIdentifier: caKeyId },
      ]);
      return { certificatePem: sign(cert), publicKeyPem, privateKeyPem };
    },
  };
}
