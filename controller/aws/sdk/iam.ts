// IamPort over @aws-sdk/client-iam.
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListUserPoliciesCommand,
  PutUserPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { EdgeError } from '../../../shared/errors.js';
import { sdkCall } from '../sdk-errors.js';
import type { IamPort } from '../ports.js';

const call = <T>(operation: string, run: () => Promise<T>): Promise<T> => sdkCall({ service: 'iam', operation }, run);

/** IAM returns policy documents URL-encoded. */
function decodePolicy(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function iamAdapter(client: IAMClient): IamPort {
  return {
    async getUser(userName) {
      const r = await call('GetUser', () => client.send(new GetUserCommand({ UserName: userName })));
      return { userName: r.User?.UserName ?? userName, arn: r.User?.Arn ?? '', path: r.User?.Path ?? '/' };
    },
    async createUser(userName, path) {
      const r = await call('CreateUser', () => client.send(new CreateUserCommand({ UserName: userName, ...(path ? { Path: path } : {}) })));
      return { arn: r.User?.Arn ?? '' };
    },
    async deleteUser(userName) {
      await call('DeleteUser', () => client.send(new DeleteUserCommand({ UserName: userName })));
    },
    async listAccessKeys(userName) {
      const r = await call('ListAccessKeys', () => client.send(new ListAccessKeysCommand({ UserName: userName })));
      return (r.AccessKeyMetadata ?? []).map((k) => ({ accessKeyId: k.AccessKeyId ?? '', status: k.Status ?? 'Active' }));
    },
    async createAccessKey(userName) {
      const r = await call('CreateAccessKey', () => client.send(new CreateAccessKeyCommand({ UserName: userName })));
      const key = r.AccessKey;
      if (!key?.AccessKeyId || !key.SecretAccessKey) {
        const details = { service: 'iam', operation: 'CreateAccessKey' };
        throw new EdgeError('AWS_SERVICE_ERROR', 'iam CreateAccessKey returned no key', { details });
      }
      return { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
    },
    async deleteAccessKey(userName, accessKeyId) {
      await call('DeleteAccessKey', () => client.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId })));
    },
    async getUserPolicy(userName, policyName) {
      const r = await call('GetUserPolicy', () => client.send(new GetUserPolicyCommand({ UserName: userName, PolicyName: policyName })));
      return decodePolicy(r.PolicyDocument ?? '');
    },
    async putUserPolicy(userName, policyName, policyDocument) {
      const input = { UserName: userName, PolicyName: policyName, PolicyDocument: policyDocument };
      await call('PutUserPolicy', () => client.send(new PutUserPolicyCommand(input)));
    },
    async listUserPolicies(userName) {
      const r = await call('ListUserPolicies', () => client.send(new ListUserPoliciesCommand({ UserName: userName })));
      return r.PolicyNames ?? [];
    },
    async deleteUserPolicy(userName, policyName) {
      await call('DeleteUserPolicy', () => client.send(new DeleteUserPolicyCommand({ UserName: userName, PolicyName: policyName })));
    },
  };
}
