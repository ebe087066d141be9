// The role sessions the IoT credentials provider hands to devices: an assumed-role principal
// arn:aws:sts::<acct>:assumed-role/<role>/<session> issued through the sandbox's credential
// registry (so STS GetCallerIdentity answers with it and every service accepts its signature).
import { assumedRoleUserId } from '../sts/unique-id.js';
import { AwsError, type Clock, type CredentialRegistry } from '../types.js';
import type { AssumeRoleForDevice } from './types.js';

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\x21-\x7e]+\/)*?([\w+=,.@-]{1,64})$/;

/** The account and role name of an IAM role ARN (paths allowed), or undefined. */
export function parseRoleArn(arn: string): { accountId: string; roleName: string } | undefined {
  const m = ROLE_ARN.exec(arn);
  return m ? { accountId: m[1]!, roleName: m[2]! } : undefined;
}

export interface DeviceRoleDeps {
  readonly credentials: CredentialRegistry;
  /** May this role be assumed (the sandbox config's AssumeRole policy)? Default: any. */
  readonly allowAssume?: (accountId: string, roleName: string) => boolean;
  readonly clock?: Clock;
}

/** Throws an AwsError when the role cannot be assumed (bad ARN, or refused by the config). */
export function createDeviceRoleAssumer(deps: DeviceRoleDeps): AssumeRoleForDevice {
  return ({ accountId, roleArn, sessionName, durationSeconds }) => {
    const role = parseRoleArn(roleArn);
    if (!role) throw new AwsError('InvalidRoleArn', `${roleArn} is not a role ARN (arn:aws:iam::<account>:role/<name>)`);
    if (role.accountId !== accountId || !(deps.allowAssume ?? (() => true))(role.accountId, role.roleName)) {
      throw new AwsError('AccessDenied', `The role ${roleArn} may not be assumed for account ${accountId}`);
    }
    const now = deps.clock?.now() ?? new Date();
    return deps.credentials.issue({
      arn: `arn:aws:sts::${role.accountId}:assumed-role/${role.roleName}/${sessionName}`,
      accountId: role.accountId,
      userId: assumedRoleUserId(role.accountId, role.roleName, sessionName),
      expiresAt: new Date(Math.floor(now.getTime() / 1000) * 1000 + durationSeconds * 1000),
    });
  };
}
