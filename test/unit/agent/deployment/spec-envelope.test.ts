// openDeploymentSpec: the envelope checks, and PKCS7/JSON specs signed with node-forge by throwaway
// CAs: good, tampered, another CA with pinning, expired signer, wrong subject, intermediates.
import { constants, createPrivateKey, generateKeyPairSync, privateEncrypt } from 'node:crypto';
import fc from 'fast-check';
import forge from 'node-forge';
import t from 'tap';
import { openDeploymentSpec, type OpenDeploymentSpecOptions } from '../../../../agent/deployment/spec-envelope.js';
import type { DeploymentSpecificationResult } from '../../../../agent/command/command-service.js';
import { officialSignerSubject } from '../../../../agent/deployment/pkcs7-trust.js';
import { createSigningCa } from '../../../../sandbox/commands/signing-ca.js';
import { isEdgeError } from '../../../../shared/errors.js';

const { pki, pkcs7 } = forge;
const DAY = 24 * 60 * 60 * 1000;

const SPEC = {
  DeploymentId: 'arn:aws:codedeploy:eu-west-1:111122223333:deployment/d-7XHJ2K9QB',
  DeploymentGroupId: '5e1c0000-0000-4000-8000-000000000001',
  DeploymentGroupName: 'pi-fleet',
  ApplicationName: 'sensor-app',
  AgentActionOverrides: { AgentOverrides: { FileExistsBehavior: 'overwrite' } },
  Revision: { RevisionType: 'S3', S3Revision: { Bucket: 'my-bucket', Key: 'releases/app-1.2.3.tgz', BundleType: 'tgz', ETag: '"b3c0"' } },
  Note: 'Grüße ✓',
};
const SPEC_JSON = JSON.stringify(SPEC);

interface Party {
  readonly cert: forge.pki.Certificate;
  readonly key: forge.pki.rsa.PrivateKey;
  readonly pem: string;
}

const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/** An RSA-2048 key pair whose private half signs natively (forge's pure-JS RSA is ~100 ms a signature). */
function keyPair(): forge.pki.rsa.KeyPair {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } });
  const key = pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const native = createPrivateKey(privateKey);
  const signer = {
    sign(md: forge.md.MessageDigest): string {
      const input = Buffer.concat([SHA256_DIGEST_INFO, Buffer.from(md.digest().getBytes(), 'binary')]);
      return privateEncrypt({ key: native, padding: constants.RSA_PKCS1_PADDING }, input).toString('binary');
    },
  };
  return { privateKey: signer as unknown as forge.pki.rsa.PrivateKey, publicKey: pki.setRsaPublicKey(key.n, key.e) };
}

// Key generation dominates the run time: four distinct keys, reused where a test needs no new one.
const KEYS = [keyPair(), keyPair(), keyPair(), keyPair()] as const;
const [ROOT_KEY, SIGNER_KEY, OTHER_KEY, SPARE_KEY] = KEYS;

let serial = 1;
function issue(cn: string, issuer: Party | undefined, opts: { ca?: boolean; notBefore?: Date; notAfter?: Date; keys?: forge.pki.rsa.KeyPair } = {}): Party {
  const keys = opts.keys ?? (opts.ca ? SPARE_KEY : SIGNER_KEY);
  const cert = pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = (0x1000 + serial++).toString(16);
  cert.validity.notBefore = opts.notBefore ?? new Date(Date.now() - 60 * DAY);
  cert.validity.notAfter = opts.notAfter ?? new Date(Date.now() + 365 * DAY);
  const subject = [{ name: 'commonName', value: cn }, { name: 'organizationName', value: 'Throwaway' }];
  cert.setSubject(subject);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : subject);
  cert.setExtensions(opts.ca ? [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, critical: true }] : [{ name: 'basicConstraints', cA: false }]);
  cert.sign(issuer?.key ?? keys.privateKey, forge.md.sha256.create());
  return { cert, key: keys.privateKey, pem: pki.certificateToPem(cert) };
}

function sign(json: string, signer: Party, opts: { extraCerts?: Party[]; embedSigner?: boolean; attributes?: boolean; detached?: boolean } = {}): string {
  const p7 = pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(forge.util.encodeUtf8(json));
  if (opts.embedSigner !== false) p7.addCertificate(signer.cert);
  for (const extra of opts.extraCerts ?? []) p7.addCertificate(extra.cert);
  p7.addSigner({
    key: signer.key,
    certificate: signer.cert,
    digestAlgorithm: pki.oids.sha256!,
    authenticatedAttributes:
      opts.attributes === false ? [] : [{ type: pki.oids.contentType!, value: pki.oids.data }, { type: pki.oids.messageDigest! }, { type: pki.oids.signingTime!, value: new Date().toISOString() }],
  });
  (p7.sign as (o?: { detached?: boolean }) => void)(opts.detached ? { detached: true } : undefined);
  return pkcs7.messageToPem(p7);
}

