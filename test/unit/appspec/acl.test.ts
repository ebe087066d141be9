import t from 'tap';
import { aclToString, parseAce } from '../../../appspec/index.js';
import { issues, permission } from './helpers.js';

const invalid = (ace: string): string =>
  `The deployment failed because of a problem with the acls permission settings in the application specification file. Invalid acl entry (${ace}).`;
const base = (ace: string): string =>
  `The deployment failed because of a problem with the acls permission settings in the application specification file. Use mode to set the base acl entry (${ace}). Update the permissions section of the AppSpec file, and then try again.`;
const badChar = (ace: string, c: string): string =>
  `The deployment failed because the access control list (ACL) named ${ace} in the application specification file contains an invalid character (${c}). Correct the ACL in the hooks section of the AppSpec file, and then try again.`;

const malformed: ReadonlyArray<[string, string, string]> = [
  ['7', 'APPSPEC_ACL_INVALID', invalid('7')],
  ['', 'APPSPEC_ACL_INVALID', invalid('')],
  ['d:u:bob:7:rwx', 'APPSPEC_ACL_INVALID', invalid('d:u:bob:7:rwx')],
  ['invalid:u:bob:7:rwx', 'APPSPEC_ACL_INVALID', invalid('invalid:u:bob:7:rwx')],
  ['d:invalid:bob:7:rwx', 'APPSPEC_ACL_INVALID', invalid('d:invalid:bob:7:rwx')],
  ['d:d:bob:7:rwx', 'APPSPEC_ACL_INVALID', invalid('d:d:bob:7:rwx')],
  ['d:d:bob:7', 'APPSPEC_ACL_INVALID', invalid('d:d:bob:7')],
  ['x:u:bob:7', 'APPSPEC_ACL_INVALID', invalid('x:u:bob:7')],
  ['z:bob:7', 'APPSPEC_ACL_INVALID', invalid('z:bob:7')],
  ['mask:name:rwx', 'APPSPEC_ACL_INVALID', invalid('mask:name:rwx')],
  ['d:other:name:rwx', 'APPSPEC_ACL_INVALID', invalid('d:other:name:rwx')],
  ['m:o:7', 'APPSPEC_ACL_INVALID', invalid('m:o:7')],
  ['user:bob:rwxd', 'APPSPEC_ACL_CHARACTER', badChar('user:bob:rwxd', 'd')],
  ['u:bob:8', 'APPSPEC_ACL_CHARACTER', badChar('u:bob:8', '8')],
  ['u:bob:77', 'APPSPEC_ACL_CHARACTER', badChar('u:bob:77', '7')],
  ['u:bob:RWX', 'APPSPEC_ACL_CHARACTER', badChar('u:bob:RWX', 'R')],
  ['u::7', 'APPSPEC_ACL_BASE_ENTRY', base('u::7')],
  ['g::7', 'APPSPEC_ACL_BASE_ENTRY', base('g::7')],
  ['o:7', 'APPSPEC_ACL_BASE_ENTRY', base('o:7')],
  [':7', 'APPSPEC_ACL_BASE_ENTRY', base(':7')],
  ['u::rwq', 'APPSPEC_ACL_BASE_ENTRY', base('u::rwq')],
];

t.test('malformed ACEs: official messages', async (t) => {
  for (const [ace, code, message] of malformed) {
    const r = parseAce(ace);
    t.notOk(r.ok, ace);
    if (!r.ok) {
      t.equal(r.issue.code, code, ace);
      t.equal(r.issue.message, message, ace);
    }
  }
});

t.test('malformed ACEs through parseAppSpec', async (t) => {
  for (const [ace, code, message] of malformed.filter(([a]) => a !== '')) {
    const got = issues(permission(`    acls:\n      - '${ace}'\n`));
    t.same(got, [{ code, message, path: 'permissions[0].acls[0]' }], ace);
  }
});

const valid: ReadonlyArray<[string, string]> = [
  // 4 parts
  ['d:u:bob:rwx', 'default:user:bob:rwx'],
  ['default:g:dev:rw', 'default:group:dev:rw-'],
  ['d:u:bob:7', 'default:user:bob:rwx'],
  // 3 parts
  ['d:bob:rwx', 'default:user:bob:rwx'],
  ['default::rw', 'default:user::rw-'],
  ['m::7', 'mask::rwx'],
  ['mask::7', 'mask::rwx'],
  ['g:dev:7', 'group:dev:rwx'],
  ['group:dev:7', 'group:dev:rwx'],
  ['u:bob:7', 'user:bob:rwx'],
  ['user:bob:7', 'user:bob:rwx'],
  ['u:mask:7', 'user:mask:rwx'],
  ['u:other:7', 'user:other:rwx'],
  ['d:o:3', 'default:other::-wx'],
  ['d:m:7', 'default:mask::rwx'],
  ['d:g::4', 'default:group::r--'],
  // 2 parts
  ['bob:0', 'user:bob:---'],
  ['m:7', 'mask::rwx'],
  ['mask:', 'mask::---'],
  ['d::3', 'default:user::-wx'],
  ['m:0', 'mask::---'],
  ['pi:r-x', 'user:pi:r-x'],
  ['pi:xwr', 'user:pi:rwx'],
];

t.test('valid 2-, 3- and 4-part ACEs, canonical output', async (t) => {
  for (const [ace, canonical] of valid) {
    const r = parseAce(ace);
    t.ok(r.ok, ace);
    if (r.ok) t.equal(aclToString(r.entry), canonical, ace);
  }
  const r = parseAce('d:g:manager:rw');
  t.same(r, { ok: true, entry: { isDefault: true, type: 'group', name: 'manager', perms: 'rw-' } });
});

t.test('internal entries may be base entries', async (t) => {
  for (const [ace, canonical] of [['u::7', 'user::rwx'], ['g::5', 'group::r-x'], ['o::0', 'other::---'], [':6', 'user::rw-']] as const) {
    const r = parseAce(ace, { internal: true });
    t.ok(r.ok, ace);
    if (r.ok) t.equal(aclToString(r.entry), canonical);
  }
});

t.test('aclToString', async (t) => {
  t.equal(aclToString({ isDefault: false, type: 'user', name: 'bob', perms: 'rwx' }), 'user:bob:rwx');
  t.equal(aclToString({ isDefault: true, type: 'group', name: 'dev', perms: 'r--' }), 'default:group:dev:r--');
  t.equal(aclToString({ isDefault: false, type: 'user', name: '', perms: 'rwx' }), 'user::rwx');
});
