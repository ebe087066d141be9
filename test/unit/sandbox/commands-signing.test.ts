import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { derToPem, pemToDer } from '../../../sandbox/commands/der.js';
import { verifyPkcs7Json } from '../../../sandbox/commands/pkcs7-verify.js';
import { createSigningCa, signerCommonName } from '../../../sandbox/commands/signing-ca.js';

const SPEC = JSON.stringify({
  DeploymentId: 'd-AAAAAAAAA',
  DeploymentGroupId: '5e1c0000-0000-4000-8000-000000000001',
  ApplicationName: 'sensor-app',
  Revision: { RevisionType: 'S3', S3Revision: { Bucket: 'b', Key: 'k.tgz', BundleType: 'tgz' } },
  Note: 'non-ASCII survives: Grüße ✓',
});

/** The PEM with `from` replaced by `to` (same length) inside the DER. */
function tamper(pem: string, from: string, to: string): string {
  const der = pemToDer(pem, 'PKCS7');
  const at = der.indexOf(Buffer.from(from));
  if (at < 0 || from.length !== to.length) throw new Error('tamper: bad input');
  Buffer.from(to).copy(der, at);
  return derToPem(der, 'PKCS7');
}

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

t.test('signs JSON as PEM PKCS7 SignedData that verifies against the CA', async (t) => {
  const ca = await createSigningCa();
  t.match(ca.caPem, /^-----BEGIN CERTIFICATE-----\n/);
  t.equal(ca.caPath, undefined);
  const pem = ca.signJson(SPEC, 'eu-west-1');
  t.match(pem, /^-----BEGIN PKCS7-----\r?\n[\s\S]+-----END PKCS7-----\r?\n?$/);
  const result = verifyPkcs7Json(pem, ca.caPem, { at: new Date() });
  t.same(result, {
    valid: true,
    json: SPEC,
    signerSubject: `CN=${signerCommonName('eu-west-1')}\nO=Edge Fleet Sandbox`,
    signerCommonName: 'codedeploy-signer-eu-west-1.amazonaws.com',
  });
});

t.test('the signer certificate is per region, issued by the CA', async (t) => {
  const ca = await createSigningCa();
  const east = verifyPkcs7Json(ca.signJson('{}', 'us-east-1'), ca.caPem);
  const west = verifyPkcs7Json(ca.signJson('{}', 'eu-west-1'), ca.caPem);
  t.ok(east.valid && east.signerCommonName === 'codedeploy-signer-us-east-1.amazonaws.com');
  t.ok(west.valid && west.signerCommonName === 'codedeploy-signer-eu-west-1.amazonaws.com');
  t.match(ca.signerCertPem('us-east-1'), /^-----BEGIN CERTIFICATE-----/);
  t.equal(ca.signerCertPem('us-east-1'), ca.signerCertPem('us-east-1'), 'issued once per region');
});

t.test('a tampered payload does not verify', async (t) => {
  const ca = await createSigningCa();
  const pem = ca.signJson(SPEC, 'eu-west-1');
  const changed = verifyPkcs7Json(tamper(pem, '"Key":"k.tgz"', '"Key":"x.tgz"'), ca.caPem);
  t.same(changed, { valid: false, reason: 'content digest mismatch: the signed content was modified' });
  t.notOk(verifyPkcs7Json(tamper(pem, '"Key":"k.tgz"', '"Key":"x.tgz"')).valid, 'also without a CA (NOVERIFY semantics)');

  const der = pemToDer(pem, 'PKCS7');
  der[der.length - 3] = der[der.length - 3]! ^ 0x01; // inside the signature, the last element
  t.match(verifyPkcs7Json(derToPem(der, 'PKCS7')), { valid: false, reason: /signature does not verify/ });

  t.match(verifyPkcs7Json('-----BEGIN PKCS7-----\nAAAA\n-----END PKCS7-----\n'), { valid: false, reason: /^Could not parse the PKCS7/ });
  t.match(verifyPkcs7Json(SPEC), { valid: false, reason: /no PKCS7 PEM block/ });
  const truncated = derToPem(pemToDer(pem, 'PKCS7').subarray(0, 200), 'PKCS7');
  t.match(verifyPkcs7Json(truncated), { valid: false, reason: /^Could not parse the PKCS7/ });
});