const derOf = (pem: string): Buffer => Buffer.from(forge.pem.decode(pem)[0]!.body, 'binary');
const pemOf = (der: Buffer): string => forge.pem.encode({ type: 'PKCS7', body: der.toString('binary') });

/** The message with the first occurrence of `from` replaced by `to` (same length). */
function tamper(pem: string, from: string, to: string): string {
  const der = derOf(pem);
  const at = der.indexOf(Buffer.from(from));
  if (at < 0 || from.length !== to.length) throw new Error('tamper: not found');
  Buffer.from(to).copy(der, at);
  return pemOf(der);
}

const pkcs7Result = (payload: string): DeploymentSpecificationResult => ({ deploymentSystem: 'CodeDeploy', envelope: { format: 'PKCS7/JSON', payload } });
const open = (payload: string, opts: Partial<OpenDeploymentSpecOptions> = {}) => openDeploymentSpec(pkcs7Result(payload), { developerMode: false, ...opts });

const root = issue('Throwaway Root CA', undefined, { ca: true, keys: ROOT_KEY });
const signer = issue('codedeploy-signer-eu-west-1.amazonaws.com', root);
const otherRoot = issue('Another Root CA', undefined, { ca: true, keys: OTHER_KEY });
const goodPem = sign(SPEC_JSON, signer);

t.test('a signed spec verifies and parses, with and without pinning', async (t) => {
  const spec = open(goodPem);
  t.equal(spec.deploymentId, 'd-7XHJ2K9QB');
  t.equal(spec.fileExistsBehavior, 'OVERWRITE');
  t.same(spec.revision, { type: 'S3', bucket: 'my-bucket', key: 'releases/app-1.2.3.tgz', bundleType: 'tgz', etag: '"b3c0"' });
  t.same(open(goodPem, { caPem: root.pem, signerSubject: officialSignerSubject('eu-west-1'), region: 'eu-west-1' }), spec);
  t.same(open(goodPem.replace(/\r\n/g, '\n')), spec, 'LF PEM');
  t.same(open(derOf(goodPem).toString('base64')), spec, 'base64 DER');
  t.same(open(sign(SPEC_JSON, signer, { attributes: false }), { caPem: root.pem }), spec, 'no signed attributes: signature over the content');
  t.same(open(goodPem, { caPem: `${otherRoot.pem}\n${root.pem}` }), spec, 'a CA bundle');
  t.same(open(goodPem, { caPem: signer.pem }), spec, 'the signer certificate itself pinned');
});

t.test('a tampered payload or signature is refused', async (t) => {
  const tampered = tamper(goodPem, 'my-bucket', 'my-bucke7');
  t.throws(() => open(tampered), { code: 'SPEC_SIGNATURE_INVALID', message: /^PKCS7 signature verification failed: .*content digest/ });
  const noAttrs = sign(SPEC_JSON, signer, { attributes: false });
  t.throws(() => open(tamper(noAttrs, 'my-bucket', 'evil-buck')), { code: 'SPEC_SIGNATURE_INVALID', message: /^PKCS7 signature verification failed: the signature does not verify/ });
  // flip a byte of the signature (the last OCTET STRING's end: the message ends with the signature)
  const der = derOf(goodPem);
  der.writeUInt8(der.readUInt8(der.length - 5) ^ 0x01, der.length - 5);
  t.throws(() => open(pemOf(der)), { code: 'SPEC_SIGNATURE_INVALID', message: /signature does not verify/ });
  // a forged signer: same subject and serial, other key
  const impostor = issue('codedeploy-signer-eu-west-1.amazonaws.com', otherRoot, { keys: OTHER_KEY });
  const mixed = sign(SPEC_JSON, impostor, { embedSigner: false, extraCerts: [signer] });
  t.throws(() => open(mixed), { code: 'SPEC_SIGNATURE_INVALID', message: /not embedded/ });
  t.throws(() => open(sign(SPEC_JSON, signer, { embedSigner: false })), { code: 'SPEC_SIGNATURE_INVALID', message: /signer certificate is not embedded/ });
});

