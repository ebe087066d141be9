// ACL entries (ACEs) as the official AceInfo parses them: [d|default:][u|user|g|group|m|mask|o|other:][name:]perms.
// The string is split on ':' keeping empty fields; 2 to 4 parts. Checks run in AceInfo's order, so the same input
// gets the same message. `internal` allows base entries (user::, group::, other::), as the agent does for the
// entries it synthesises from the file mode.

import { APPSPEC_MESSAGES } from './messages.js';
import type { AclEntry, AclEntryType, AppSpecIssue } from './types.js';

export type AceParseResult = { readonly ok: true; readonly entry: AclEntry } | { readonly ok: false; readonly issue: AppSpecIssue };

const TYPE_WORDS: Readonly<Record<string, AclEntryType>> = {
  u: 'user', user: 'user', g: 'group', group: 'group', m: 'mask', mask: 'mask', o: 'other', other: 'other',
};
const isDefaultWord = (s: string): boolean => s === 'd' || s === 'default';

export function parseAce(ace: string, options: { readonly internal?: boolean } = {}): AceParseResult {
  const invalid = (): AceParseResult => ({ ok: false, issue: { code: 'APPSPEC_ACL_INVALID', message: APPSPEC_MESSAGES.aclInvalid(ace) } });
  // Ruby's "".split(':', -1) is [], not [""].
  const parts = ace === '' ? [] : ace.split(':').reverse();
  if (parts.length < 2 || parts.length > 4) return invalid();

  let isDefault = false;
  let type: AclEntryType | undefined;
  let name = '';
  if (parts.length === 4) {
    if (!isDefaultWord(parts[3] as string)) return invalid();
    isDefault = true;
  }
  if (parts.length >= 3) {
    const word = parts[2] as string;
    if (isDefaultWord(word)) {
      if (isDefault) return invalid();
      isDefault = true;
    } else {
      const t = Object.hasOwn(TYPE_WORDS, word) ? TYPE_WORDS[word] : undefined;
      if (t === undefined) return invalid();
      type = t;
    }
  }
  const second = parts[1] as string;
  if (second === 'm' || second === 'mask' || second === 'o' || second === 'other') {
    const word: AclEntryType = second.startsWith('m') ? 'mask' : 'other';
    if (type === undefined) type = word;
    else name = word;
  } else {
    type ??= 'user';
    name = second;
  }

  if ((type === 'mask' || type === 'other') && name !== '') return invalid();
  if (!options.internal && !isDefault && type !== 'mask' && name === '') {
    return { ok: false, issue: { code: 'APPSPEC_ACL_BASE_ENTRY', message: APPSPEC_MESSAGES.aclBaseEntry(ace) } };
  }

  const permText = parts[0] as string;
  const chars = Array.from(permText);
  let read = false;
  let write = false;
  let execute = false;
  if (chars.length === 1 && /^[0-7]$/.test(permText)) {
    const bits = Number(permText);
    read = (bits & 4) !== 0;
    write = (bits & 2) !== 0;
    execute = (bits & 1) !== 0;
  } else {
    for (const c of chars) {
      if (c === 'r') read = true;
      else if (c === 'w') write = true;
      else if (c === 'x') execute = true;
      else if (c !== '-') {
        return { ok: false, issue: { code: 'APPSPEC_ACL_CHARACTER', message: APPSPEC_MESSAGES.aclCharacter(ace, c) } };
      }
    }
  }
  const perms = `${read ? 'r' : '-'}${write ? 'w' : '-'}${execute ? 'x' : '-'}`;
  return { ok: true, entry: { isDefault, type, name, perms } };
}

/** Canonical text, as setfacl takes it: `user:bob:rwx`, `default:group:dev:r--`, `user::rwx`, `mask::r-x`. */
export function aclToString(entry: AclEntry): string {
  return `${entry.isDefault ? 'default:' : ''}${entry.type}:${entry.name}:${entry.perms}`;
}
