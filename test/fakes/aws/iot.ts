// Fake AWS IoT for one account and region: things, thing groups, policies, role aliases, certificates
// (a certificate must be INACTIVE and detached before it is deleted, as IoT requires), principal and
// policy attachments, and device shadows (the data plane reads them; tests put them).
import { createHash } from 'node:crypto';
import type { IotDataPort, IotEndpointType, IotPort, Page } from '../../../controller/aws/ports.js';
import { failer } from './errors.js';

const fail = failer('iot');
const PAGE = 25;

function page<T>(all: readonly T[], nextToken: string | undefined): Page<T> {
  const start = nextToken ? Number(nextToken) : 0;
  const items = all.slice(start, start + PAGE);
  return { items, ...(start + PAGE < all.length ? { nextToken: String(start + PAGE) } : {}) };
}

interface Certificate {
  readonly arn: string;
  status: 'ACTIVE' | 'INACTIVE' | 'REVOKED';
}

export class FakeIot implements IotPort {
  readonly things = new Map<string, { groups: Set<string>; principals: Set<string> }>();
  readonly groups = new Set<string>();
  readonly policies = new Map<string, { document: string; targets: Set<string> }>();
  readonly roleAliases = new Map<string, string>();
  readonly certificates = new Map<string, Certificate>();
  readonly shadows = new Map<string, Record<string, unknown>>();
  private certCount = 0;

  constructor(private readonly opts: { account: string; region: string }) {}

  private thing(operation: string, thingName: string): { groups: Set<string>; principals: Set<string> } {
    const t = this.things.get(thingName);
    if (!t) return fail(operation, 'ResourceNotFoundException', 404, `Thing ${thingName} cannot be found.`);
    return t;
  }

  private certificate(operation: string, id: string): Certificate {
    const c = this.certificates.get(id);
    if (!c) return fail(operation, 'ResourceNotFoundException', 404, `The certificate ${id} does not exist.`);
    return c;
  }

  async describeEndpoint(endpointType: IotEndpointType) {
    const prefix = createHash('sha256').update(this.opts.account).digest('hex').slice(0, 14);
    if (endpointType === 'iot:Data-ATS') return `${prefix}-ats.iot.${this.opts.region}.amazonaws.com`;
    if (endpointType === 'iot:CredentialProvider') return `${prefix}.credentials.iot.${this.opts.region}.amazonaws.com`;
    return `${prefix}.jobs.iot.${this.opts.region}.amazonaws.com`;
  }

  async describeRoleAlias(roleAlias: string) {
    const roleArn = this.roleAliases.get(roleAlias);
    if (!roleArn) return fail('DescribeRoleAlias', 'ResourceNotFoundException', 404, `Role alias ${roleAlias} does not exist`);
    return { roleArn };
  }

  async createRoleAlias(input: { roleAlias: string; roleArn: string }) {
    if (this.roleAliases.has(input.roleAlias)) fail('CreateRoleAlias', 'ResourceAlreadyExistsException', 409, `Role alias ${input.roleAlias} already exists`);
    this.roleAliases.set(input.roleAlias, input.roleArn);
  }

  async getPolicy(policyName: string) {
    const p = this.policies.get(policyName);
    if (!p) return fail('GetPolicy', 'ResourceNotFoundException', 404, `Policy ${policyName} does not exist`);
    return { document: p.document };
  }

  async createPolicy(policyName: string, policyDocument: string) {
    if (this.policies.has(policyName)) fail('CreatePolicy', 'ResourceAlreadyExistsException', 409, `Policy ${policyName} already exists`);
    this.policies.set(policyName, { document: policyDocument, targets: new Set() });
  }

  async describeThingGroup(thingGroupName: string) {
    if (!this.groups.has(thingGroupName)) fail('DescribeThingGroup', 'ResourceNotFoundException', 404, `Thing group ${thingGroupName} does not exist`);
    return { arn: `arn:aws:iot:${this.opts.region}:${this.opts.account}:thinggroup/${thingGroupName}` };
  }

  /** Idempotent, as IoT is for an identical group. */
  async createThingGroup(thingGroupName: string) {
    this.groups.add(thingGroupName);
  }

  async describeThing(thingName: string) {
    this.thing('DescribeThing', thingName);
    return { thingName, thingArn: `arn:aws:iot:${this.opts.region}:${this.opts.account}:thing/${thingName}` };
  }

