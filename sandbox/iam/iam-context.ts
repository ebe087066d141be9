// What every IAM action receives, and the lookups that raise IAM's NoSuchEntity.
import type { SandboxCredentialRegistry } from '../credentials.js';
import { AwsError, type Principal } from '../types.js';
import { userKey, type IamState, type IamUserRecord } from './iam-state.js';

export interface IamContext {
  readonly state: IamState;
  /** The signing principal's account: IAM acts on the caller's own account. */
  readonly accountId: string;
  readonly caller: Principal;
  readonly now: Date;
  readonly changed: () => void;
  readonly credentials: Pick<SandboxCredentialRegistry, 'issue' | 'revoke'>;
  /** A fresh AIDA… unique id. */
  readonly newUserId: () => string;
}

/** Returns the Result element's content, or undefined for actions that answer with metadata only. */
export type IamAction = (ctx: IamContext, params: URLSearchParams) => string | undefined;

export function findUser(ctx: IamContext, userName: string): IamUserRecord {
  const user = ctx.state.users[userKey(userName)];
  if (!user) throw new AwsError('NoSuchEntity', `The user with name ${userName} cannot be found.`, 404);
  return user;
}

/** The IAM user name of the caller when it signs as an IAM user of this account. */
export function callerUserName(ctx: IamContext): string | undefined {
  const m = /^arn:aws:iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/.exec(ctx.caller.arn);
  return m && m[1] === ctx.accountId ? m[2] : undefined;
}

/** The user an action names, or (UserName omitted) the calling IAM user. */
export function targetUser(ctx: IamContext, userName: string | undefined): IamUserRecord {
  if (userName !== undefined) return findUser(ctx, userName);
  const own = callerUserName(ctx);
  if (own === undefined) throw new AwsError('ValidationError', 'Must specify userName when calling with non-User credentials');
  return findUser(ctx, own);
}
