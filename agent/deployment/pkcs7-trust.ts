// Optional pinning of the deployment-spec signer (config spec_ca_file / a subject pattern): the
// signer certificate must chain, through certificates embedded in the message, to one of the
// trusted certificates, every certificate on the way valid at the time of the check; and its
// commonName must match a pattern. The official agent skips both (its bundled chain expired). Pure.
import { X509Certificate } from 'node:crypto';
import type { Pkcs7Certificate } from './pkcs7-signed-data.js';

const MAX_CHAIN = 6;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM bundle; throws when there is none or one is invalid. */
export function parseCertificateBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new Error('the CA PEM holds no certificate');
  return blocks.map((block) => new X509Certificate(block));
}

function validAt(cert: X509Certificate, at: Date): boolean {
  return new Date(cert.validFrom).getTime() <= at.getTime() && at.getTime() <= new Date(cert.validTo).getTime();
}

const describe = (cert: X509Certificate): string => cert.subject.replace(/\n/g, ', ');

function issued(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

/**
 * Why `signer` does not chain to one of `anchors` at `at` (through CA certificates among
 * `embedded`), or undefined when it does. A trusted certificate may also be the signer itself.
 */
export function chainProblem(signer: X509Certificate, embedded: readonly X509Certificate[], anchors: readonly X509Certificate[], at: Date): string | undefined {
  const visited = new Set<string>();
  let current = signer;
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    if (!validAt(current, at)) {
      return `certificate ${describe(current)} is not valid at ${at.toISOString()} (valid ${current.validFrom} to ${current.validTo})`;
    }
    if (anchors.some((a) => a.fingerprint256 === current.fingerprint256)) return undefined;
    const anchor = anchors.find((a) => issued(current, a));
    if (anchor) {
      return validAt(anchor, at) ? undefined : `the trusted certificate ${describe(anchor)} is not valid at ${at.toISOString()}`;
    }
    visited.add(current.fingerprint256);
    const parent = embedded.find((c) => c.ca && !visited.has(c.fingerprint256) && issued(current, c));
    if (!parent) return `${depth === 0 ? 'the signer certificate' : `certificate ${describe(current)}`} is not issued by a trusted CA`;
    current = parent;
  }
  return 'the certificate chain is too long';
}

/** Why the signer's commonName does not match `pattern`, or undefined when it does. */
export function subjectProblem(signer: Pkcs7Certificate, pattern: RegExp): string | undefined {
  const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')); // no lastIndex state
  const [cn, ...more] = signer.commonNames;
  if (cn === undefined) return `the signer certificate has no CN (expected ${String(pattern)})`;
  if (more.length > 0) return `the signer certificate has several CNs (${signer.commonNames.join(', ')})`;
  return re.test(cn) ? undefined : `the signer CN ${cn} does not match ${String(pattern)}`;
}

/** The signer CN the official agent's test certificates use: codedeploy-signer-<region>.amazonaws.com. */
export function officialSignerSubject(region: string): RegExp {
  return new RegExp(`^codedeploy-signer-${region.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.amazonaws\\.com$`);
}
