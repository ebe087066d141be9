import t from 'tap';
import { aclToString } from '../../../appspec/index.js';
import { issues, parsed, permission, withHeader } from './helpers.js';

const NO_OBJECT =
  'The deployment failed because a permission listed in the application specification file has no object value. Update the permissions section of the AppSpec file, and then try again.';
const badType = (v: string): string =>
  `The deployment failed because the application specification filespecifies a permission for an object type not supported for permissions (${v}). Update the permissions section of the AppSpec file, and then try again.`;
const WINDOWS =
  'The deployment failed because the application specification file specifiles file permissions, but the deployment is targeting one or more Windows Server instances. Permissions are supported only for Amazon Linux, Ubuntu Server, and Red Hat Enterprise Linux (RHEL) instances. Update the permissions section of the AppSpec file, and then try again.';
const modeLength = (m: string): string =>
  `The deployment failed because the length of a permissions mode (${m}) in the application specification file is invalid. Permissions modes must be between one and four characters long. Update the permissions section of the AppSpec file, and then try again.`;
const modeChar = (m: string, c: string): string =>
  `The deployment failed because the permissions mode (${m}) in the application specification file contains an invalid character (${c}). Update the permissions section of the AppSpec file, and then try again.`;
const contextType = (inspect: string): string =>
  `The deployment failed because the application specification file specifies an invalid context type (${inspect}). Update the permissions section of the AppSpec file, and then try again.`;

const cases: ReadonlyArray<{ name: string; text: string; code: string; message: string; path: string }> = [
  { name: 'permission without object', text: withHeader('permissions:\n  - pattern: test\n'), code: 'APPSPEC_PERMISSION_NO_OBJECT', message: NO_OBJECT, path: 'permissions[0].object' },
  { name: 'permission with null object', text: withHeader('permissions:\n  - object:\n'), code: 'APPSPEC_PERMISSION_NO_OBJECT', message: NO_OBJECT, path: 'permissions[0].object' },
  { name: 'permission with blank object', text: withHeader('permissions:\n  - object: "  "\n'), code: 'APPSPEC_PERMISSION_NO_OBJECT', message: NO_OBJECT, path: 'permissions[0].object' },
  { name: 'unsupported type', text: permission('    type: [file, symlink]\n'), code: 'APPSPEC_PERMISSION_BAD_TYPE', message: badType('symlink'), path: 'permissions[0].type[1]' },
  { name: 'windows with permissions', text: 'version: 0.0\nos: windows\npermissions:\n  - object: C:/app\n', code: 'APPSPEC_PERMISSION_WINDOWS', message: WINDOWS, path: 'permissions' },
  { name: 'mode with 5 digits', text: permission('    mode: 12345\n'), code: 'APPSPEC_MODE_LENGTH', message: modeLength('12345'), path: 'permissions[0].mode' },
  { name: 'mode with invalid char', text: permission('    mode: 12a\n'), code: 'APPSPEC_MODE_CHARACTER', message: modeChar('12a', 'a'), path: 'permissions[0].mode' },
  { name: 'mode 8 (shown padded)', text: permission('    mode: 8\n'), code: 'APPSPEC_MODE_CHARACTER', message: modeChar('008', '8'), path: 'permissions[0].mode' },
  { name: 'mode 08 (a string to Psych)', text: permission('    mode: 08\n'), code: 'APPSPEC_MODE_CHARACTER', message: modeChar('008', '8'), path: 'permissions[0].mode' },
  { name: 'mode false', text: permission('    mode: false\n'), code: 'APPSPEC_MODE_LENGTH', message: modeLength('false'), path: 'permissions[0].mode' },
  { name: 'context without type', text: permission("    context:\n      name: 'name'\n"), code: 'APPSPEC_CONTEXT_TYPE', message: contextType('{"name"=>"name"}'), path: 'permissions[0].context.type' },
];

t.test('permission messages, exact text', async (t) => {
  for (const c of cases) {
    const got = issues(c.text);
    t.equal(got.length, 1, `${c.name}: one issue (${JSON.stringify(got)})`);
    t.equal(got[0]?.code, c.code, c.name);
    t.equal(got[0]?.message, c.message, c.name);
    t.equal(got[0]?.path, c.path, c.name);
  }
});

