// Who may assume which role: the roles the sandbox config declares (trust policy, ExternalId,
// service principals, MaxSessionDuration) or, for accounts it leaves open, any role by anyone.
// STS AssumeRole uses it; so can any sandbox service acting as an AWS service principal
// (e.g. CloudFormation assuming a stack's RoleARN: `assume({ caller: { service: 'cloudformation.amazonaws.com' }, … })`).
import type { RoleConfig } from '../accounts-config.js';
import { evaluatePolicy } from '../iam/policy.js';
import { declaredAccounts, type SandboxConfig } from '../sandbox-config.js';
import { AwsError, type Clock, type CredentialRegistry, type Principal } from '../types.js';
import { assumedRoleUserId } from './unique-id.js';

export const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\x21-\x7e]+\/)*?([\w+=,.@-]{1,64})$/;
export const OPEN_ROLE_MAX_SESSION = 43200;

export interface AssumeRoleRequest {
  /** An IAM principal, or an AWS service principal such as cloudformation.amazonaws.com. */
  readonly caller: Pick<Principal, 'arn' | 'accountId'> | { readonly service: string };
  readonly roleArn: string;
  readonly sessionName: string;
  readonly externalId?: string;
  /** Default 3600. */
  readonly durationSeconds?: number;
}

/** A declared role, or 'open' (any principal may assume any role name there), or undefined (no such role). */
export type RoleLookup = RoleConfig | 'open' | undefined;

export interface RoleAuthority {
  lookup(accountId: string, roleName: string): RoleLookup;
  /** Checks trust, ExternalId and duration; issues the role session's credentials. Throws AwsError. */
  assume(req: AssumeRoleRequest): Principal;
}

export interface RoleAuthorityDeps {
  readonly credentials: CredentialRegistry;
  readonly config?: SandboxConfig;
  /** An extra veto (tests); consulted for every role. */
  readonly allowAssume?: (accountId: string, roleName: string) => boolean;
  readonly clock?: Clock;
}

const callerArn = (caller: AssumeRoleRequest['caller']): string => ('service' in caller ? caller.service : caller.arn);

export function createRoleAuthority(deps: RoleAuthorityDeps): RoleAuthority {
  const accounts = deps.config ? declaredAccounts(deps.config) : undefined;
  const byId = new Map((accounts ?? []).map((a) => [a.accountId, a]));
  const pipeline = deps.config?.pipelineAccountId;

  const lookup = (accountId: string, roleName: string): RoleLookup => {
    if (deps.allowAssume && !deps.allowAssume(accountId, roleName)) return undefined;
    if (!accounts) return 'open';
    const account = byId.get(accountId);
    if (!account) return accountId === pipeline ? 'open' : undefined;
    if (account.roles === undefined) return 'open';
    return account.roles.find((r) => r.name === roleName);
  };

  return {
    lookup,
    assume(req) {
      const m = ROLE_ARN.exec(req.roleArn);
      if (!m) throw new AwsError('ValidationError', `${req.roleArn} is invalid: a role ARN is arn:aws:iam::<12-digit account id>:role/<role name>`);
      const [, accountId, roleName] = m as unknown as [string, string, string];
      const role = lookup(accountId, roleName);
      const denied = (): AwsError =>
        new AwsError('AccessDenied', `User: ${callerArn(req.caller)} is not authorized to perform: sts:AssumeRole on resource: ${req.roleArn}`, 403);
      if (role === undefined) throw denied();
      const duration = req.durationSeconds ?? 3600;
      if (role !== 'open') {
        const decision = evaluatePolicy(role.trust, {
          principal: req.caller,
          action: 'sts:AssumeRole',
          resource: req.roleArn,
          context: {
            ...(req.externalId !== undefined ? { 'sts:ExternalId': req.externalId } : {}),
            ...('service' in req.caller ? {} : { 'aws:PrincipalAccount': req.caller.accountId, 'aws:PrincipalArn': req.caller.arn }),
          },
        });
        if (decision !== 'Allow') throw denied();
      }
      const max = role === 'open' ? OPEN_ROLE_MAX_SESSION : role.maxSessionDuration;
      if (duration > max) throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
      const now = deps.clock?.now() ?? new Date();
      return deps.credentials.issue({
        arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${req.sessionName}`,
        accountId,
        userId: assumedRoleUserId(accountId, roleName, req.sessionName),
        expiresAt: new Date(Math.floor(now.getTime() / 1000) * 1000 + duration * 1000),
      });
    },
  };
}