  /** Idempotent, as IoT is for an identical thing. */
  async createThing(thingName: string) {
    if (!/^[a-zA-Z0-9:_-]{1,128}$/.test(thingName)) fail('CreateThing', 'InvalidRequestException', 400, `Invalid thing name ${thingName}`);
    if (!this.things.has(thingName)) this.things.set(thingName, { groups: new Set(), principals: new Set() });
  }

  /** Deleting a thing that does not exist succeeds, as in IoT. */
  async deleteThing(thingName: string) {
    this.things.delete(thingName);
    this.shadows.delete(thingName);
  }

  async listThingPrincipals(input: { thingName: string; nextToken?: string }) {
    return page([...this.thing('ListThingPrincipals', input.thingName).principals].sort(), input.nextToken);
  }

  async listThingGroupsForThing(input: { thingName: string; nextToken?: string }) {
    return page([...this.thing('ListThingGroupsForThing', input.thingName).groups].sort(), input.nextToken);
  }

  async addThingToThingGroup(thingName: string, thingGroupName: string) {
    const t = this.thing('AddThingToThingGroup', thingName);
    if (!this.groups.has(thingGroupName)) fail('AddThingToThingGroup', 'ResourceNotFoundException', 404, `Thing group ${thingGroupName} does not exist`);
    t.groups.add(thingGroupName);
  }

  async createKeysAndCertificate(setAsActive: boolean) {
    const n = ++this.certCount;
    const certificateId = createHash('sha256').update(`${this.opts.account}/${n}`).digest('hex');
    const certificateArn = `arn:aws:iot:${this.opts.region}:${this.opts.account}:cert/${certificateId}`;
    this.certificates.set(certificateId, { arn: certificateArn, status: setAsActive ? 'ACTIVE' : 'INACTIVE' });
    const pem = (label: string): string => `-----BEGIN ${label}-----\nZmFrZS0${n}\n-----END ${label}-----\n`;
    return { certificateArn, certificateId, certificatePem: pem('CERTIFICATE'), privateKey: pem('RSA PRIVATE KEY') };
  }

  async attachPolicy(policyName: string, target: string) {
    const p = this.policies.get(policyName);
    if (!p) return fail('AttachPolicy', 'ResourceNotFoundException', 404, `Policy ${policyName} does not exist`);
    p.targets.add(target);
  }

  async detachPolicy(policyName: string, target: string) {
    const p = this.policies.get(policyName);
    if (!p) return fail('DetachPolicy', 'ResourceNotFoundException', 404, `Policy ${policyName} does not exist`);
    p.targets.delete(target);
  }

  async attachThingPrincipal(thingName: string, principal: string) {
    const t = this.thing('AttachThingPrincipal', thingName);
    if (![...this.certificates.values()].some((c) => c.arn === principal)) fail('AttachThingPrincipal', 'ResourceNotFoundException', 404, `${principal} does not exist`);
    t.principals.add(principal);
  }

  async detachThingPrincipal(thingName: string, principal: string) {
    this.thing('DetachThingPrincipal', thingName).principals.delete(principal);
  }

  async updateCertificate(certificateId: string, newStatus: 'ACTIVE' | 'INACTIVE' | 'REVOKED') {
    this.certificate('UpdateCertificate', certificateId).status = newStatus;
  }

  async deleteCertificate(certificateId: string) {
    const c = this.certificate('DeleteCertificate', certificateId);
    if (c.status === 'ACTIVE') fail('DeleteCertificate', 'CertificateStateException', 406, 'Certificate must be deactivated (not ACTIVE) before deletion.');
    const attached = [...this.things.values()].some((t) => t.principals.has(c.arn)) || [...this.policies.values()].some((p) => p.targets.has(c.arn));
    if (attached) fail('DeleteCertificate', 'DeleteConflictException', 409, 'Things or policies are still attached to the certificate.');
    this.certificates.delete(certificateId);
  }
}

export class FakeIotData implements IotDataPort {
  constructor(private readonly iot: FakeIot) {}

  async getThingShadow(thingName: string, shadowName?: string): Promise<Record<string, unknown>> {
    const doc = this.iot.shadows.get(shadowName ? `${thingName}/${shadowName}` : thingName);
    if (!doc) {
      const message = `No shadow exists with name: '${shadowName ? `${thingName}~${shadowName}` : thingName}'`;
      return failer('iotdata')('GetThingShadow', 'ResourceNotFoundException', 404, message);
    }
    return doc;
  }
}
