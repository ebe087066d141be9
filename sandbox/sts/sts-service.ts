// STS over the query protocol (Action=…&Version=2011-06-15, form body or query string; XML answers):
// GetCallerIdentity and AssumeRole. By default any 12-digit account and role may be assumed (the
// sandbox simulates an organisation); a RoleAuthority built from the sandbox config enforces the
// declared roles' trust (principals, ExternalId, MaxSessionDuration); `allowAssume` narrows further.
import { xmlEscape } from '../protocol-errors.js';
import { REQUEST_ID_HEADER } from '../constants.js';
import { AwsError, type Clock, type CredentialRegistry, type Principal, type SandboxRequest, type SandboxResponse, type ServiceHandler } from '../types.js';
import { createRoleAuthority, ROLE_ARN, type RoleAuthority } from './roles.js';

export const STS_VERSION = '2011-06-15';
const XMLNS = `https://sts.amazonaws.com/doc/${STS_VERSION}/`;

export interface StsServiceDeps {
  readonly credentials: CredentialRegistry;
  readonly clock?: Clock;
  /** May the caller assume this role? Default: every account and role (ignored when `roles` is given). */
  readonly allowAssume?: (accountId: string, roleName: string) => boolean;
  /** Trust, ExternalId and session limits of the configured roles. */
  readonly roles?: RoleAuthority;
}

const EXTERNAL_ID = /^[\w+=,.@:/-]*$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const MIN_DURATION = 900;
const MAX_DURATION = 43200;
const DEFAULT_DURATION = 3600;
const CHAINED_MAX_DURATION = 3600;

/** Query-protocol parameters: the query string, plus a form-encoded body. */
export function queryParams(req: Pick<SandboxRequest, 'query' | 'body' | 'headers'>): URLSearchParams {
  const params = new URLSearchParams(req.query);
  if (req.body.length > 0 && (req.headers['content-type'] ?? 'application/x-www-form-urlencoded').startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) params.append(k, v);
  }
  return params;
}

function validationError(problems: string[]): AwsError {
  const n = problems.length;
  return new AwsError('ValidationError', `${n} validation error${n === 1 ? '' : 's'} detected: ${problems.join('; ')}`);
}

const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function xmlResponse(action: string, result: string, requestId: string): SandboxResponse {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body:
      `<${action}Response xmlns="${XMLNS}">\n` +
      `  <${action}Result>\n${result}  </${action}Result>\n` +
      `  <ResponseMetadata>\n    <RequestId>${xmlEscape(requestId)}</RequestId>\n  </ResponseMetadata>\n` +
      `</${action}Response>\n`,
  };
}

const el = (name: string, value: string, indent = '    '): string => `${indent}<${name}>${xmlEscape(value)}</${name}>\n`;

export function createStsService(deps: StsServiceDeps): ServiceHandler {
  const roles = deps.roles ?? createRoleAuthority({ credentials: deps.credentials, ...(deps.clock ? { clock: deps.clock } : {}), ...(deps.allowAssume ? { allowAssume: deps.allowAssume } : {}) });

  function getCallerIdentity(caller: Principal): string {
    return el('Arn', caller.arn) + el('UserId', caller.userId) + el('Account', caller.accountId);
  }

  function assumeRole(caller: Principal, params: URLSearchParams): string {
    const roleArn = params.get('RoleArn');
    const sessionName = params.get('RoleSessionName');
    const durationText = params.get('DurationSeconds');
    const externalId = params.get('ExternalId');
    const problems: string[] = [];
    if (roleArn === null) problems.push("Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
    else if (roleArn.length < 20) problems.push(`Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20`);
    if (sessionName === null) problems.push("Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null");
    else if (!SESSION_NAME.test(sessionName)) {
      problems.push(
        sessionName.length < 2 || sessionName.length > 64
          ? `Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must have length ${sessionName.length < 2 ? 'greater than or equal to 2' : 'less than or equal to 64'}`
          : `Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
      );
    }
    let duration = DEFAULT_DURATION;
    if (durationText !== null) {
      duration = /^\d+$/.test(durationText) ? Number(durationText) : Number.NaN;
      if (!(duration >= MIN_DURATION)) problems.push(`Value '${durationText}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to ${MIN_DURATION}`);
      else if (duration > MAX_DURATION) problems.push(`Value '${durationText}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to ${MAX_DURATION}`);
    }
    if (externalId !== null) {
      if (externalId.length < 2 || externalId.length > 1224) {
        problems.push(`Value '${externalId}' at 'externalId' failed to satisfy constraint: Member must have length ${externalId.length < 2 ? 'greater than or equal to 2' : 'less than or equal to 1224'}`);
      } else if (!EXTERNAL_ID.test(externalId)) {
        problems.push(`Value '${externalId}' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*`);
      }
    }
    if (problems.length > 0) throw validationError(problems);
    if (!ROLE_ARN.test(roleArn!)) throw new AwsError('ValidationError', `${roleArn!} is invalid: a role ARN is arn:aws:iam::<12-digit account id>:role/<role name>`);
    if (caller.arn.includes(':assumed-role/') && duration > CHAINED_MAX_DURATION) {
      throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
    }
    const session = roles.assume({
      caller,
      roleArn: roleArn!,
      sessionName: sessionName!,
      durationSeconds: duration,
      ...(externalId !== null ? { externalId } : {}),
    });
    const expiresAt = session.expiresAt!;
    const i = '      ';
    return (
      '    <AssumedRoleUser>\n' +
      el('Arn', session.arn, i) +
      el('AssumedRoleId', session.userId, i) +
      '    </AssumedRoleUser>\n' +
      '    <Credentials>\n' +
      el('AccessKeyId', session.accessKeyId, i) +
      el('SecretAccessKey', session.secretAccessKey, i) +
      el('SessionToken', session.sessionToken ?? '', i) +
      el('Expiration', isoSeconds(expiresAt), i) +
      '    </Credentials>\n' +
      el('PackedPolicySize', '0')
    );
  }

  return async (req) => {
    const params = queryParams(req);
    const action = params.get('Action');
    const version = params.get('Version');
    const requestId = req.headers[REQUEST_ID_HEADER] ?? '';
    if (action === null) throw new AwsError('MissingAction', 'Missing Action');
    if (version !== null && version !== STS_VERSION) throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${version}`);
    switch (action) {
      case 'GetCallerIdentity':
        return xmlResponse(action, getCallerIdentity(req.principal), requestId);
      case 'AssumeRole':
        return xmlResponse(action, assumeRole(req.principal, params), requestId);
      default:
        throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${version ?? STS_VERSION}`);
    }
  };
}
