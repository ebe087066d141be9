import t from 'tap';
import { parseAppSpec } from '../../../appspec/index.js';
import { HEADER, issues, parsed, withHeader } from './helpers.js';

const EMPTY =
  "The deployment failed because the application specification file was empty. Make sure your AppSpec file defines at minimum the 'version' and 'os' properties.";
const version = (v: string): string =>
  `The deployment failed because an invalid version value (${v}) was entered in the application specification file. Make sure your AppSpec file specifies "0.0" as the version, and then try again.`;
const os = (v: string): string =>
  `The deployment failed because the application specification file specifies an unsupported operating system (${v}). Specify either "linux" or "windows" in the os section of the AppSpec file, and then try again.`;
const feb = (v: string): string =>
  `The deployment failed because an invalid file_exists_behavior value (${v}) was entered in the application specification file. Make sure your AppSpec file specifies one of DISALLOW,OVERWRITE,RETAIN as the file_exists_behavior, and then try again.`;
const NO_SOURCE =
  'The deployment failed because the application specification file specifies a destination file, but no source file. Update the files section of the AppSpec file, and then try again.';
const noDestination = (s: string): string =>
  `The deployment failed because the application specification file specifies only a source file (${s}). Add the name of the destination file to the files section of the AppSpec file, and then try again.`;
const NO_LOCATION =
  'The deployment failed because the application specification file specifies a script with no location value. Specify the location in the hooks section of the AppSpec file, and then try again.';
const BAD_TIMEOUT =
  'The deployment failed because an invalid timeout value was provided for a script in the application specification file. Make corrections in the hooks section of the AppSpec file, and then try again.';

const errorCases: ReadonlyArray<{ name: string; text: string; expected: ReadonlyArray<{ code: string; message: string; path?: string }> }> = [
  { name: 'empty document', text: '', expected: [{ code: 'APPSPEC_EMPTY', message: EMPTY }] },
  { name: 'whitespace-only document', text: '   \n\t\n  ', expected: [{ code: 'APPSPEC_EMPTY', message: EMPTY }] },
  { name: 'comment-only document', text: '# nothing here\n', expected: [{ code: 'APPSPEC_EMPTY', message: EMPTY }] },
  { name: 'null document', text: '~\n', expected: [{ code: 'APPSPEC_EMPTY', message: EMPTY }] },
  { name: 'missing version', text: 'os: linux\n', expected: [{ code: 'APPSPEC_INVALID_VERSION', message: version(''), path: 'version' }] },
  { name: 'invalid version', text: 'version: invalid\nos: linux\n', expected: [{ code: 'APPSPEC_INVALID_VERSION', message: version('invalid'), path: 'version' }] },
  { name: 'version 1.0 (float shown as Ruby does)', text: 'version: 1.0\nos: linux\n', expected: [{ code: 'APPSPEC_INVALID_VERSION', message: version('1.0') }] },
  { name: 'version 1 (integer)', text: 'version: 1\nos: linux\n', expected: [{ code: 'APPSPEC_INVALID_VERSION', message: version('1') }] },
  { name: 'version abc', text: 'version: abc\nos: linux\n', expected: [{ code: 'APPSPEC_INVALID_VERSION', message: version('abc') }] },
  { name: 'version "0"', text: 'version: "0"\nos: linux\n', expected: [{ code: 'APPSPEC_INVALID_VERSION', message: version('0') }] },
  { name: 'version list', text: 'version: [0.0]\nos: linux\n', expected: [{ code: 'APPSPEC_INVALID_VERSION', message: version('[0.0]') }] },
  { name: 'missing os', text: 'version: 0.0\n', expected: [{ code: 'APPSPEC_UNSUPPORTED_OS', message: os(''), path: 'os' }] },
  { name: 'invalid os', text: 'version: 0.0\nos: unsupported\n', expected: [{ code: 'APPSPEC_UNSUPPORTED_OS', message: os('unsupported'), path: 'os' }] },
  { name: 'os is case-sensitive', text: 'version: 0.0\nos: Linux\n', expected: [{ code: 'APPSPEC_UNSUPPORTED_OS', message: os('Linux') }] },
  {
    name: 'invalid file_exists_behavior',
    text: withHeader('file_exists_behavior: INVALID\n'),
    expected: [{ code: 'APPSPEC_INVALID_FILE_EXISTS_BEHAVIOR', message: feb('INVALID'), path: 'file_exists_behavior' }],
  },
  { name: 'file_exists_behavior is case-sensitive', text: withHeader('file_exists_behavior: overwrite\n'), expected: [{ code: 'APPSPEC_INVALID_FILE_EXISTS_BEHAVIOR', message: feb('overwrite') }] },
  { name: 'files entry without source', text: withHeader('files:\n  - destination: test_destination\n'), expected: [{ code: 'APPSPEC_FILE_NO_SOURCE', message: NO_SOURCE, path: 'files[0].source' }] },
  {
    name: 'files entry without destination',
    text: withHeader('files:\n  - source: test_source\n'),
    expected: [{ code: 'APPSPEC_FILE_NO_DESTINATION', message: noDestination('test_source'), path: 'files[0].destination' }],
  },
  { name: 'files entry with neither (source is reported, as in Ruby)', text: withHeader('files:\n  - {}\n'), expected: [{ code: 'APPSPEC_FILE_NO_SOURCE', message: NO_SOURCE }] },
  { name: 'script without location', text: withHeader('hooks:\n  test_hook:\n    - timeout: 30\n'), expected: [{ code: 'APPSPEC_HOOK_NO_LOCATION', message: NO_LOCATION, path: 'hooks.test_hook[0].location' }] },
  { name: 'script with blank location', text: withHeader('hooks:\n  h:\n    - location: "   "\n'), expected: [{ code: 'APPSPEC_HOOK_NO_LOCATION', message: NO_LOCATION }] },
  { name: 'script with null location', text: withHeader('hooks:\n  h:\n    - location:\n'), expected: [{ code: 'APPSPEC_HOOK_NO_LOCATION', message: NO_LOCATION }] },
  {
    name: 'non-numeric timeout',
    text: withHeader('hooks:\n  test_hook:\n    - location: test_location\n      timeout: foo\n'),
    expected: [{ code: 'APPSPEC_HOOK_BAD_TIMEOUT', message: BAD_TIMEOUT, path: 'hooks.test_hook[0].timeout' }],
  },
  { name: 'zero timeout', text: withHeader('hooks:\n  h:\n    - location: a\n      timeout: 0\n'), expected: [{ code: 'APPSPEC_HOOK_BAD_TIMEOUT', message: BAD_TIMEOUT }] },
  { name: 'negative timeout', text: withHeader('hooks:\n  h:\n    - location: a\n      timeout: -5\n'), expected: [{ code: 'APPSPEC_HOOK_BAD_TIMEOUT', message: BAD_TIMEOUT }] },
  { name: 'timeout 0.5 (to_i is 0)', text: withHeader('hooks:\n  h:\n    - location: a\n      timeout: 0.5\n'), expected: [{ code: 'APPSPEC_HOOK_BAD_TIMEOUT', message: BAD_TIMEOUT }] },
  { name: 'timeout true', text: withHeader('hooks:\n  h:\n    - location: a\n      timeout: true\n'), expected: [{ code: 'APPSPEC_HOOK_BAD_TIMEOUT', message: BAD_TIMEOUT }] },
];

