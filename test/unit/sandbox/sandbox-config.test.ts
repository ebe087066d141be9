import t from 'tap';
import { assumePolicy, loadSandboxConfig, parseSandboxConfig } from '../../../sandbox/sandbox-config.js';

t.test('defaults: us-east-1, pipeline account 111111111111, anyone may be assumed', async (t) => {
  const c = parseSandboxConfig('', 'x.yaml');
  t.same(c, { region: 'us-east-1', pipelineAccountId: '111111111111' });
  t.ok(assumePolicy(c)('999999999999', 'Anything'));
});

t.test('tenants restrict accounts and roles; the pipeline account is always allowed', async (t) => {
  const c = parseSandboxConfig("region: eu-west-1\npipelineAccountId: '123456789012'\ntenants:\n  - accountId: '222222222222'\n    roles: [Deploy]\n  - accountId: '333333333333'\n    name: open\n", 'x.yaml');
  const allow = assumePolicy(c);
  t.ok(allow('222222222222', 'Deploy'));
  t.notOk(allow('222222222222', 'Admin'));
  t.ok(allow('333333333333', 'Admin'), 'no roles listed: any role');
  t.ok(allow('123456789012', 'Pipeline'));
  t.notOk(allow('444444444444', 'Deploy'));
  t.equal(c.tenants?.[0]?.name, '222222222222', 'name defaults to the account id');
});

t.test('errors name the key', async (t) => {
  const cases: [string, RegExp][] = [
    ['region: Mars\n', /region: expected a region name/],
    ['pipelineAccountId: 12\n', /pipelineAccountId: expected 12 digits/],
    ['tenants: yes\n', /tenants: expected a list/],
    ['tenants:\n  - accountId: 222222222222\n    roles: Deploy\n', /tenants\[0\]\.roles: expected a list/],
    ['tenant: []\n', /unknown key tenant/],
    ['[1, 2]\n', /must hold a map/],
    ['a: [\n', /not valid YAML/],
  ];
  for (const [text, message] of cases) t.throws(() => parseSandboxConfig(text, 'x.yaml'), { code: 'CONFIG_INVALID', message });
  t.throws(() => loadSandboxConfig('/no/such.yaml'), { code: 'CONFIG_NOT_FOUND' });
});
