// RoleARN: may cloudformation.amazonaws.com assume this role? Asked of the sandbox's role model
// (the roles the sandbox config declares, with their trust policies; open accounts allow any role).
import { evaluatePolicy } from '../iam/policy.js';
import { ROLE_ARN, type RoleAuthority } from '../sts/roles.js';

export const CLOUDFORMATION_PRINCIPAL = 'cloudformation.amazonaws.com';

export function cloudFormationMayAssume(roles: Pick<RoleAuthority, 'lookup'>): (accountId: string, roleArn: string) => boolean {
  return (accountId, roleArn) => {
    const m = ROLE_ARN.exec(roleArn);
    if (!m || m[1] !== accountId) return false;
    const role = roles.lookup(accountId, m[2]!);
    if (role === undefined) return false;
    if (role === 'open') return true;
    return evaluatePolicy(role.trust, { principal: { service: CLOUDFORMATION_PRINCIPAL }, action: 'sts:AssumeRole', resource: roleArn }) === 'Allow';
  };
}
