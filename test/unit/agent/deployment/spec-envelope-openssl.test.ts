// Interoperability: PKCS7/JSON specs signed by the openssl CLI (smime and cms, RSA and ECDSA, the
// official test helper's RSA-1024/SHA-1 shape, an intermediate CA) verify; tampering is refused.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { openDeploymentSpec, type OpenDeploymentSpecOptions } from '../../../../agent/deployment/spec-envelope.js';

process.env['OPENSSL_CONF'] ??= '/dev/null'; // a distro config must not change what the CLI emits

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const SPEC = JSON.stringify({
  DeploymentId: 'd-OPENSSL01',
  DeploymentGroupId: 'g-1',
  DeploymentGroupName: 'lab',
  ApplicationName: 'app',
  Revision: { RevisionType: 'S3', S3Revision: { Bucket: 'bucket-1', Key: 'k.zip', BundleType: 'zip' } },
});

const open = (payload: string, opts: Partial<OpenDeploymentSpecOptions> = {}) =>
  openDeploymentSpec({ deploymentSystem: 'CodeDeploy', envelope: { format: 'PKCS7/JSON', payload } }, { developerMode: false, ...opts });

t.test('openssl-signed specs (the openssl CLI is required; .ci/run installs it)', async (t) => {
  t.ok(hasOpenssl(), 'openssl is installed');
  const dir = t.testdir({
    'spec.json': SPEC,
    'ca.ext': 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n',
    'leaf.ext': 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n',
  });
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  let serial = 100;
  const RSA = (bits: number): string[] => ['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`];
  const cert = (name: string, keyArgs: string[], cn: string, issuer: string, ext: string, md = 'sha256'): void => {
    ssl(...keyArgs, '-out', `${name}.key`);
    ssl('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-set_serial', String(++serial), `-${md}`, '-days', '30', '-extfile', ext, '-out', `${name}.pem`);
  };
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'root.key', '-subj', '/CN=OpenSSL Root', '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign', '-out', 'root.pem');
  cert('inter', RSA(2048), 'OpenSSL Intermediate', 'root', 'ca.ext');
  cert('rsa', RSA(2048), 'codedeploy-signer-us-east-1.amazonaws.com', 'inter', 'leaf.ext');
  cert('ec', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'codedeploy-signer-us-east-1.amazonaws.com', 'root', 'leaf.ext');
  cert('legacy', RSA(1024), 'codedeploy-signer-us-east-1.amazonaws.com', 'root', 'leaf.ext', 'sha1');
  const rootPem = readFileSync(join(dir, 'root.pem'), 'utf8');
  const signed = (tool: 'smime' | 'cms', signer: string, extra: string[] = [], md = 'sha256'): string => {
    const out = `${signer}-${tool}-${md}-${extra.length}.p7`;
    ssl(tool, '-sign', '-in', 'spec.json', '-signer', `${signer}.pem`, '-inkey', `${signer}.key`, '-nodetach', '-binary', '-md', md, '-outform', 'PEM', '-out', out, ...extra);
    return readFileSync(join(dir, out), 'utf8');
  };

  const pinned = { caPem: rootPem, signerSubject: /^codedeploy-signer-us-east-1\.amazonaws\.com$/ };
  const viaIntermediate = signed('smime', 'rsa', ['-certfile', 'inter.pem']);
  t.equal(open(viaIntermediate, pinned).deploymentId, 'd-OPENSSL01', 'smime, RSA, intermediate embedded');
  t.equal(open(signed('cms', 'rsa', ['-certfile', 'inter.pem']), pinned).deploymentId, 'd-OPENSSL01', 'cms (-----BEGIN CMS-----)');
  t.equal(open(signed('cms', 'ec'), pinned).deploymentId, 'd-OPENSSL01', 'ECDSA P-256');
  t.equal(open(signed('smime', 'ec', ['-noattr'])).deploymentId, 'd-OPENSSL01', 'ECDSA without signed attributes');
  t.throws(() => open(signed('smime', 'rsa'), pinned), { code: 'SPEC_SIGNATURE_INVALID', message: /not issued by a trusted CA/ }, 'intermediate not embedded');
  try {
    t.equal(open(signed('smime', 'legacy', [], 'sha1'), pinned).deploymentId, 'd-OPENSSL01', 'RSA-1024/SHA-1 like the official test helper');
  } catch (e) {
    // some distributions' OpenSSL refuse SHA-1 signatures; the refusal must then be a clear one
    t.match(e, { code: 'SPEC_SIGNATURE_INVALID' }, `SHA-1 refused by this OpenSSL: ${(e as Error).message}`);
  }

  const der = Buffer.from(viaIntermediate.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const at = der.indexOf(Buffer.from('bucket-1'));
  der[at + 7] = '2'.charCodeAt(0);
  t.throws(() => open(der.toString('base64')), { code: 'SPEC_SIGNATURE_INVALID', message: /content digest does not match/ }, 'tampered content');

  t.throws(() => open(signed('cms', 'rsa', ['-keyid'])), { code: 'SPEC_INVALID', message: /^Could not parse the PKCS7: unsupported SignerIdentifier/ }, 'subjectKeyIdentifier signers are refused clearly');
  writeFileSync(join(dir, 'bundle.pem'), readFileSync(join(dir, 'inter.pem'), 'utf8'));
  t.equal(open(signed('smime', 'rsa'), { caPem: readFileSync(join(dir, 'bundle.pem'), 'utf8') }).deploymentId, 'd-OPENSSL01', 'an intermediate as the trust anchor');
});
