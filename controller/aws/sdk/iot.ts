// IotPort over @aws-sdk/client-iot.
import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateRoleAliasCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DeleteCertificateCommand,
  DeleteThingCommand,
  DescribeEndpointCommand,
  DescribeRoleAliasCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  GetPolicyCommand,
  ListThingGroupsForThingCommand,
  ListThingPrincipalsCommand,
  UpdateCertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { EdgeError } from '../../../shared/errors.js';
import { sdkCall } from '../sdk-errors.js';
import type { IotPort } from '../ports.js';

const call = <T>(operation: string, run: () => Promise<T>): Promise<T> => sdkCall({ service: 'iot', operation }, run);
const token = (t: string | undefined): { nextToken?: string } => (t ? { nextToken: t } : {});
const incomplete = (operation: string, what: string): EdgeError =>
  new EdgeError('AWS_SERVICE_ERROR', `iot ${operation} returned no ${what}`, { details: { service: 'iot', operation } });

export function iotAdapter(client: IoTClient): IotPort {
  return {
    async describeEndpoint(endpointType) {
      const r = await call('DescribeEndpoint', () => client.send(new DescribeEndpointCommand({ endpointType })));
      if (!r.endpointAddress) throw incomplete('DescribeEndpoint', `${endpointType} address`);
      return r.endpointAddress;
    },
    async describeRoleAlias(roleAlias) {
      const r = await call('DescribeRoleAlias', () => client.send(new DescribeRoleAliasCommand({ roleAlias })));
      const roleArn = r.roleAliasDescription?.roleArn;
      if (!roleArn) throw incomplete('DescribeRoleAlias', 'role ARN');
      return { roleArn };
    },
    async createRoleAlias(input) {
      await call('CreateRoleAlias', () => client.send(new CreateRoleAliasCommand({ roleAlias: input.roleAlias, roleArn: input.roleArn })));
    },
    async getPolicy(policyName) {
      const r = await call('GetPolicy', () => client.send(new GetPolicyCommand({ policyName })));
      return { document: r.policyDocument ?? '' };
    },
    async createPolicy(policyName, policyDocument) {
      await call('CreatePolicy', () => client.send(new CreatePolicyCommand({ policyName, policyDocument })));
    },
    async describeThingGroup(thingGroupName) {
      const r = await call('DescribeThingGroup', () => client.send(new DescribeThingGroupCommand({ thingGroupName })));
      return r.thingGroupArn ? { arn: r.thingGroupArn } : {};
    },
    async createThingGroup(thingGroupName) {
      await call('CreateThingGroup', () => client.send(new CreateThingGroupCommand({ thingGroupName })));
    },
    async describeThing(thingName) {
      const r = await call('DescribeThing', () => client.send(new DescribeThingCommand({ thingName })));
      return { thingName: r.thingName ?? thingName, ...(r.thingArn ? { thingArn: r.thingArn } : {}) };
    },
    async createThing(thingName) {
      await call('CreateThing', () => client.send(new CreateThingCommand({ thingName })));
    },
    async deleteThing(thingName) {
      await call('DeleteThing', () => client.send(new DeleteThingCommand({ thingName })));
    },
    async listThingPrincipals(input) {
      const command = new ListThingPrincipalsCommand({ thingName: input.thingName, ...token(input.nextToken) });
      const r = await call('ListThingPrincipals', () => client.send(command));
      return { items: r.principals ?? [], ...token(r.nextToken) };
    },
    async listThingGroupsForThing(input) {
      const command = new ListThingGroupsForThingCommand({ thingName: input.thingName, ...token(input.nextToken) });
      const r = await call('ListThingGroupsForThing', () => client.send(command));
      return { items: (r.thingGroups ?? []).map((g) => g.groupName ?? '').filter(Boolean), ...token(r.nextToken) };
    },
    async addThingToThingGroup(thingName, thingGroupName) {
      await call('AddThingToThingGroup', () => client.send(new AddThingToThingGroupCommand({ thingName, thingGroupName })));
    },
    async createKeysAndCertificate(setAsActive) {
      const r = await call('CreateKeysAndCertificate', () => client.send(new CreateKeysAndCertificateCommand({ setAsActive })));
      if (!r.certificateArn || !r.certificateId || !r.certificatePem || !r.keyPair?.PrivateKey) {
        throw incomplete('CreateKeysAndCertificate', 'certificate or key');
      }
      return { certificateArn: r.certificateArn, certificateId: r.certificateId, certificatePem: r.certificatePem, privateKey: r.keyPair.PrivateKey };
    },
    async attachPolicy(policyName, target) {
      await call('AttachPolicy', () => client.send(new AttachPolicyCommand({ policyName, target })));
    },
    async detachPolicy(policyName, target) {
      await call('DetachPolicy', () => client.send(new DetachPolicyCommand({ policyName, target })));
    },
    async attachThingPrincipal(thingName, principal) {
      await call('AttachThingPrincipal', () => client.send(new AttachThingPrincipalCommand({ thingName, principal })));
    },
    async detachThingPrincipal(thingName, principal) {
      await call('DetachThingPrincipal', () => client.send(new DetachThingPrincipalCommand({ thingName, principal })));
    },
    async updateCertificate(certificateId, newStatus) {
      await call('UpdateCertificate', () => client.send(new UpdateCertificateCommand({ certificateId, newStatus })));
    },
    async deleteCertificate(certificateId) {
      await call('DeleteCertificate', () => client.send(new DeleteCertificateCommand({ certificateId })));
    },
  };
}
