// Access keys: CreateAccessKey, DeleteAccessKey, ListAccessKeys. A created key is issued in the
// sandbox's credential registry as the IAM user, so requests signed with it are accepted and
// GetCallerIdentity answers arn:aws:iam::<account>:user/<path><name>; deleting it revokes it.
import { AwsError } from '../types.js';
import { targetUser, type IamAction } from './iam-context.js';
import { optionalName, paginateIam, validationError } from './iam-params.js';
import { isoSeconds } from './iam-state.js';
import { members, node, text, truncation } from './iam-xml.js';

/** IAM's quota of access keys per user. */
export const ACCESS_KEYS_PER_USER = 2;

const createAccessKey: IamAction = (ctx, params) => {
  const user = targetUser(ctx, optionalName(params, 'UserName', 128));
  if (user.accessKeys.length >= ACCESS_KEYS_PER_USER) throw new AwsError('LimitExceeded', `Cannot exceed quota for AccessKeysPerUser: ${ACCESS_KEYS_PER_USER}`, 409);
  const issued = ctx.credentials.issue({ arn: user.arn, accountId: ctx.accountId, userId: user.userId });
  const createDate = isoSeconds(ctx.now);
  user.accessKeys.push({ accessKeyId: issued.accessKeyId, status: 'Active', createDate });
  ctx.changed();
  return node(
    'AccessKey',
    text('UserName', user.userName),
    text('AccessKeyId', issued.accessKeyId),
    text('Status', 'Active'),
    text('SecretAccessKey', issued.secretAccessKey),
    text('CreateDate', createDate),
  );
};

const deleteAccessKey: IamAction = (ctx, params) => {
  const userName = optionalName(params, 'UserName', 128);
  const id = params.get('AccessKeyId');
  if (id === null) throw validationError('accessKeyId', null, 'Member must not be null');
  if (!/^\w{16,128}$/.test(id)) throw validationError('accessKeyId', id, 'Member must satisfy regular expression pattern: [\\w]+');
  const user = targetUser(ctx, userName);
  const index = user.accessKeys.findIndex((k) => k.accessKeyId === id);
  if (index < 0) throw new AwsError('NoSuchEntity', `The Access Key with id ${id} cannot be found.`, 404);
  user.accessKeys.splice(index, 1);
  ctx.credentials.revoke(id);
  ctx.changed();
  return undefined;
};

const listAccessKeys: IamAction = (ctx, params) => {
  const user = targetUser(ctx, optionalName(params, 'UserName', 128));
  const page = paginateIam(user.accessKeys, params);
  return (
    members('AccessKeyMetadata', page.items, (k) => text('UserName', user.userName) + text('AccessKeyId', k.accessKeyId) + text('Status', k.status) + text('CreateDate', k.createDate)) +
    truncation(page.marker)
  );
};

export const accessKeyActions: Readonly<Record<string, IamAction>> = {
  CreateAccessKey: createAccessKey,
  DeleteAccessKey: deleteAccessKey,
  ListAccessKeys: listAccessKeys,
};
