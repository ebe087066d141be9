// IAM users: CreateUser, GetUser, DeleteUser, ListUsers, TagUser, UntagUser, ListUserTags.
import { AwsError } from '../types.js';
import { findUser, targetUser, type IamAction } from './iam-context.js';
import { mergeTags, memberStrings, optionalName, optionalPath, paginateIam, requireName, tagsParam } from './iam-params.js';
import { isoSeconds, userKey, type IamUserRecord } from './iam-state.js';
import { members, tagsXml, truncation, userFields, userXml } from './iam-xml.js';

const USER_NAME_MAX = 64;

const createUser: IamAction = (ctx, params) => {
  const userName = requireName(params, 'UserName', USER_NAME_MAX);
  const path = optionalPath(params, 'Path');
  const tags = mergeTags([], tagsParam(params));
  if (ctx.state.users[userKey(userName)]) throw new AwsError('EntityAlreadyExists', `User with name ${userName} already exists.`, 409);
  const user: IamUserRecord = {
    userName,
    userId: ctx.newUserId(),
    path,
    arn: `arn:aws:iam::${ctx.accountId}:user${path}${userName}`,
    createDate: isoSeconds(ctx.now),
    tags,
    policies: {},
    accessKeys: [],
  };
  ctx.state.users[userKey(userName)] = user;
  ctx.changed();
  return userXml(user, true);
};

const getUser: IamAction = (ctx, params) => userXml(targetUser(ctx, optionalName(params, 'UserName', USER_NAME_MAX)), true);

const deleteUser: IamAction = (ctx, params) => {
  const user = findUser(ctx, requireName(params, 'UserName', USER_NAME_MAX));
  if (user.accessKeys.length > 0) throw new AwsError('DeleteConflict', 'Cannot delete entity, must delete access keys first.', 409);
  if (Object.keys(user.policies).length > 0) throw new AwsError('DeleteConflict', 'Cannot delete entity, must delete policies first.', 409);
  delete ctx.state.users[userKey(user.userName)];
  ctx.changed();
  return undefined;
};

const listUsers: IamAction = (ctx, params) => {
  const prefix = optionalPath(params, 'PathPrefix');
  const all = Object.values(ctx.state.users)
    .filter((u) => u.path.startsWith(prefix))
    .sort((a, b) => (userKey(a.userName) < userKey(b.userName) ? -1 : 1));
  const page = paginateIam(all, params);
  return members('Users', page.items, (u) => userFields(u, false)) + truncation(page.marker);
};

const tagUser: IamAction = (ctx, params) => {
  const user = findUser(ctx, requireName(params, 'UserName', 128));
  user.tags = mergeTags(user.tags, tagsParam(params));
  ctx.changed();
  return undefined;
};

const untagUser: IamAction = (ctx, params) => {
  const user = findUser(ctx, requireName(params, 'UserName', 128));
  const keys = new Set(memberStrings(params, 'TagKeys').map((k) => k.toLowerCase()));
  user.tags = user.tags.filter((t) => !keys.has(t.Key.toLowerCase()));
  ctx.changed();
  return undefined;
};

const listUserTags: IamAction = (ctx, params) => {
  const user = findUser(ctx, requireName(params, 'UserName', 128));
  const page = paginateIam(user.tags, params);
  return tagsXml(page.items) + truncation(page.marker);
};

export const userActions: Readonly<Record<string, IamAction>> = {
  CreateUser: createUser,
  GetUser: getUser,
  DeleteUser: deleteUser,
  ListUsers: listUsers,
  TagUser: tagUser,
  UntagUser: untagUser,
  ListUserTags: listUserTags,
};
