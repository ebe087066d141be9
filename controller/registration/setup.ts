// Fleet-wide prerequisites, done once per run before devices: the account id, and for IoT the
// role alias (→ the role devices' sessions are named after), the shared least-privilege policy,
// the endpoints and the thing groups. Each is looked up first and created only when missing.
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import type { IotEndpointType } from '../aws/ports.js';
import type { DeviceSpec, FleetPorts, IotSettings } from '../fleet/model.js';
import { unlessMissing } from '../fleet/observe.js';
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

type Aws = Pick<FleetPorts, 'iot' | 'sts' | 'region'>;

export const partitionOf = (region: string): string => (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');

async function ensureRoleAlias(aws: Aws, settings: IotSettings, actions: string[]): Promise<string> {
  const alias = await unlessMissing(() => aws.iot.describeRoleAlias(settings.roleAlias), undefined);
  if (alias) {
    if (settings.roleArn && settings.roleArn !== alias.roleArn) {
      const message = `role alias ${settings.roleAlias} points to ${alias.roleArn}, not ${settings.roleArn}: use another --iot-role-alias, or drop --iot-role-arn to use the alias as it is`;
      throw new EdgeError('FLEET_IOT_SETUP', message);
    }
    return alias.roleArn;
  }
  if (!settings.roleArn) {
    const message = `role alias ${settings.roleAlias} does not exist: pass --iot-role-arn (or defaults.iot.role_arn in the inventory) so fleetctl can create it`;
    throw new EdgeError('FLEET_IOT_SETUP', message);
  }
  await aws.iot.createRoleAlias({ roleAlias: settings.roleAlias, roleArn: settings.roleArn });
  actions.push(`role alias ${settings.roleAlias} created for ${settings.roleArn}`);
  return settings.roleArn;
}

/** Describe, and create when missing (a concurrent create counts as done); says what it created. */
async function ensure(describe: () => Promise<unknown>, create: () => Promise<unknown>, created: string, actions: string[]): Promise<void> {
  if ((await unlessMissing(describe, 'missing' as const)) !== 'missing') return;
  try {
    await create();
    actions.push(created);
  } catch (e) {
    if (!isEdgeError(e, 'AWS_ALREADY_EXISTS')) throw e;
  }
}

export async function accountIdOf(aws: Pick<FleetPorts, 'sts'>): Promise<string> {
  const { account } = await aws.sts.getCallerIdentity();
  if (!account) throw new EdgeError('FLEET_IOT_SETUP', 'GetCallerIdentity returned no account');
  return account;
}

const endpoint = (aws: Aws, type: IotEndpointType): Promise<string> => aws.iot.describeEndpoint(type);

export async function prepareFleet(aws: Aws, devices: readonly DeviceSpec[], settings: IotSettings, caPem: string | undefined): Promise<FleetSetup> {
  const actions: string[] = [];
  const needsAccount = devices.some((d) => d.identity.mode === 'iot' || d.identity.mode === 'create-iam-user');
  const accountId = needsAccount ? await accountIdOf(aws) : undefined;
  const account = accountId ? { accountId } : {};
  if (!devices.some((d) => d.identity.mode === 'iot')) return { ...account, actions };
  if (caPem === undefined) {
    const message = 'IoT devices need the IoT CA for their bundles: pass --iot-ca FILE (for AWS: AmazonRootCA1.pem from https://www.amazontrust.com/repository/)';
    throw new EdgeError('CLI_USAGE', message);
  }
  const roleArn = await ensureRoleAlias(aws, settings, actions);
  const policy = iotDevicePolicy(partitionOf(aws.region), aws.region, accountId as string, settings.roleAlias);
  await ensure(() => aws.iot.getPolicy(settings.policyName), () => aws.iot.createPolicy(settings.policyName, policy), `IoT policy ${settings.policyName} created`, actions);
  const [dataEndpoint, credentialsEndpoint] = await Promise.all([endpoint(aws, 'iot:Data-ATS'), endpoint(aws, 'iot:CredentialProvider')]);
  for (const g of new Set(devices.map((d) => d.thingGroup).filter((g): g is string => g !== undefined))) {
    await ensure(() => aws.iot.describeThingGroup(g), () => aws.iot.createThingGroup(g), `thing group ${g} created`, actions);
  }
  const iot = { roleArn, roleAlias: settings.roleAlias, policyName: settings.policyName, dataEndpoint, credentialsEndpoint, caPem };
  return { ...account, iot, actions };
}
