// The fleet model shared by fleetctl register / deregister / ls / status: what a device should be
// (from the command line or an inventory), and the limits AWS puts on names, tags and ARNs.
import type { AwsPorts } from '../aws/ports.js';

/** The AWS ports the fleet commands use, in one account and region (a pool session). */
export type FleetPorts = Pick<AwsPorts, 'codedeploy' | 'iot' | 'iotdata' | 'iam' | 'sts'> & { readonly region: string };

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

export type Identity =
  | { readonly mode: 'iam-session'; readonly arn: string }
  | { readonly mode: 'iam-user'; readonly arn: string }
  | { readonly mode: 'create-iam-user' }
  | { readonly mode: 'iot' };

export type IdentityMode = Identity['mode'];

export interface DeviceSpec {
  readonly name: string;
  readonly tags: readonly Tag[];
  readonly identity: Identity;
  readonly thingGroup?: string;
  /** Where the device came from: inventory line, or undefined for the command line. */
  readonly line?: number;
}

/** IoT settings shared by a fleet (inventory `defaults.iot`, or --iot-* flags). */
export interface IotSettings {
  /** The IAM role the credentials provider assumes for devices (needed to create the role alias). */
  readonly roleArn?: string;
  readonly roleAlias: string;
  readonly policyName: string;
}

export interface InventoryProblem {
  readonly line: number;
  readonly field: string;
  readonly reason: string;
}

// CodeDeploy on-premises instance names, as the AWS CLI checks them.
export const INSTANCE_NAME = /^[A-Za-z0-9+=,.@_-]{1,100}$/;
export const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
export const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/;
export const IAM_USER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:user\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]+$/;
export const IAM_SESSION_ARN = /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+$/;
export const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]+$/;
export const MAX_TAGS_PER_INSTANCE = 10;
/** BatchGetOnPremisesInstances takes at most 100 names. */
export const BATCH_GET_LIMIT = 100;
/** Add/RemoveTags: AWS documents no number; 10 instance names per call is what
 * practitioners use and what works against the service. */
export const TAG_CALL_LIMIT = 10;
/** Path of the IAM users fleetctl creates (`aws deploy register` uses /AWS/CodeDeploy/). */
export const IAM_USER_PATH = '/edge-fleet/';
export const IAM_USER_POLICY_NAME = 'edge-agent-codedeploy';
export const DEFAULT_ROLE_ALIAS = 'edge-agent-codedeploy';
export const DEFAULT_IOT_POLICY = 'edge-agent-device';

/** Why a name is not a usable instance name for this identity mode, or undefined. */
export function nameProblem(name: string, mode: IdentityMode): string | undefined {
  if (!INSTANCE_NAME.test(name)) return 'must be 1-100 letters, digits or + = , . @ _ -';
  if (name === '.' || name === '..') return "must not be '.' or '..' (it names the device's bundle folder)";
  if (name.startsWith('i-')) return "must not start with 'i-' (reserved for EC2 instances)";
  if (mode === 'iot' && !THING_NAME.test(name)) return 'is used as the IoT thing name, so may hold only letters, digits and : _ -';
  if (mode === 'create-iam-user' && !IAM_USER_NAME.test(name)) return 'is used as the IAM user name, so must be at most 64 characters';
  return undefined;
}

/** The ARN a device registers with, when it does not depend on AWS state. */
export function fixedArn(identity: Identity, accountId: string | undefined, name: string, partition = 'aws'): string | undefined {
  if (identity.mode === 'iam-session' || identity.mode === 'iam-user') return identity.arn;
  if (identity.mode === 'create-iam-user' && accountId) return `arn:${partition}:iam::${accountId}:user${IAM_USER_PATH}${name}`;
  return undefined;
}

/** The session ARN of credentials the IoT credentials provider issues for a certificate. */
export function iotSessionArn(roleArn: string, certificateId: string): string {
  const m = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/.exec(roleArn);
  if (!m) throw new Error(`not a role ARN: ${roleArn}`);
  return `arn:${m[1]}:sts::${m[2]}:assumed-role/${m[3]}/${certificateId}`;
}

export const certificateIdOf = (certificateArn: string): string => certificateArn.slice(certificateArn.lastIndexOf('/') + 1);
export const userNameOf = (userArn: string): string => userArn.slice(userArn.lastIndexOf('/') + 1);
