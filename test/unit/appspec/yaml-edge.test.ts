// The YAML 1.1 decisions written at the top of appspec/parse.ts.
import t from 'tap';
import { parseAppSpec } from '../../../appspec/index.js';
import { issues, parsed, warnings, withHeader } from './helpers.js';

const modeOf = (mode: string): string | undefined => parsed(withHeader(`permissions:\n  - object: a\n    mode: ${mode}\n`)).permissions[0]?.mode;
const timeoutOf = (timeout: string): number | undefined =>
  parsed(withHeader(`hooks:\n  h:\n    - location: a\n      timeout: ${timeout}\n`)).hooks['h']?.[0]?.timeout;

t.test('version: float 0.0, integer 0 and other spellings equal to 0.0 are accepted', async (t) => {
  for (const v of ['0.0', '0', '0.00', '00', '-0.0', '.0', '0.']) {
    const r = parseAppSpec(`version: ${v}\nos: linux\n`);
    t.ok(r.ok, `version: ${v}`);
    t.same(r.warnings, [], `version: ${v} gives no warning`);
    if (r.ok) t.equal(r.appspec.version, 0);
  }
});

t.test('version: the quoted string "0.0" is accepted with a VERSION_STRING warning', async (t) => {
  for (const text of ['version: "0.0"\nos: linux\n', "version: '0.0'\nos: linux\n", 'version: !!str 0.0\nos: linux\n']) {
    const r = parseAppSpec(text);
    t.ok(r.ok, text);
    t.equal(r.warnings.length, 1);
    t.equal(r.warnings[0]?.code, 'VERSION_STRING');
    t.equal(r.warnings[0]?.path, 'version');
    t.match(r.warnings[0]?.message, /official CodeDeploy agent rejects a quoted version/);
  }
  t.equal(issues('version: "0.00"\nos: linux\n')[0]?.code, 'APPSPEC_INVALID_VERSION', 'only "0.0" itself');
});

t.test('version values are rendered as Ruby shows them', async (t) => {
  const shown = (v: string): string | undefined => /\(([^)]*)\) was entered/.exec(issues(`version: ${v}\nos: linux\n`)[0]?.message ?? '')?.[1];
  t.equal(shown('1.0'), '1.0');
  t.equal(shown('2.50'), '2.5');
  t.equal(shown('1e3'), '1e3', 'a Psych Float needs a dot, so 1e3 is a String');
  t.equal(shown('1.0e+20'), '1.0e+20');
  t.equal(shown('0.00001'), '1.0e-05');
  t.equal(shown('010'), '8', 'octal');
  t.equal(shown('0x10'), '16', 'hex');
  t.equal(shown('1_000'), '1000');
  t.equal(shown('yes'), 'true');
  t.equal(shown('y'), 'y', 'y is not a boolean to Psych');
  t.equal(shown('.inf'), 'Infinity');
  t.equal(shown('~'), '');
  t.equal(shown('"abc"'), 'abc');
  t.equal(shown('{a: 1}'), '{"a"=>1}');
});

t.test('mode: digits as written; 0644 warns MODE_OCTAL_LITERAL', async (t) => {
  t.equal(modeOf('644'), '644');
  t.equal(modeOf('"755"'), '755');
  t.equal(modeOf('7'), '007');
  t.equal(modeOf('12'), '012', 'zero padding to 3');
  t.equal(modeOf('6763'), '6763');
  t.equal(modeOf('0644'), '0644');
  t.equal(modeOf('"0644"'), '0644', 'quoted: a string, no warning');

  const w = warnings(withHeader('permissions:\n  - object: a\n    mode: 0644\n'));
  t.equal(w.length, 1);
  t.equal(w[0]?.code, 'MODE_OCTAL_LITERAL');
  t.equal(w[0]?.path, 'permissions[0].mode');
  t.match(w[0]?.message, /octal number 420 and would apply mode 420/);

  const w755 = warnings(withHeader('permissions:\n  - object: a\n    mode: 0755\n'));
  t.match(w755[0]?.message, /octal number 493 and would reject it/);
  t.same(warnings(withHeader('permissions:\n  - object: a\n    mode: "0644"\n')), [], 'no warning when quoted');
  t.same(warnings(withHeader('permissions:\n  - object: a\n    mode: 644\n')), []);
  t.same(warnings(withHeader('permissions:\n  - object: a\n    mode: 0000\n')), [], 'no warning when the official agent would do the same');
  t.same(warnings(withHeader('permissions:\n  - object: a\n    mode: 00\n')), []);
});

