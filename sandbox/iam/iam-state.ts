// The sandbox IAM's state: one global document per account in the store (IAM has no regions).
// Users are keyed by their lower-cased name, because IAM names are unique regardless of case.
import type { SandboxStore } from '../types.js';

export interface IamTag {
  Key: string;
  Value: string;
}

export interface AccessKeyRecord {
  accessKeyId: string;
  status: 'Active' | 'Inactive';
  /** ISO 8601, seconds. */
  createDate: string;
}

export interface IamUserRecord {
  userName: string;
  /** AIDA + 17 characters, new for every user created (a re-created user gets a new id, as in AWS). */
  userId: string;
  path: string;
  arn: string;
  createDate: string;
  tags: IamTag[];
  /** Inline policies: name → the policy document as it was put. */
  policies: Record<string, string>;
  accessKeys: AccessKeyRecord[];
}

export interface IamState {
  users: Record<string, IamUserRecord>;
}

export function loadIamState(store: SandboxStore, accountId: string): IamState {
  return store.doc<IamState>('iam', accountId, 'global', () => ({ users: {} }));
}

export const userKey = (userName: string): string => userName.toLowerCase();

export const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