t.test('windows: the message comes once, missing objects are still reported', async (t) => {
  const got = issues('version: 0.0\nos: windows\npermissions:\n  - object: a\n  - pattern: b\n');
  t.same(got.map((i) => i.code), ['APPSPEC_PERMISSION_WINDOWS', 'APPSPEC_PERMISSION_NO_OBJECT']);
});

t.test('the full permission example of the official tests', async (t) => {
  const a = parsed(
    withHeader(
      [
        'permissions:',
        "  - object: 'test'",
        "    pattern: 'prefix*'",
        "    except: ['*ReadMe', '*.tmp']",
        "    type: ['file']",
        "    owner: 'bob'",
        "    group: 'dev'",
        '    mode: 6763',
        '    acls:',
        "      - 'u:henry:7'",
        "      - 'd:g:manager:rw'",
        '    context:',
        "      name: 'user_u'",
        "      type: 'unconfined_t'",
        "      range: 's3-s5:c0.c7,c13'",
        '',
      ].join('\n'),
    ),
  );
  t.same(a.permissions, [
    {
      object: 'test',
      pattern: 'prefix*',
      except: ['*ReadMe', '*.tmp'],
      types: ['file'],
      owner: 'bob',
      group: 'dev',
      mode: '6763',
      acls: [
        { isDefault: false, type: 'user', name: 'henry', perms: 'rwx' },
        { isDefault: true, type: 'group', name: 'manager', perms: 'rw-' },
      ],
      context: { user: 'user_u', type: 'unconfined_t', range: 's3-s5:c0.c7,c13' },
    },
  ]);
  t.same(a.permissions[0]?.acls?.map(aclToString), ['user:henry:rwx', 'default:group:manager:rw-']);
});

t.test('permission defaults and multiple permissions', async (t) => {
  const a = parsed(withHeader("permissions:\n  - object: '/'\n  - object: test\n    pattern: '**'\n  - object: ' more '\n    pattern: ~\n    type: ~\n"));
  t.same(a.permissions.map((p) => p.object), ['/', 'test', 'more']);
  for (const p of a.permissions) {
    t.equal(p.pattern, '**');
    t.same(p.except, []);
    t.same(p.types, ['file', 'directory']);
    t.equal(p.mode, undefined);
    t.equal(p.acls, undefined);
    t.equal(p.context, undefined);
  }
  t.same(parsed(permission('    type: [directory]\n    pattern: glob\n')).permissions[0]?.types, ['directory']);
  t.same(parsed(permission('    acls: []\n')).permissions[0]?.acls, []);
});

t.test('valid modes (official cases)', async (t) => {
  const a = parsed(withHeader("permissions:\n  - object: 'test/'\n    mode: 7777\n  - object: 'test1/'\n    mode: 0000\n  - object: 'test2/'\n    mode: 777\n"));
  t.same(a.permissions.map((p) => p.mode), ['7777', '0000', '777']);
});

t.test('context: user optional, range normalised', async (t) => {
  const a = parsed(permission("    context:\n      type: 'type'\n      range: 's0:c0.c1,c15,c7.c9'\n"));
  t.same(a.permissions[0]?.context, { type: 'type', range: 's0:c0.c1,c7.c9,c15' });
  t.same(parsed(permission("    context:\n      type: 't'\n      range: 's5'\n")).permissions[0]?.context, { type: 't', range: 's5' });
  t.same(parsed(permission("    context:\n      type: 't'\n")).permissions[0]?.context, { type: 't' });
});

t.test('ACL and SELinux problems are reported with their path', async (t) => {
  const got = issues(permission("    acls:\n      - 'u:bob:rwx'\n      - '7'\n    context:\n      type: t\n      range: 's3-s2:c0'\n"));
  t.same(got.map((i) => [i.code, i.path]), [
    ['APPSPEC_ACL_INVALID', 'permissions[0].acls[1]'],
    ['APPSPEC_SELINUX_RANGE', 'permissions[0].context.range'],
  ]);
});