t.test('official error messages, exact text', async (t) => {
  for (const c of errorCases) {
    const got = issues(c.text);
    t.equal(got.length, c.expected.length, `${c.name}: issue count (${JSON.stringify(got)})`);
    c.expected.forEach((e, i) => {
      t.equal(got[i]?.code, e.code, `${c.name}: code`);
      t.equal(got[i]?.message, e.message, `${c.name}: message`);
      if (e.path !== undefined) t.equal(got[i]?.path, e.path, `${c.name}: path`);
    });
  }
});

t.test('all issues are collected, not just the first', async (t) => {
  const text = [
    'version: 2.0',
    'os: macos',
    'file_exists_behavior: NOPE',
    'files:',
    '  - destination: /a',
    '  - source: b',
    'hooks:',
    '  ApplicationStart:',
    '    - timeout: foo',
    'permissions:',
    '  - mode: 999',
  ].join('\n');
  t.same(
    issues(text).map((i) => [i.code, i.path]),
    [
      ['APPSPEC_INVALID_VERSION', 'version'],
      ['APPSPEC_UNSUPPORTED_OS', 'os'],
      ['APPSPEC_INVALID_FILE_EXISTS_BEHAVIOR', 'file_exists_behavior'],
      ['APPSPEC_HOOK_NO_LOCATION', 'hooks.ApplicationStart[0].location'],
      ['APPSPEC_HOOK_BAD_TIMEOUT', 'hooks.ApplicationStart[0].timeout'],
      ['APPSPEC_FILE_NO_SOURCE', 'files[0].source'],
      ['APPSPEC_FILE_NO_DESTINATION', 'files[1].destination'],
      ['APPSPEC_PERMISSION_NO_OBJECT', 'permissions[0].object'],
      ['APPSPEC_MODE_CHARACTER', 'permissions[0].mode'],
    ],
  );
});

t.test('YAML syntax errors carry line and column', async (t) => {
  const got = issues('version: 0.0\nos: linux\nhooks:\n  A: [unclosed\n');
  t.ok(got.length >= 1);
  t.equal(got[0]?.code, 'APPSPEC_YAML_SYNTAX');
  t.match(got[0]?.message, /^The AppSpec file is not valid YAML or JSON: .+ at line \d+, column \d+\.$/);
  const nested = issues('a: b: c\n');
  t.equal(nested[0]?.message, 'The AppSpec file is not valid YAML or JSON: Nested mappings are not allowed in compact mappings at line 1, column 4.');
  const alias = issues('version: 0.0\nos: *nowhere\n');
  t.equal(alias[0]?.code, 'APPSPEC_YAML_SYNTAX');
  t.match(alias[0]?.message, /unknown anchor \(\*nowhere\) at line 2, column 5/);
});