t.test('mode: 01777 is too long as written (the official agent would apply 1023)', async (t) => {
  const r = parseAppSpec(withHeader('permissions:\n  - object: a\n    mode: 01777\n'));
  t.notOk(r.ok);
  if (!r.ok) t.equal(r.issues[0]?.code, 'APPSPEC_MODE_LENGTH');
  t.match(r.warnings[0]?.message, /would apply mode 1023/);
});

t.test('timeout goes through Ruby to_i', async (t) => {
  t.equal(timeoutOf('"300"'), 300);
  t.equal(timeoutOf('300'), 300);
  t.equal(timeoutOf('1.5'), 1);
  t.equal(timeoutOf('"42abc"'), 42);
  t.equal(timeoutOf('" 12"'), 12);
  t.equal(timeoutOf('1_200'), 1200);
  t.equal(timeoutOf('~'), 3600, 'null is the default');
  t.equal(timeoutOf('false'), 3600, 'false || 3600');
  t.equal(timeoutOf('1:30'), 5400, "Psych's own sexagesimal arithmetic (1*3600 + 30*60)");
  for (const bad of ['foo', '0', '-1', '"-10"', '0.9', '.nan', '.inf', '[1]', 'true']) {
    t.equal(issues(withHeader(`hooks:\n  h:\n    - location: a\n      timeout: ${bad}\n`))[0]?.code, 'APPSPEC_HOOK_BAD_TIMEOUT', `timeout: ${bad}`);
  }
});

t.test('hooks: a null list is left out, [] stays as an empty hook', async (t) => {
  const a = parsed(withHeader('hooks:\n  BeforeInstall:\n  AfterInstall: []\n  ApplicationStart: ~\n'));
  t.same(Object.keys(a.hooks), ['AfterInstall']);
  t.same(a.hooks['AfterInstall'], []);
});

t.test('hook names are not validated at parse time; odd names are plain keys', async (t) => {
  const a = parsed(withHeader('hooks:\n  NotAnEvent:\n    - location: x\n  __proto__:\n    - location: p\n  toString: []\n'));
  t.same(Object.keys(a.hooks), ['NotAnEvent', '__proto__', 'toString']);
  t.equal(a.hooks['__proto__']?.[0]?.location, 'p');
  t.equal(Object.hasOwn(a.hooks, 'constructor'), false);
});

t.test('sudo is Ruby-truthy; booleans are Psych booleans', async (t) => {
  const sudoOf = (v: string): boolean | undefined => parsed(withHeader(`hooks:\n  h:\n    - location: a\n      sudo: ${v}\n`)).hooks['h']?.[0]?.sudo;
  for (const v of ['true', 'yes', 'On', 'TRUE', '1', '"false"', 'n', 'y', '0']) t.equal(sudoOf(v), true, `sudo: ${v}`);
  for (const v of ['false', 'no', 'off', 'OFF', '~', '']) t.equal(sudoOf(v), false, `sudo: ${v}`);
});

t.test('duplicate keys: the last one wins, like Psych', async (t) => {
  const a = parsed('version: 1.0\nos: windows\nversion: 0.0\nos: linux\nhooks:\n  A:\n    - location: one\n  A:\n    - location: two\n');
  t.equal(a.os, 'linux');
  t.same(a.hooks['A']?.map((s) => s.location), ['two']);
  const files = parsed(withHeader('files:\n  - source: a\n    destination: b\n    destination: c\n')).files;
  t.same(files, [{ source: 'a', destination: 'c' }]);
});

t.test('anchors, aliases and << merge keys', async (t) => {
  const a = parsed(
    withHeader(
      'x-script: &s {location: run.sh, timeout: 10}\nhooks:\n  A: [*s, {<<: *s, timeout: 20}]\n  B:\n    - <<: [{location: first.sh}, {location: second.sh, runas: pi}]\n',
    ),
  );
  t.same(a.hooks['A'], [
    { location: 'run.sh', timeout: 10, sudo: false },
    { location: 'run.sh', timeout: 20, sudo: false },
  ]);
  t.same(a.hooks['B'], [{ location: 'first.sh', timeout: 3600, runas: 'pi', sudo: false }]);
  const cyclic = parseAppSpec(withHeader('permissions:\n  - object: a\n    context: &c {name: x, self: *c}\n'));
  t.notOk(cyclic.ok);
  if (!cyclic.ok) t.match(cyclic.issues[0]?.message, /\{"name"=>"x", "self"=>\{\.\.\.\}\}/);
});

t.test('only the first document of a stream is read', async (t) => {
  t.ok(parseAppSpec('version: 0.0\nos: linux\n---\nthis: [is not read\n').ok);
});