t.test('a spec signed by another CA verifies only without a trust anchor', async (t) => {
  const ours = await createSigningCa();
  const theirs = await createSigningCa();
  const pem = theirs.signJson(SPEC, 'eu-west-1');
  t.ok(verifyPkcs7Json(pem).valid, 'the signature itself is fine (what the v1 agent checks)');
  t.same(verifyPkcs7Json(pem, ours.caPem), { valid: false, reason: 'signer certificate is not issued by the trusted CA' });
  t.ok(verifyPkcs7Json(pem, theirs.caPem).valid);
});

t.test('validity is checked when a verification time is given', async (t) => {
  const ca = await createSigningCa();
  const pem = ca.signJson(SPEC, 'eu-west-1');
  const later = new Date(Date.now() + 20 * 365 * 24 * 3600 * 1000);
  t.match(verifyPkcs7Json(pem, ca.caPem, { at: later }), { valid: false, reason: /not valid at the verification time/ });
  t.match(verifyPkcs7Json(pem, undefined, { at: later }), { valid: false, reason: /not valid at the verification time/ });
  const stale = await createSigningCa({ now: () => new Date('2001-01-01T00:00:00Z') });
  t.match(verifyPkcs7Json(stale.signJson('{}', 'eu-west-1'), stale.caPem, { at: new Date() }), { valid: false });
});

t.test('non-JSON content is rejected', async (t) => {
  const ca = await createSigningCa();
  t.same(verifyPkcs7Json(ca.signJson('not json', 'eu-west-1'), ca.caPem), { valid: false, reason: 'signed content is not JSON' });
});

t.test('persisted CA: keys 0600, reloaded after a restart', async (t) => {
  const dir = t.testdir();
  const first = await createSigningCa({ dir });
  t.equal(first.caPath, join(dir, 'ca.pem'));
  t.equal(readFileSync(join(dir, 'ca.pem'), 'utf8'), first.caPem);
  for (const key of ['ca-key.pem', 'signer-key.pem']) t.equal(statSync(join(dir, key)).mode & 0o777, 0o600, `${key} is 0600`);
  const before = first.signJson(SPEC, 'eu-west-1');

  const second = await createSigningCa({ dir });
  t.equal(second.caPem, first.caPem, 'same CA after restart');
  t.ok(verifyPkcs7Json(before, second.caPem).valid, 'specs signed before the restart still verify');
  t.ok(verifyPkcs7Json(second.signJson(SPEC, 'eu-west-1'), first.caPem).valid, 'new specs verify against the old CA file');
});

t.test('OpenSSL verifies the signed spec against the CA', async (t) => {
  t.ok(hasOpenssl(), 'openssl is installed (.ci/run installs it)');
  const dir = t.testdir();
  const ca = await createSigningCa({ dir });
  const file = join(dir, 'spec.p7');
  writeFileSync(file, ca.signJson(SPEC, 'eu-west-1'));
  const out = execFileSync('openssl', ['cms', '-verify', '-inform', 'PEM', '-in', file, '-CAfile', ca.caPath!, '-binary', '-purpose', 'any'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.equal(out.toString('utf8'), SPEC);
});

t.test('verifies OpenSSL-made messages (extra attributes, SHA-1)', async (t) => {
  t.ok(hasOpenssl(), 'openssl is installed (.ci/run installs it)');
  const dir = t.testdir({ 'spec.json': '{"b":2}' });
  const run = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-subj', '/CN=codedeploy-signer-us-east-1.amazonaws.com', '-days', '2']);
  run(['smime', '-sign', '-binary', '-nodetach', '-md', 'sha1', '-in', 'spec.json', '-signer', 'c.pem', '-inkey', 'k.pem', '-outform', 'PEM', '-out', 'o.p7']);
  const pem = readFileSync(join(dir, 'o.p7'), 'utf8');
  t.match(verifyPkcs7Json(pem, readFileSync(join(dir, 'c.pem'), 'utf8')), { valid: true, json: '{"b":2}', signerCommonName: 'codedeploy-signer-us-east-1.amazonaws.com' });
  t.match(verifyPkcs7Json(tamper(pem, '{"b":2}', '{"b":3}')), { valid: false });
});
