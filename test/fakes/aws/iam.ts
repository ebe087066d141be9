// Fake IAM for one account: users with a path, access keys (at most 2, as IAM allows) and inline
// policies; deleting a user that still has keys or policies is a DeleteConflict, as in IAM.
import type { IamPort } from '../../../controller/aws/ports.js';
import { failer } from './errors.js';

const fail = failer('iam');

interface User {
  readonly arn: string;
  readonly path: string;
  readonly keys: Map<string, { secret: string; status: string }>;
  readonly policies: Map<string, string>;
}

export class FakeIam implements IamPort {
  readonly users = new Map<string, User>();
  private keyCount = 0;
  constructor(private readonly opts: { account: string }) {}

  private user(operation: string, userName: string): User {
    const u = this.users.get(userName);
    if (!u) return fail(operation, 'NoSuchEntity', 404, `The user with name ${userName} cannot be found.`);
    return u;
  }

  async getUser(userName: string) {
    const u = this.user('GetUser', userName);
    return { userName, arn: u.arn, path: u.path };
  }

  async createUser(userName: string, path = '/') {
    if (this.users.has(userName)) fail('CreateUser', 'EntityAlreadyExists', 409, `User with name ${userName} already exists.`);
    const arn = `arn:aws:iam::${this.opts.account}:user${path}${userName}`;
    this.users.set(userName, { arn, path, keys: new Map(), policies: new Map() });
    return { arn };
  }

  async deleteUser(userName: string) {
    const u = this.user('DeleteUser', userName);
    if (u.keys.size > 0 || u.policies.size > 0) fail('DeleteUser', 'DeleteConflict', 409, 'Cannot delete entity, must delete access keys and policies first.');
    this.users.delete(userName);
  }

  async listAccessKeys(userName: string) {
    return [...this.user('ListAccessKeys', userName).keys].map(([accessKeyId, k]) => ({ accessKeyId, status: k.status }));
  }

  async createAccessKey(userName: string) {
    const u = this.user('CreateAccessKey', userName);
    if (u.keys.size >= 2) fail('CreateAccessKey', 'LimitExceeded', 409, 'Cannot exceed quota for AccessKeysPerUser: 2');
    const accessKeyId = `AKIAUSER${(++this.keyCount).toString().padStart(12, '0')}`;
    const secretAccessKey = `user-secret-${this.keyCount}`;
    u.keys.set(accessKeyId, { secret: secretAccessKey, status: 'Active' });
    return { accessKeyId, secretAccessKey };
  }

  async deleteAccessKey(userName: string, accessKeyId: string) {
    const u = this.user('DeleteAccessKey', userName);
    if (!u.keys.delete(accessKeyId)) fail('DeleteAccessKey', 'NoSuchEntity', 404, `The Access Key with id ${accessKeyId} cannot be found.`);
  }

  async getUserPolicy(userName: string, policyName: string) {
    const doc = this.user('GetUserPolicy', userName).policies.get(policyName);
    if (doc === undefined) return fail('GetUserPolicy', 'NoSuchEntity', 404, `The user policy with name ${policyName} cannot be found.`);
    return doc;
  }

  async putUserPolicy(userName: string, policyName: string, policyDocument: string) {
    try {
      JSON.parse(policyDocument);
    } catch {
      fail('PutUserPolicy', 'MalformedPolicyDocument', 400, 'Syntax errors in policy.');
    }
    this.user('PutUserPolicy', userName).policies.set(policyName, policyDocument);
  }

  async listUserPolicies(userName: string) {
    return [...this.user('ListUserPolicies', userName).policies.keys()].sort();
  }

  async deleteUserPolicy(userName: string, policyName: string) {
    if (!this.user('DeleteUserPolicy', userName).policies.delete(policyName)) {
      fail('DeleteUserPolicy', 'NoSuchEntity', 404, `The user policy with name ${policyName} cannot be found.`);
    }
  }
}