t.test('CA pinning: another CA, intermediates, expired certificates', async (t) => {
  const foreign = sign(SPEC_JSON, issue('codedeploy-signer-eu-west-1.amazonaws.com', otherRoot));
  t.ok(open(foreign), 'without a CA only the signature counts (official NOVERIFY)');
  t.throws(() => open(foreign, { caPem: root.pem }), { code: 'SPEC_SIGNATURE_INVALID', message: /^PKCS7 signer is not trusted: the signer certificate is not issued by a trusted CA/ });

  const intermediate = issue('Throwaway Intermediate', root, { ca: true });
  const leaf = issue('codedeploy-signer-eu-west-1.amazonaws.com', intermediate);
  t.ok(open(sign(SPEC_JSON, leaf, { extraCerts: [intermediate] }), { caPem: root.pem }), 'chain through an embedded intermediate');
  t.throws(() => open(sign(SPEC_JSON, leaf), { caPem: root.pem }), { code: 'SPEC_SIGNATURE_INVALID', message: /not issued by a trusted CA/ }, 'intermediate missing');
  const notCa = issue('Not A CA', root, { ca: false });
  const underNotCa = issue('codedeploy-signer-eu-west-1.amazonaws.com', notCa);
  t.throws(() => open(sign(SPEC_JSON, underNotCa, { extraCerts: [notCa] }), { caPem: root.pem }), { code: 'SPEC_SIGNATURE_INVALID' }, 'an intermediate must be a CA');

  const expired = issue('codedeploy-signer-eu-west-1.amazonaws.com', root, { notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) });
  const expiredPem = sign(SPEC_JSON, expired);
  t.throws(() => open(expiredPem, { caPem: root.pem }), { code: 'SPEC_SIGNATURE_INVALID', message: /is not valid at/ });
  t.ok(open(expiredPem, { caPem: root.pem, now: new Date(Date.now() - 10 * DAY) }), 'valid at an earlier time');
  const future = issue('codedeploy-signer-eu-west-1.amazonaws.com', root, { notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 9 * DAY) });
  t.throws(() => open(sign(SPEC_JSON, future), { caPem: root.pem }), { code: 'SPEC_SIGNATURE_INVALID', message: /is not valid at/ });
  const expiredRoot = issue('Expired Root', undefined, { ca: true, notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) });
  const underExpiredRoot = issue('codedeploy-signer-eu-west-1.amazonaws.com', expiredRoot);
  t.throws(() => open(sign(SPEC_JSON, underExpiredRoot), { caPem: expiredRoot.pem }), { code: 'SPEC_SIGNATURE_INVALID', message: /trusted certificate .* is not valid/ });
  t.throws(() => open(goodPem, { caPem: 'not a pem' }), { code: 'CONFIG_INVALID', message: /CA could not be read/ });
});

t.test('signer subject pinning', async (t) => {
  t.throws(() => open(goodPem, { signerSubject: officialSignerSubject('us-east-1') }), {
    code: 'SPEC_SIGNATURE_INVALID',
    message: 'PKCS7 signer is not trusted: the signer CN codedeploy-signer-eu-west-1.amazonaws.com does not match /^codedeploy-signer-us-east-1\\.amazonaws\\.com$/',
  });
  const global = /^codedeploy-signer-[a-z0-9-]+\.amazonaws\.com$/g;
  t.ok(open(goodPem, { signerSubject: global }));
  t.ok(open(goodPem, { signerSubject: global }), 'a /g pattern keeps no state between calls');
  const sneaky = sign(SPEC_JSON, issue('codedeploy-signer-eu-west-1.amazonaws.com.evil.example', root));
  t.throws(() => open(sneaky, { signerSubject: officialSignerSubject('eu-west-1') }), { code: 'SPEC_SIGNATURE_INVALID', message: /does not match/ });
});

