// IAM-style unique ids (AIDA… users, AROA… roles): a prefix + 17 characters, stable per name.
import { createHash } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export type UniqueIdPrefix = 'AIDA' | 'AROA';

/** The same name always gives the same id (so a role keeps its AROA id across sessions and restarts). */
export function iamUniqueId(prefix: UniqueIdPrefix, name: string): string {
  const digest = createHash('sha256').update(`${prefix}:${name}`).digest();
  let out = prefix;
  for (let i = 0; i < 17; i++) out += ALPHABET[digest[i]! % ALPHABET.length];
  return out;
}

/** The UserId an assumed-role session reports: AROA…:<session name>. */
export function assumedRoleUserId(accountId: string, roleName: string, sessionName: string): string {
  return `${iamUniqueId('AROA', `${accountId}:${roleName}`)}:${sessionName}`;
}
