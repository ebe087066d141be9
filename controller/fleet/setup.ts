// Fleet-wide prerequisites, done once per run before devices: the account id, and for IoT the
// role alias (→ the role devices' sessions are named after), the shared least-privilege policy,
// the endpoints and the thing groups.
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  CreatePolicyCommand,
  CreateRoleAliasCommand,
  CreateThingGroupCommand,
  DescribeEndpointCommand,
  DescribeRoleAliasCommand,
  DescribeThingGroupCommand,
  GetPolicyCommand,
} from '@aws-sdk/client-iot';
import { EdgeError } from '../../shared/errors.js';
import { isAwsError, type FleetAws } from './aws.js';
import type { DeviceSpec, IotSettings } from './model.js';
import { iotDevicePolicy } from './policies.js';

export interface IotSetup {
  readonly roleArn: string;
  readonly roleAlias: string;
  readonly policyName: string;
  readonly dataEndpoint: string;
  readonly credentialsEndpoint: string;
  readonly caPem: string;
}

export interface FleetSetup {
  readonly accountId?: string;
  readonly iot?: IotSetup;
  /** What setup created, for the report. */
  readonly actions: string[];
}

export const partitionOf = (region: string): string => (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');

async function ensureRoleAlias(aws: FleetAws, settings: IotSettings, actions: string[]): Promise<string> {
  try {
    const r = await aws.send('iot', new DescribeRoleAliasCommand({ roleAlias: settings.roleAlias }));
    const roleArn = r.roleAliasDescription?.roleArn;
    if (!roleArn) throw new EdgeError('FLEET_IOT_SETUP', `role alias ${settings.roleAlias} names no role`);
    if (settings.roleArn && settings.roleArn !== roleArn) {
      throw new EdgeError('FLEET_IOT_SETUP', `role alias ${settings.roleAlias} points to ${roleArn}, not ${settings.roleArn}: use another --iot-role-alias, or drop --iot-role-arn to use the alias as it is`);
    }
    return roleArn;
  } catch (e) {
    if (!isAwsError(e, 'ResourceNotFoundException')) throw e;
  }
  if (!settings.roleArn) {
    throw new EdgeError('FLEET_IOT_SETUP', `role alias ${settings.roleAlias} does not exist: pass --iot-role-arn (or defaults.iot.role_arn in the inventory) so fleetctl can create it`);
  }
  await aws.send('iot', new CreateRoleAliasCommand({ roleAlias: settings.roleAlias, roleArn: settings.roleArn }));
  actions.push(`role alias ${settings.roleAlias} created for ${settings.roleArn}`);
  return settings.roleArn;
}

/** Describe, and create when missing (a concurrent create counts as done); says what it created. */
async function ensure(describe: () => Promise<unknown>, create: () => Promise<unknown>, created: string, actions: string[]): Promise<void> {
  try {
    await describe();
    return;
  } catch (e) {
    if (!isAwsError(e, 'ResourceNotFoundException')) throw e;
  }
  try {
    await create();
    actions.push(created);
  } catch (e) {
    if (!isAwsError(e, 'ResourceAlreadyExistsException')) throw e;
  }
}

const ensurePolicy = (aws: FleetAws, name: string, document: string, actions: string[]): Promise<void> =>
  ensure(
    () => aws.send('iot', new GetPolicyCommand({ policyName: name })),
    () => aws.send('iot', new CreatePolicyCommand({ policyName: name, policyDocument: document })),
    `IoT policy ${name} created`,
    actions,
  );

const ensureThingGroup = (aws: FleetAws, group: string, actions: string[]): Promise<void> =>
  ensure(
    () => aws.send('iot', new DescribeThingGroupCommand({ thingGroupName: group })),
    () => aws.send('iot', new CreateThingGroupCommand({ thingGroupName: group })),
    `thing group ${group} created`,
    actions,
  );

const endpointUrl = (address: string): string => (/^https?:\/\//.test(address) ? address : `https://${address}`);

export async function describeEndpoint(aws: FleetAws, type: 'iot:Data-ATS' | 'iot:CredentialProvider'): Promise<string> {
  const r = await aws.send('iot', new DescribeEndpointCommand({ endpointType: type }));
  if (!r.endpointAddress) throw new EdgeError('FLEET_IOT_SETUP', `DescribeEndpoint ${type} returned no address`);
  return r.endpointAddress;
}

export async function accountIdOf(aws: FleetAws): Promise<string> {
  const r = await aws.send('sts', new GetCallerIdentityCommand({}));
  if (!r.Account) throw new EdgeError('FLEET_IOT_SETUP', 'GetCallerIdentity returned no account');
  return r.Account;
}

export async function prepareFleet(aws: FleetAws, devices: readonly DeviceSpec[], settings: IotSettings, caPem: string | undefined): Promise<FleetSetup> {
  const actions: string[] = [];
  const needsAccount = devices.some((d) => d.identity.mode === 'iot' || d.identity.mode === 'create-iam-user');
  const accountId = needsAccount ? await accountIdOf(aws) : undefined;
  if (!devices.some((d) => d.identity.mode === 'iot')) return { ...(accountId ? { accountId } : {}), actions };
  if (caPem === undefined) throw new EdgeError('CLI_USAGE', 'IoT devices need the IoT CA for their bundles: pass --iot-ca FILE (for AWS: AmazonRootCA1.pem from https://www.amazontrust.com/repository/)');
  const roleArn = await ensureRoleAlias(aws, settings, actions);
  await ensurePolicy(aws, settings.policyName, iotDevicePolicy(partitionOf(aws.region), aws.region, accountId as string, settings.roleAlias), actions);
  const [dataEndpoint, credentialsEndpoint] = await Promise.all([describeEndpoint(aws, 'iot:Data-ATS'), describeEndpoint(aws, 'iot:CredentialProvider')]);
  aws.setIotDataEndpoint(endpointUrl(dataEndpoint));
  for (const g of new Set(devices.map((d) => d.thingGroup).filter((g): g is string => g !== undefined))) await ensureThingGroup(aws, g, actions);
  return { ...(accountId ? { accountId } : {}), iot: { roleArn, roleAlias: settings.roleAlias, policyName: settings.policyName, dataEndpoint, credentialsEndpoint, caPem }, actions };
}