t.test('envelope checks and unsigned formats', async (t) => {
  const text = (format: string, payload = SPEC_JSON): DeploymentSpecificationResult => ({ deploymentSystem: 'CodeDeploy', envelope: { format, payload } });
  t.throws(() => openDeploymentSpec({ deploymentSystem: 'Apollo', envelope: { format: 'PKCS7/JSON', payload: goodPem } }, { developerMode: true }), {
    code: 'SPEC_INVALID',
    message: 'Deployment System mismatch: CodeDeploy != Apollo',
  });
  t.throws(() => openDeploymentSpec({ deploymentSystem: 'CodeDeploy', envelope: undefined }, { developerMode: true }), { code: 'SPEC_INVALID', message: 'Deployment Specification missing' });
  t.throws(() => openDeploymentSpec(text('TEXT/JSON'), { developerMode: false }), { code: 'SPEC_INVALID', message: 'Unsupported DeploymentSpecification format: TEXT/JSON' });
  t.throws(() => openDeploymentSpec(text('JSON'), { developerMode: false }), { code: 'SPEC_INVALID', message: 'Unsupported DeploymentSpecification format: JSON' });
  t.equal(openDeploymentSpec(text('TEXT/JSON'), { developerMode: true }).deploymentId, 'd-7XHJ2K9QB');
  t.equal(openDeploymentSpec(text('JSON'), { developerMode: true }).applicationName, 'sensor-app');
  t.throws(() => openDeploymentSpec(text('YAML'), { developerMode: true }), { code: 'SPEC_INVALID', message: 'Unsupported DeploymentSpecification format: YAML' });
  t.throws(() => openDeploymentSpec(text(''), { developerMode: true }), { code: 'SPEC_INVALID', message: 'Unsupported DeploymentSpecification format: ' });
  t.throws(() => openDeploymentSpec(text('TEXT/JSON', '{nope'), { developerMode: true }), { code: 'SPEC_INVALID', message: /^The deployment spec is not valid JSON/ });
  t.throws(() => openDeploymentSpec(text('TEXT/JSON', '{"DeploymentId":"d-1"}'), { developerMode: true }), { code: 'SPEC_INVALID', message: 'Deployment Spec has no DeploymentGroupId' });
});

t.test('garbage PKCS7 is a parse error', async (t) => {
  t.throws(() => open(SPEC_JSON), { code: 'SPEC_INVALID', message: /^Could not parse the PKCS7: / }, 'plain JSON');
  t.throws(() => open(''), { code: 'SPEC_INVALID', message: /^Could not parse the PKCS7: / });
  t.throws(() => open('AAAA'), { code: 'SPEC_INVALID', message: /^Could not parse the PKCS7: / }, 'base64 of junk');
  t.throws(() => open(root.pem), { code: 'SPEC_INVALID', message: 'Could not parse the PKCS7: no PKCS7 PEM block' });
  t.throws(() => open(pemOf(derOf(goodPem).subarray(0, 200))), { code: 'SPEC_INVALID', message: /^Could not parse the PKCS7: / }, 'truncated');
  t.throws(() => open(pemOf(Buffer.concat([derOf(goodPem), Buffer.from([0])]))), { code: 'SPEC_INVALID', message: /^Could not parse the PKCS7: / }, 'trailing bytes');
  t.throws(() => open(sign(SPEC_JSON, signer, { detached: true })), { code: 'SPEC_INVALID', message: /detached/ });
  t.throws(() => open(sign('not json', signer)), { code: 'SPEC_INVALID', message: /^The deployment spec is not valid JSON/ });
  t.throws(() => open(sign('{"DeploymentGroupId":"g"}', signer)), { code: 'SPEC_INVALID', message: 'Deployment Spec has no DeploymentId' });
});

t.test('specs signed by the sandbox CA verify against its CA', async (t) => {
  const ca = await createSigningCa();
  const pem = ca.signJson(SPEC_JSON, 'us-east-1');
  t.equal(open(pem, { caPem: ca.caPem, signerSubject: officialSignerSubject('us-east-1') }).deploymentId, 'd-7XHJ2K9QB');
  t.throws(() => open(pem, { caPem: root.pem }), { code: 'SPEC_SIGNATURE_INVALID' });
});

t.test('property: a one-byte change is refused with a coded error or leaves the spec as signed', async (t) => {
  const der = derOf(goodPem);
  const original = open(goodPem, { caPem: root.pem });
  fc.assert(
    fc.property(fc.nat({ max: der.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
      const mutated = Buffer.from(der);
      mutated.writeUInt8(mutated.readUInt8(at) ^ xor, at);
      try {
        // accepted only when the byte was outside what is signed and checked (e.g. SignedData.digestAlgorithms)
        return JSON.stringify(open(mutated.toString('base64'), { caPem: root.pem })) === JSON.stringify(original);
      } catch (e) {
        return isEdgeError(e, 'SPEC_INVALID') || isEdgeError(e, 'SPEC_SIGNATURE_INVALID');
      }
    }),
    { numRuns: 400 },
  );
  t.pass('400 mutations');
});
