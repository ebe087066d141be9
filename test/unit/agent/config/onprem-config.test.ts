import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOnPremisesConfig, parseOnPremisesConfig } from '../../../../agent/config/onprem-config.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const USER_ARN = 'arn:aws:iam::111122223333:user/CodeDeployUser-OnPrem';
const SESSION_ARN = 'arn:aws:sts::111122223333:assumed-role/CodeDeployInstanceRole/raspberrypi-01';
const userFile = (extra = ''): string =>
  `---\naws_access_key_id: AKIAIOSFODNN7EXAMPLE\naws_secret_access_key: ${SECRET}\niam_user_arn: ${USER_ARN}\nregion: eu-west-1\n${extra}`;
const sessionFile = (extra = ''): string => `---\niam_session_arn: ${SESSION_ARN}\naws_credentials_file: /etc/codedeploy-agent/conf/.aws_credentials\nregion: eu-west-1\n${extra}`;

t.test('IAM user mode', async (t) => {
  const { config, warnings } = parseOnPremisesConfig(userFile(), 'op.yml');
  t.same(config, {
    mode: 'iam-user',
    source: 'op.yml',
    region: 'eu-west-1',
    hostIdentifier: USER_ARN,
    holdsSecrets: true,
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET },
  });
  t.same(warnings, []);
});

t.test('IAM session mode', async (t) => {
  const { config, warnings } = parseOnPremisesConfig(sessionFile(), 'op.yml');
  t.same(config, {
    mode: 'iam-session',
    source: 'op.yml',
    region: 'eu-west-1',
    hostIdentifier: SESSION_ARN,
    holdsSecrets: false,
    credentialsFile: '/etc/codedeploy-agent/conf/.aws_credentials',
  });
  t.same(warnings, []);
});

t.test('leading colons, duplicates last-wins, unknown and ignored keys warned', async (t) => {
  const { config, warnings } = parseOnPremisesConfig(`:region: us-east-1\n${userFile().replace('---\n', '')}:region: us-west-2\nfoo: 1\naws_credentials_file: /x\n`, 'op.yml');
  t.equal(config.region, 'us-west-2');
  t.equal(config.mode, 'iam-user');
  t.same(warnings, ['on-premises config key foo in op.yml is unknown and ignored', "on-premises config op.yml: 'aws_credentials_file' is ignored with 'iam_user_arn'"]);
  const session = parseOnPremisesConfig(sessionFile(`aws_secret_access_key: ${SECRET}\n`), 'op.yml');
  t.equal(session.config.holdsSecrets, true, 'a stray secret still makes the file a secret file');
  t.same(session.warnings, ["on-premises config op.yml: 'aws_secret_access_key' is ignored with 'iam_session_arn' (the keys come from /etc/codedeploy-agent/conf/.aws_credentials)"]);
});

t.test('official error messages', async (t) => {
  for (const field of ['region', 'aws_access_key_id', 'aws_secret_access_key']) {
    const text = userFile().replace(new RegExp(`^${field}:.*$`, 'm'), '');
    t.throws(() => parseOnPremisesConfig(text, 'op.yml'), { code: 'CONFIG_INVALID', message: `'${field}' key is required when 'iam_user_arn' is provided.` }, field);
  }
  for (const field of ['region', 'aws_credentials_file']) {
    const text = sessionFile().replace(new RegExp(`^${field}:.*$`, 'm'), `${field}:`);
    t.throws(() => parseOnPremisesConfig(text, 'op.yml'), { code: 'CONFIG_INVALID', message: `'${field}' key is required when 'iam_session_arn' is provided.` }, field);
  }
  t.throws(() => parseOnPremisesConfig(userFile(`iam_session_arn: ${SESSION_ARN}\n`), 'op.yml'), {
    code: 'CONFIG_INVALID',
    message: "On Premises config cannot contain both 'iam_user_arn' and 'iam_session_arn' keys.",
  });
  for (const bad of [`aws_secret_access_key: ${SECRET}\nregion: [eu-west-1\n`, '- a list\n', 'just text\n']) {
    const e = t.throws(() => parseOnPremisesConfig(bad, '/etc/op.yml'), {
      code: 'CONFIG_INVALID',
      message: 'The deployment failed because the format of the following on-premises configuration file is invalid: /etc/op.yml',
    }) as Error;
    t.notMatch(JSON.stringify({ m: e?.message, c: String(e?.cause) }), SECRET, 'the parser message (which quotes lines) is not shown');
  }
  t.throws(() => parseOnPremisesConfig('region: eu-west-1\n', 'op.yml'), {
    code: 'CONFIG_INVALID',
    message:
      "on-premises config op.yml names no identity: set 'iam_user_arn' (with 'aws_access_key_id', 'aws_secret_access_key' and 'region'), 'iam_session_arn' (with 'aws_credentials_file' and 'region') or 'iot_thing_name' (with 'iot_role_alias', 'iot_credentials_endpoint', 'iot_certificate_file', 'iot_private_key_file' and 'region')",
  });
  t.throws(() => parseOnPremisesConfig('', 'op.yml'), { message: /^on-premises config op.yml names no identity/ }, 'an empty file');
});

t.test('our own checks: ARN shapes, region, key id, absolute credentials path; secrets never quoted', async (t) => {
  t.throws(() => parseOnPremisesConfig(userFile().replace(USER_ARN, 'arn:aws:iam::1:role/x'), 'op.yml'), {
    message: `on-premises config op.yml: 'iam_user_arn' must look like arn:aws:iam::<account>:user/<name>, got "arn:aws:iam::1:role/x"`,
  });
  t.throws(() => parseOnPremisesConfig(sessionFile().replace(SESSION_ARN, USER_ARN), 'op.yml'), { message: /'iam_session_arn' must look like arn:aws:sts::<account>:assumed-role\/<role>\/<session>/ });
  t.throws(() => parseOnPremisesConfig(userFile().replace('eu-west-1', 'Ireland'), 'op.yml'), { message: `on-premises config op.yml: 'region' must be a region name like eu-west-1, got "Ireland"` });
  t.throws(() => parseOnPremisesConfig(userFile().replace('AKIAIOSFODNN7EXAMPLE', 'akia-lower'), 'op.yml'), { message: /'aws_access_key_id' is not an access key id/ });
  t.throws(() => parseOnPremisesConfig(sessionFile().replace('/etc/codedeploy-agent/conf/.aws_credentials', 'creds'), 'op.yml'), { message: `on-premises config op.yml: 'aws_credentials_file' must be an absolute path, got "creds"` });
  const e = t.throws(() => parseOnPremisesConfig(userFile().replace(SECRET, `[${SECRET}]`), 'op.yml'), { message: "on-premises config op.yml: 'aws_secret_access_key' must be a string, got a list" }) as Error;
  t.notMatch(e?.message ?? '', SECRET);
});

t.test('load from a file', async (t) => {
  const dir = t.testdir({ 'op.yml': sessionFile() });
  t.equal(loadOnPremisesConfig(join(dir, 'op.yml')).config.source, join(dir, 'op.yml'));
  t.throws(() => loadOnPremisesConfig(join(dir, 'none.yml')), { code: 'CONFIG_NOT_FOUND', message: `on-premises configuration file ${join(dir, 'none.yml')} does not exist or is not readable` });
  writeFileSync(join(dir, 'bad.yml'), ':\n  - [\n');
  t.throws(() => loadOnPremisesConfig(join(dir, 'bad.yml')), { message: `The deployment failed because the format of the following on-premises configuration file is invalid: ${join(dir, 'bad.yml')}` });
});
