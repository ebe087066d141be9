// Certificates and thing principals: CreateKeysAndCertificate (signed by the sandbox IoT CA),
// DescribeCertificate, UpdateCertificate, DeleteCertificate (refused while ACTIVE or attached, as
// AWS), ListCertificates; AttachThingPrincipal, DetachThingPrincipal, ListThingPrincipals,
// ListPrincipalThings.
import { randomBytes, X509Certificate } from 'node:crypto';
import { certificateIdOf } from './iot-ca.js';
import {
  certificateState,
  checkName,
  deleteConflict,
  entry,
  epochSeconds,
  invalidRequest,
  iotArn,
  notFound,
  page,
  queryInt,
  requireThing,
  setEntry,
  type CertificateState,
  type IotCall,
  type IotRoute,
} from './iot-state.js';
import { thingArn } from './things.js';
import type { CertificateStatus, IotCa } from './types.js';

export const certificateArn = (call: Pick<IotCall, 'region' | 'accountId'>, id: string): string => iotArn(call.region, call.accountId, `cert/${id}`);
const generationId = (): string => randomBytes(32).toString('hex');
const SETTABLE_STATUS: readonly CertificateStatus[] = ['ACTIVE', 'INACTIVE', 'REVOKED'];

function requireCertificate(call: IotCall, id: string): CertificateState {
  checkName('certificateId', 'certificateId', id);
  const cert = entry(call.state.certificates, id.toLowerCase());
  if (!cert) throw notFound(`The certificate ${id} does not exist`);
  return cert;
}

async function createKeysAndCertificate(call: IotCall, ca: IotCa): Promise<unknown> {
  const issued = await ca.issueDeviceCertificate();
  const x509 = new X509Certificate(issued.certificatePem);
  const id = certificateIdOf(issued.certificatePem);
  const cert: CertificateState = {
    certificateId: id,
    status: call.query.get('setAsActive') === 'true' ? 'ACTIVE' : 'INACTIVE',
    certificatePem: issued.certificatePem,
    creationDate: call.now,
    lastModifiedDate: call.now,
    customerVersion: 1,
    generationId: generationId(),
    notBefore: Date.parse(x509.validFrom),
    notAfter: Date.parse(x509.validTo),
  };
  setEntry(call.state.certificates, id, cert);
  return {
    certificateArn: certificateArn(call, id),
    certificateId: id,
    certificatePem: issued.certificatePem,
    keyPair: { PublicKey: issued.publicKeyPem, PrivateKey: issued.privateKeyPem },
  };
}

function describeCertificate(call: IotCall): unknown {
  const cert = requireCertificate(call, call.labels[0]!);
  return {
    certificateDescription: {
      certificateArn: certificateArn(call, cert.certificateId),
      certificateId: cert.certificateId,
      status: cert.status,
      certificatePem: cert.certificatePem,
      ownedBy: call.accountId,
      creationDate: epochSeconds(cert.creationDate),
      lastModifiedDate: epochSeconds(cert.lastModifiedDate),
      customerVersion: cert.customerVersion,
      transferData: {},
      generationId: cert.generationId,
      validity: { notBefore: epochSeconds(cert.notBefore), notAfter: epochSeconds(cert.notAfter) },
      certificateMode: 'DEFAULT',
    },
  };
}

function updateCertificate(call: IotCall): unknown {
  const cert = requireCertificate(call, call.labels[0]!);
  const status = call.query.get('newStatus') as CertificateStatus | null;
  if (status === null || !SETTABLE_STATUS.includes(status)) {
    throw invalidRequest(`newStatus ${status ?? '(missing)'} cannot be set: use one of ${SETTABLE_STATUS.join(', ')}`);
  }
  if (cert.status === 'REVOKED' && status !== 'REVOKED') throw certificateState('The certificate is revoked; a revoked certificate cannot change status');
  if (cert.status !== status) {
    cert.status = status;
    cert.lastModifiedDate = call.now;
    cert.customerVersion += 1;
    cert.generationId = generationId();
  }
  return undefined;
}

function deleteCertificate(call: IotCall): unknown {
  const cert = requireCertificate(call, call.labels[0]!);
  const arn = certificateArn(call, cert.certificateId);
  if (cert.status === 'ACTIVE') throw certificateState('Certificate must be deactivated (not ACTIVE) before deletion: UpdateCertificate newStatus=INACTIVE first');
  const thing = Object.values(call.state.things).find((t) => t.principals.some((p) => p.arn === arn));
  if (thing) throw deleteConflict(`Things must be detached before deletion (arn: ${thingArn(call, thing.thingName)})`);
  const policies = Object.values(call.state.policies).filter((p) => p.targets.includes(arn));
  if (policies.length > 0 && call.query.get('forceDelete') !== 'true') {
    throw deleteConflict(`Certificate policies must be detached before deletion (arn: ${iotArn(call.region, call.accountId, `policy/${policies[0]!.policyName}`)})`);
  }
  for (const p of policies) p.targets = p.targets.filter((t) => t !== arn);
  delete call.state.certificates[cert.certificateId];
  return undefined;
}

