// Inline user policies: PutUserPolicy, GetUserPolicy, DeleteUserPolicy, ListUserPolicies, with the
// policy grammar checks IAM applies to identity policies and its 2048-character quota per user.
import { xmlEscape } from '../protocol-errors.js';
import { AwsError } from '../types.js';
import { findUser, type IamAction } from './iam-context.js';
import { paginateIam, requireName, validationError } from './iam-params.js';
import { members, text, truncation } from './iam-xml.js';

const POLICY_NAME_MAX = 128;
/** Aggregate size of a user's inline policies, not counting white space. */
const USER_POLICY_QUOTA = 2048;
const VERSIONS = ['2012-10-17', '2008-10-17'];

const malformed = (message: string): AwsError => new AwsError('MalformedPolicyDocument', message);

/** Checks an identity-based policy document; throws MalformedPolicyDocument like IAM. */
export function checkPolicyDocument(document: string): void {
  let doc: unknown;
  try {
    doc = JSON.parse(document);
  } catch {
    throw malformed('Syntax errors in policy.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw malformed('Syntax errors in policy.');
  const d = doc as Record<string, unknown>;
  if (d['Version'] !== undefined && !VERSIONS.includes(d['Version'] as string)) throw malformed('The policy must contain a valid version string');
  const statements = Array.isArray(d['Statement']) ? (d['Statement'] as unknown[]) : d['Statement'] === undefined ? [] : [d['Statement']];
  if (statements.length === 0) throw malformed('Syntax errors in policy.');
  for (const st of statements) {
    if (typeof st !== 'object' || st === null || Array.isArray(st)) throw malformed('Syntax errors in policy.');
    const s = st as Record<string, unknown>;
    if (s['Effect'] !== 'Allow' && s['Effect'] !== 'Deny') throw malformed('Syntax errors in policy.');
    if (s['Principal'] !== undefined || s['NotPrincipal'] !== undefined) throw malformed('Policy document should not specify a principal.');
    if (s['Action'] === undefined && s['NotAction'] === undefined) throw malformed('Policy statement must contain actions.');
    if (s['Resource'] === undefined && s['NotResource'] === undefined) throw malformed('Policy statement must contain resources.');
  }
}

const sizeOf = (document: string): number => document.replace(/\s/g, '').length;

const putUserPolicy: IamAction = (ctx, params) => {
  const userName = requireName(params, 'UserName', 128);
  const policyName = requireName(params, 'PolicyName', POLICY_NAME_MAX);
  const document = params.get('PolicyDocument');
  if (document === null || document === '') throw validationError('policyDocument', document === '' ? '' : null, document === '' ? 'Member must have length greater than or equal to 1' : 'Member must not be null');
  if (document.length > 131072) throw validationError('policyDocument', document.slice(0, 40), 'Member must have length less than or equal to 131072');
  checkPolicyDocument(document);
  const user = findUser(ctx, userName);
  const others = Object.entries(user.policies).filter(([n]) => n !== policyName);
  if (others.reduce((n, [, doc]) => n + sizeOf(doc), sizeOf(document)) > USER_POLICY_QUOTA) {
    throw new AwsError('LimitExceeded', `Maximum policy size of ${USER_POLICY_QUOTA} bytes exceeded for user ${user.userName}`, 409);
  }
  user.policies[policyName] = document;
  ctx.changed();
  return undefined;
};

function policyOf(user: { userName: string; policies: Record<string, string> }, policyName: string): string {
  const doc = Object.hasOwn(user.policies, policyName) ? user.policies[policyName] : undefined;
  if (doc === undefined) throw new AwsError('NoSuchEntity', `The user policy with name ${policyName} cannot be found.`, 404);
  return doc;
}

const getUserPolicy: IamAction = (ctx, params) => {
  const userName = requireName(params, 'UserName', 128);
  const policyName = requireName(params, 'PolicyName', POLICY_NAME_MAX);
  const user = findUser(ctx, userName);
  // IAM returns the document URL-encoded (RFC 3986); callers decode it.
  return text('UserName', user.userName) + text('PolicyName', policyName) + text('PolicyDocument', encodeURIComponent(policyOf(user, policyName)));
};

const deleteUserPolicy: IamAction = (ctx, params) => {
  const userName = requireName(params, 'UserName', 128);
  const policyName = requireName(params, 'PolicyName', POLICY_NAME_MAX);
  const user = findUser(ctx, userName);
  policyOf(user, policyName);
  delete user.policies[policyName];
  ctx.changed();
  return undefined;
};

const listUserPolicies: IamAction = (ctx, params) => {
  const user = findUser(ctx, requireName(params, 'UserName', 128));
  const page = paginateIam(Object.keys(user.policies).sort(), params);
  return members('PolicyNames', page.items, xmlEscape) + truncation(page.marker);
};

export const userPolicyActions: Readonly<Record<string, IamAction>> = {
  PutUserPolicy: putUserPolicy,
  GetUserPolicy: getUserPolicy,
  DeleteUserPolicy: deleteUserPolicy,
  ListUserPolicies: listUserPolicies,
};
