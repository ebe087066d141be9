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

t.test('accounts: roles with trust, buckets, keys, CodeDeploy applications (YAML and JSON)', async (t) => {
  const yaml = `
pipelineAccountId: '111111111111'
accounts:
  - accountId: '222222222222'
    kind: device
    roles: [FleetDeployRole]
  - accountId: '333333333333'
    name: tenant-a
    roles:
      - name: Deploy
        trust: { accounts: ['111111111111'], externalId: ext-1 }
        maxSessionDuration: 7200
      - name: Cfn
        trust: { services: [cloudformation.amazonaws.com] }
    kmsKeys: [{ alias: web }]
    buckets:
      - name: tenant-a-web
        encryption: { kmsKey: alias/web, bucketKey: true }
        policy: '{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::tenant-a-web/*"}]}'
    codedeploy:
      applications: [{ name: app, deploymentGroups: [{ name: servers }] }]
`;
  const c = parseSandboxConfig(yaml, 'a.yaml');
  const [device, tenant] = c.accounts!;
  t.equal(device?.kind, 'device');
  t.equal(tenant?.kind, 'tenant', 'kind defaults to tenant');
  t.equal(tenant?.roles?.[0]?.maxSessionDuration, 7200);
  t.same(tenant?.buckets[0]?.encryption, { algorithm: 'aws:kms', kmsKey: 'alias/web', bucketKey: true });
  t.equal(tenant?.buckets[0]?.objectOwnership, 'BucketOwnerEnforced');
  t.same(tenant?.kmsKeys[0]?.aliases, ['alias/web']);
  t.same(tenant?.codedeploy[0]?.deploymentGroups, [{ deploymentGroupName: 'servers' }]);
  const allow = assumePolicy(c);
  t.ok(allow('333333333333', 'Deploy'));
  t.notOk(allow('333333333333', 'Admin'), 'an undeclared role');
  t.notOk(allow('555555555555', 'Deploy'), 'an undeclared account');
  t.ok(allow('111111111111', 'Anything'), 'the undeclared pipeline account is open');
  const json = parseSandboxConfig(JSON.stringify({ accounts: [{ accountId: '333333333333', roles: ['R'] }] }), 'a.json');
  t.equal(json.accounts?.[0]?.roles?.[0]?.name, 'R', 'a JSON file');
});

t.test('accounts errors say file:path: reason', async (t) => {
  const cases: [string, RegExp][] = [
    ['accounts: {}\n', /a\.yaml: accounts: expected a list of accounts/],
    ["accounts:\n  - accountId: '12'\n", /accounts\[0\]\.accountId: expected 12 digits/],
    ["accounts:\n  - accountId: '333333333333'\n    colour: red\n", /accounts\[0\]\.colour: unknown key/],
    ["accounts:\n  - accountId: '333333333333'\n    roles: [{ name: R, trust: { accounts: ['1'] } }]\n", /accounts\[0\]\.roles\[0\]\.trust\.accounts\[0\]: expected a 12-digit account id/],
    ["accounts:\n  - accountId: '333333333333'\n    roles: [{ name: R, trust: { externalId: 'x' , accounts: ['111111111111'] } }]\n", /trust\.externalId: expected an external id/],
    ["accounts:\n  - accountId: '333333333333'\n    roles: [{ name: R, trust: {} }]\n", /roles\[0\]\.trust: names nobody/],
    ["accounts:\n  - accountId: '333333333333'\n    roles: [{ name: R, maxSessionDuration: 60 }]\n", /maxSessionDuration: expected whole seconds from 3600 to 43200/],
    ["accounts:\n  - accountId: '333333333333'\n    roles: [R, R]\n", /role R is declared twice/],
    ["accounts:\n  - accountId: '333333333333'\n    buckets: [{ name: B }]\n", /buckets\[0\]\.name: expected a bucket name/],
    ["accounts:\n  - accountId: '333333333333'\n    buckets: [{ name: bkt, policy: { Statement: [{ Effect: Maybe, Action: '*' }] } }]\n", /buckets\[0\]\.policy\.Statement\[0\]\.Effect: expected Allow or Deny/],
    ["accounts:\n  - accountId: '333333333333'\n    buckets: [{ name: bkt, encryption: { algorithm: AES256, kmsKey: alias/x } }]\n", /encryption\.kmsKey: only with algorithm aws:kms/],
    ["accounts:\n  - accountId: '333333333333'\n    kmsKeys: [{ alias: aws/s3 }]\n", /kmsKeys\[0\]\.aliases\[0\]: invalid alias/],
    ["accounts:\n  - accountId: '333333333333'\n  - accountId: '333333333333'\n", /account 333333333333 is declared twice/],
    ["accounts:\n  - accountId: '333333333333'\n    codedeploy: { applications: [{ name: a, computePlatform: Lambda }] }\n", /computePlatform: expected Server/],
    ["accounts:\n  - accountId: '333333333333'\ntenants:\n  - accountId: '333333333333'\n", /also declared under accounts/],
  ];
  for (const [text, message] of cases) t.throws(() => parseSandboxConfig(text, 'a.yaml'), { code: 'CONFIG_INVALID', message }, String(message));
});
