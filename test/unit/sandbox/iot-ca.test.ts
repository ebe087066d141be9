// The sandbox IoT CA: persistence, device and server certificates as AWS IoT's look, the
// certificate id (checked against openssl), and real mutual-TLS handshakes with what it issues.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { certificateIdOf, createIotCa, DEVICE_CERT_SUBJECT } from '../../../sandbox/iot/iot-ca.js';

t.test('persisted in dir: same CA after a restart, key 0600', async (t) => {
  const dir = t.testdir();
  const first = await createIotCa({ dir });
  t.equal(first.caPath, join(dir, 'iot-ca.pem'));
  t.equal(readFileSync(join(dir, 'iot-ca.pem'), 'utf8'), first.caPem);
  t.equal(statSync(join(dir, 'iot-ca-key.pem')).mode & 0o777, 0o600, 'CA key is 0600');
  const device = await first.issueDeviceCertificate();

  const second = await createIotCa({ dir });
  t.equal(second.caPem, first.caPem, 'the restarted CA is the same CA');
  t.ok(new X509Certificate(device.certificatePem).verify(new X509Certificate(second.caPem).publicKey), 'earlier device certificates still chain to it');
  t.not(second.server.certPem, first.server.certPem, 'the server certificate is issued afresh');
  t.ok(new X509Certificate(second.server.certPem).verify(new X509Certificate(second.caPem).publicKey));

  const memory = await createIotCa();
  t.equal(memory.caPath, undefined);
  t.not(memory.caPem, first.caPem, 'without dir: a new CA each time');
});

t.test('device certificates as CreateKeysAndCertificate returns them', async (t) => {
  const ca = await createIotCa();
  const caCert = new X509Certificate(ca.caPem);
  t.ok(caCert.ca, 'the CA certificate is a CA');
  const a = await ca.issueDeviceCertificate();
  const b = await ca.issueDeviceCertificate();
  const cert = new X509Certificate(a.certificatePem);
  t.equal(cert.subject, `CN=${DEVICE_CERT_SUBJECT}`);
  t.equal(cert.issuer, caCert.subject);
  t.notOk(cert.ca);
  t.ok(cert.verify(caCert.publicKey), 'signed by the IoT CA');
  t.equal(new Date(cert.validTo).toISOString(), '2049-12-31T23:59:59.000Z', 'valid until the end of 2049, like AWS IoT certificates');
  t.ok(cert.checkPrivateKey(createPrivateKey(a.privateKeyPem)), 'the private key belongs to the certificate');
  t.match(a.privateKeyPem, /^-----BEGIN RSA PRIVATE KEY-----\n/, 'PKCS#1 private key, as AWS returns it');
  t.match(a.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
  t.equal(createPublicKey(a.publicKeyPem).asymmetricKeyDetails?.modulusLength, 2048, 'RSA 2048');
  t.equal(
    createPublicKey(a.publicKeyPem).export({ type: 'spki', format: 'der' }).toString('hex'),
    cert.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'),
    'the public key is the certificate key',
  );
  t.ok(cert.keyUsage?.includes('1.3.6.1.5.5.7.3.2'), 'extended key usage: TLS client authentication');
  t.not(a.certificatePem, b.certificatePem);
  t.not(a.privateKeyPem, b.privateKeyPem, 'a new key pair for every certificate');
});

t.test('certificate id: SHA-256 of the DER, lower-case hex (cross-checked with openssl)', async (t) => {
  const ca = await createIotCa();
  const { certificatePem } = await ca.issueDeviceCertificate();
  const id = certificateIdOf(certificatePem);
  t.match(id, /^[0-9a-f]{64}$/);
  const der = execFileSync('openssl', ['x509', '-outform', 'DER'], { input: certificatePem });
  t.equal(id, createHash('sha256').update(der).digest('hex'));
  const fingerprint = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], { input: certificatePem, encoding: 'utf8' });
  t.equal(fingerprint.trim().split('=')[1]!.replaceAll(':', '').toLowerCase(), id, 'equals openssl\'s SHA-256 fingerprint');
});

t.test('server certificate: SANs 127.0.0.1, ::1, localhost; mutual TLS works with a device certificate', async (t) => {
  const ca = await createIotCa();
  const server = new X509Certificate(ca.server.certPem);
  t.ok(server.checkIP('127.0.0.1'));
  t.ok(server.checkIP('::1'));
  t.equal(server.checkHost('localhost'), 'localhost');
  t.ok(server.keyUsage?.includes('1.3.6.1.5.5.7.3.1'), 'extended key usage: TLS server authentication');

  const tlsServer = createServer({ ca: ca.caPem, cert: ca.server.certPem, key: ca.server.keyPem, requestCert: true, rejectUnauthorized: true }, (s) => {
    s.end(`hello ${(s as TLSSocket).getPeerCertificate().subject.CN}`);
  });
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => tlsServer.close(() => r())));
  const port = (tlsServer.address() as AddressInfo).port;

  const talk = (creds: { certificatePem: string; privateKeyPem: string }, host = '127.0.0.1'): Promise<string> =>
    new Promise((resolve, reject) => {
      const s = connect({ host, port, ca: ca.caPem, cert: creds.certificatePem, key: creds.privateKeyPem, ...(host === '127.0.0.1' ? {} : { servername: host }) });
      let text = '';
      s.setEncoding('utf8');
      s.on('data', (d: string) => (text += d));
      s.on('end', () => resolve(text));
      s.on('error', reject);
    });
  const device = await ca.issueDeviceCertificate();
  t.equal(await talk(device), `hello ${DEVICE_CERT_SUBJECT}`, 'the client verifies the server (IP SAN) and the server the device');
  t.equal(await talk(device, 'localhost'), `hello ${DEVICE_CERT_SUBJECT}`, 'and by host name');

  const otherCa = await createIotCa();
  const stranger = await otherCa.issueDeviceCertificate();
  // TLS 1.3: the client may finish its side of the handshake before the server's alert arrives;
  // either way it never gets an answer.
  const refused = await talk(stranger).then((text) => text, (e: Error) => e);
  t.ok(refused === '' || refused instanceof Error, `a device certificate from another CA is refused (${String(refused)})`);
});