t.test('non-map documents', async (t) => {
  for (const text of ['- version: 0.0\n', 'just a string\n', '42\n', 'false\n', '"0.0"\n']) {
    const got = issues(text);
    t.equal(got.length, 1, text);
    t.equal(got[0]?.code, 'APPSPEC_NOT_A_MAP', text);
  }
  t.match(issues('- a\n')[0]?.message, /must be a map .* but it is a list\./);
});

t.test('wrong section types are APPSPEC_INVALID_SHAPE naming the path', async (t) => {
  const cases: ReadonlyArray<[string, string]> = [
    ['files: {source: a, destination: b}\n', 'files'],
    ['files: [a]\n', 'files[0]'],
    ['hooks: [a]\n', 'hooks'],
    ['hooks:\n  A: {location: x}\n', 'hooks.A'],
    ['hooks:\n  A: [x.sh]\n', 'hooks.A[0]'],
    ['permissions: {object: a}\n', 'permissions'],
    ['permissions: [a]\n', 'permissions[0]'],
    ['permissions:\n  - object: a\n    type: file\n', 'permissions[0].type'],
    ['permissions:\n  - object: a\n    except: "*.tmp"\n', 'permissions[0].except'],
    ['permissions:\n  - object: a\n    acls: "u:bob:rwx"\n', 'permissions[0].acls'],
    ['permissions:\n  - object: a\n    context: unconfined_t\n', 'permissions[0].context'],
  ];
  for (const [body, path] of cases) {
    const got = issues(withHeader(body));
    t.equal(got.length, 1, body);
    t.equal(got[0]?.code, 'APPSPEC_INVALID_SHAPE', body);
    t.equal(got[0]?.path, path, body);
    t.ok(got[0]?.message.includes(path), `${body}: message names the path: ${got[0]?.message}`);
  }
});

t.test('valid documents', async (t) => {
  t.test('no hooks or files gives empty defaults', async (t) => {
    const a = parsed(HEADER);
    t.same({ ...a, hooks: { ...a.hooks } }, { version: 0, os: 'linux', files: [], permissions: [], hooks: {} });
    t.equal(a.fileExistsBehavior, undefined);
  });
  t.test('files: one and many, kept as written', async (t) => {
    t.same(parsed(withHeader('files:\n  - source: test_source\n    destination: test_destination\n')).files, [{ source: 'test_source', destination: 'test_destination' }]);
    t.same(parsed(withHeader('files:\n  - source: a\n    destination: b\n  - source: " c "\n    destination: 2024\n')).files, [
      { source: 'a', destination: 'b' },
      { source: ' c ', destination: '2024' },
    ]);
  });
  t.test('hooks: complete, sudo, partial entries in order', async (t) => {
    const a = parsed(
      withHeader(
        'hooks:\n  test_hook:\n    - location: test_location_1\n      sudo: true\n      runas: foo\n      timeout: 30\n' +
          '    - location: " test_location_lr "\n      runas: " foo3 "\n    - location: test_location_lt\n      timeout: 30\n',
      ),
    );
    t.same(a.hooks['test_hook'], [
      { location: 'test_location_1', timeout: 30, runas: 'foo', sudo: true },
      { location: 'test_location_lr', timeout: 3600, runas: 'foo3', sudo: false },
      { location: 'test_location_lt', timeout: 30, sudo: false },
    ]);
  });
  t.test('file_exists_behavior values', async (t) => {
    for (const b of ['DISALLOW', 'OVERWRITE', 'RETAIN'] as const) t.equal(parsed(withHeader(`file_exists_behavior: ${b}\n`)).fileExistsBehavior, b);
    t.equal(parsed(withHeader('file_exists_behavior:\n')).fileExistsBehavior, undefined);
  });
  t.test('os windows without permissions is valid', async (t) => {
    t.equal(parsed('version: 0.0\nos: windows\n').os, 'windows');
  });
  t.test('unknown top-level keys are ignored', async (t) => {
    t.same(parsed(withHeader('resources: [x]\nextra:\n  deep: 1\n')).files, []);
  });
  t.test('JSON', async (t) => {
    const a = parsed(
      JSON.stringify({
        version: 0.0,
        os: 'linux',
        files: [{ source: '/', destination: '/opt/app' }],
        permissions: [{ object: '/opt/app', mode: '755', acls: ['u:pi:rwx'] }],
        hooks: { ApplicationStart: [{ location: 'start.sh', timeout: 60, runas: 'pi' }] },
      }),
    );
    t.equal(a.version, 0);
    t.same(a.files, [{ source: '/', destination: '/opt/app' }]);
    t.equal(a.permissions[0]?.mode, '755');
    t.same(a.hooks['ApplicationStart'], [{ location: 'start.sh', timeout: 60, runas: 'pi', sudo: false }]);
    t.ok(parseAppSpec('{"version": 0, "os": "linux"}').ok, 'JSON integer 0 version');
  });
});