function listCertificates(call: IotCall): unknown {
  const ascending = call.query.get('isAscendingOrder') === 'true';
  const certs = Object.values(call.state.certificates).sort((a, b) => {
    const d = a.creationDate - b.creationDate || (a.certificateId < b.certificateId ? -1 : 1);
    return ascending ? d : -d;
  });
  const p = page(certs, (c) => c.certificateId, call.query.get('marker'), queryInt(call.query, 'pageSize', 1, 250) ?? 25);
  return {
    certificates: p.items.map((c) => ({
      certificateArn: certificateArn(call, c.certificateId),
      certificateId: c.certificateId,
      status: c.status,
      certificateMode: 'DEFAULT',
      creationDate: epochSeconds(c.creationDate),
    })),
    nextMarker: p.next,
  };
}

/** The x-amzn-principal header; a certificate ARN of this account and region must name a certificate. */
function principalOf(call: IotCall): string {
  const principal = call.headers['x-amzn-principal'];
  if (principal === undefined || principal === '') throw invalidRequest('The principal (x-amzn-principal header) is missing');
  const certPrefix = certificateArn(call, '');
  if (principal.startsWith(certPrefix)) requireCertificate(call, principal.slice(certPrefix.length));
  return principal;
}

function attachThingPrincipal(call: IotCall): unknown {
  const thing = requireThing(call, call.labels[0]!);
  const principal = principalOf(call);
  const type = call.query.get('thingPrincipalType') ?? 'NON_EXCLUSIVE_THING';
  if (type !== 'EXCLUSIVE_THING' && type !== 'NON_EXCLUSIVE_THING') throw invalidRequest(`thingPrincipalType ${type} is invalid: use EXCLUSIVE_THING or NON_EXCLUSIVE_THING`);
  const others = Object.values(call.state.things).filter((t) => t !== thing && t.principals.some((p) => p.arn === principal));
  const exclusiveElsewhere = others.find((t) => t.principals.some((p) => p.arn === principal && p.type === 'EXCLUSIVE_THING'));
  if (exclusiveElsewhere) throw invalidRequest(`The principal is exclusively attached to thing ${exclusiveElsewhere.thingName}: detach it there first`);
  if (type === 'EXCLUSIVE_THING' && others.length > 0) throw invalidRequest(`The principal is already attached to thing ${others[0]!.thingName}; it cannot be attached exclusively`);
  const existing = thing.principals.find((p) => p.arn === principal);
  if (existing) existing.type = type;
  else thing.principals.push({ arn: principal, type });
  return {};
}

function detachThingPrincipal(call: IotCall): unknown {
  const thing = requireThing(call, call.labels[0]!);
  const principal = call.headers['x-amzn-principal'] ?? '';
  thing.principals = thing.principals.filter((p) => p.arn !== principal);
  return {};
}

function listThingPrincipals(call: IotCall): unknown {
  const thing = requireThing(call, call.labels[0]!);
  const arns = thing.principals.map((p) => p.arn);
  const p = page(arns, (a) => a, call.query.get('nextToken'), queryInt(call.query, 'maxResults', 1, 250) ?? 25);
  return { principals: p.items, nextToken: p.next };
}

function listPrincipalThings(call: IotCall): unknown {
  const principal = principalOf(call);
  const names = Object.values(call.state.things)
    .filter((t) => t.principals.some((p) => p.arn === principal))
    .map((t) => t.thingName)
    .sort();
  const p = page(names, (n) => n, call.query.get('nextToken'), queryInt(call.query, 'maxResults', 1, 250) ?? 25);
  return { things: p.items, nextToken: p.next };
}

const CERT = /^\/certificates\/([^/]+)$/;
const PRINCIPALS = /^\/things\/([^/]+)\/principals$/;

export function certificateRoutes(ca: IotCa): readonly IotRoute[] {
  return [
    { method: 'POST', path: /^\/keys-and-certificate$/, operation: 'CreateKeysAndCertificate', run: (call) => createKeysAndCertificate(call, ca), mutates: true },
    { method: 'GET', path: /^\/certificates$/, operation: 'ListCertificates', run: listCertificates },
    { method: 'GET', path: CERT, operation: 'DescribeCertificate', run: describeCertificate },
    { method: 'PUT', path: CERT, operation: 'UpdateCertificate', run: updateCertificate, mutates: true },
    { method: 'DELETE', path: CERT, operation: 'DeleteCertificate', run: deleteCertificate, mutates: true },
    { method: 'PUT', path: PRINCIPALS, operation: 'AttachThingPrincipal', run: attachThingPrincipal, mutates: true },
    { method: 'DELETE', path: PRINCIPALS, operation: 'DetachThingPrincipal', run: detachThingPrincipal, mutates: true },
    { method: 'GET', path: PRINCIPALS, operation: 'ListThingPrincipals', run: listThingPrincipals },
    { method: 'GET', path: /^\/principals\/things$/, operation: 'ListPrincipalThings', run: listPrincipalThings },
  ];
}
