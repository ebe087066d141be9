// edge-agent check-config: real files with real modes, the function the CLI calls (its report
// rendered for people, or the data of the JSON document).
import t from 'tap';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkConfig, renderCheckConfig, type CheckConfigOptions } from '../../../agent/cli/check-config.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLETOKENvalue';
const USER_ARN = 'arn:aws:iam::111122223333:user/pi-fleet-01';
const SESSION_ARN = 'arn:aws:sts::111122223333:assumed-role/EdgeRole/pi-fleet-02';
const agentUid = process.getuid?.() ?? 0;

function write(path: string, text: string, mode = 0o600): string {
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

const userOnPrem = (dir: string, mode = 0o600, region = 'eu-west-1'): string =>
  write(join(dir, 'codedeploy.onpremises.yml'), `---\naws_access_key_id: AKIAIOSFODNN7EXAMPLE\naws_secret_access_key: ${SECRET}\niam_user_arn: ${USER_ARN}\nregion: ${region}\n`, mode);

interface Checked {
  readonly code: number;
  readonly text: string;
  readonly error?: unknown;
}

async function check(opts: CheckConfigOptions & { json?: boolean }, dir: string, defaults: { config?: string; onprem?: string[] } = {}): Promise<Checked> {
  const { json, ...options } = opts;
  const outcome = await checkConfig(options, {
    defaultConfigPath: defaults.config ?? join(dir, 'no-agent.yml'),
    defaultOnPremisesPaths: defaults.onprem ?? [join(dir, 'no-onprem.yml')],
    agentUid,
  });
  const text = json === true ? JSON.stringify(outcome.data) : renderCheckConfig(outcome.data).trimEnd();
  return { code: outcome.exit, text, ...(outcome.error === undefined ? {} : { error: outcome.error }) };
}

t.test('IAM user identity: exit 0, effective config printed, secrets redacted', async (t) => {
  const dir = t.testdir();
  const config = write(join(dir, 'agent.yml'), `:root_dir: ${dir}/root\n:wait_between_runs: 2\n:proxy_uri:\n`, 0o644);
  const onprem = userOnPrem(dir);
  const { code, text } = await check({ config, onPremisesConfig: onprem }, dir);
  t.equal(code, 0, text);
  t.equal((await check({ config, onPremisesConfig: onprem }, dir)).error, undefined, 'no error when valid');
  t.match(text, `agent config: ${config}`);
  t.match(text, new RegExp(`root_dir: +${dir}/root`));
  t.match(text, /wait_between_runs: +2\n/);
  t.match(text, /http_read_timeout: +80\n/);
  t.match(text, /proxy_uri: +\(not set\)/);
  t.match(text, new RegExp(`host_identifier: +${USER_ARN}`));
  t.match(text, /aws_access_key_id: +\*{16}MPLE/);
  t.match(text, /aws_secret_access_key: +REDACTED/);
  t.match(text, /configuration OK$/);
  t.notMatch(text, SECRET);
  t.notMatch(text, 'AKIAIOSFODNN7EXAMPLE');

  const json = await check({ config, onPremisesConfig: onprem, json: true }, dir);
  t.equal(json.code, 0);
  const doc = JSON.parse(json.text) as Record<string, unknown>;
  t.match(doc, {
    ok: true,
    agentConfigFile: config,
    agentConfig: { root_dir: `${dir}/root`, wait_between_runs: 2, max_revisions: 5, proxy_uri: null, use_fips_mode: false },
    onPremisesConfigFile: onprem,
    identity: { mode: 'iam-user', region: 'eu-west-1', effective_region: 'eu-west-1', host_identifier: USER_ARN, aws_access_key_id: '****************MPLE', aws_secret_access_key: 'REDACTED' },
    warnings: [],
    errors: [],
  });
  t.notMatch(json.text, SECRET);
});

t.test('IAM session identity: the credentials file is read, nothing secret is printed', async (t) => {
  const dir = t.testdir();
  const creds = write(join(dir, 'aws_credentials'), `[default]\naws_access_key_id = ASIAEXAMPLESESSION42\naws_secret_access_key = ${SECRET}\naws_session_token = ${TOKEN}\n`);
  const onprem = write(join(dir, 'onprem.yml'), `iam_session_arn: ${SESSION_ARN}\naws_credentials_file: ${creds}\nregion: us-east-1\n`, 0o644);
  for (const json of [false, true]) {
    const { code, text } = await check({ onPremisesConfig: onprem, json }, dir);
    t.equal(code, 0, text);
    t.notMatch(text, SECRET);
    t.notMatch(text, TOKEN);
    t.notMatch(text, 'ASIAEXAMPLESESSION42');
    t.match(text, '****************ON42');
    t.match(text, SESSION_ARN);
    t.match(text, 'no agent config file');
  }
  chmodSync(creds, 0o640);
  const loose = await check({ onPremisesConfig: onprem }, dir);
  t.equal(loose.code, 2);
  t.match(loose.text, `error: ${creds} holds secrets and is readable by group/other (mode 0640); run: chmod 600 ${creds} [CONFIG_INSECURE_PERMISSIONS]`);
  t.notMatch(loose.text, SECRET);

  const missing = write(join(dir, 'onprem2.yml'), `iam_session_arn: ${SESSION_ARN}\naws_credentials_file: ${dir}/nope\nregion: us-east-1\n`);
  const r = await check({ onPremisesConfig: missing }, dir);
  t.equal(r.code, 2);
  t.match(r.text, `error: Failed to load credentials from path ${dir}/nope: the file does not exist [CREDENTIALS_UNAVAILABLE]`);
});

t.test('a world-readable on-premises file with access keys is refused (exit 2)', async (t) => {
  const dir = t.testdir();
  const onprem = userOnPrem(dir, 0o644);
  const { code, text } = await check({ onPremisesConfig: onprem }, dir);
  t.equal(code, 2);
  t.match(text, `${onprem} holds secrets and is readable by group/other (mode 0644); run: chmod 600 ${onprem}`);
  t.match(text, /configuration INVALID \(1 error\)$/);
  t.notMatch(text, SECRET);
  const failed = await check({ onPremisesConfig: onprem, json: true }, dir);
  const json = JSON.parse(failed.text) as { ok: boolean; errors: { code: string }[] };
  t.same([json.ok, json.errors.map((e) => e.code)], [false, ['CONFIG_INSECURE_PERMISSIONS']]);
  t.match(failed.error, { code: 'CONFIG_CHECK_FAILED', message: /^the configuration is invalid: .* \[CONFIG_INSECURE_PERMISSIONS\]$/ }, 'the one error, for the envelope');
});

t.test('invalid configs: exit 2 with the message naming the key', async (t) => {
  const dir = t.testdir();
  const onprem = userOnPrem(dir);
  const bad = write(join(dir, 'bad.yml'), 'http_read_timeout: 30\n');
  let r = await check({ config: bad, onPremisesConfig: onprem }, dir);
  t.equal(r.code, 2);
  t.match(r.text, 'error: config key http_read_timeout: must be at least 80 seconds');

  const fips = write(join(dir, 'fips.yml'), ':use_fips_mode: true\n');
  r = await check({ config: fips, onPremisesConfig: onprem }, dir);
  t.equal(r.code, 2);
  t.match(r.text, 'error: use_fips_mode can be set to true only in regions located in the USA (the region is eu-west-1) [CONFIG_INVALID]');
  r = await check({ config: fips, onPremisesConfig: userOnPrem(mkdirSync(join(dir, 'us'), { recursive: true }) ?? join(dir, 'us'), 0o600, 'us-west-2') }, dir);
  t.equal(r.code, 0, r.text);

  const override = write(join(dir, 'override.yml'), 'region: us-east-1\nuse_fips_mode: true\n');
  r = await check({ config: override, onPremisesConfig: onprem, json: true }, dir);
  t.equal(r.code, 0, r.text);
  t.match(JSON.parse(r.text), { identity: { region: 'eu-west-1', effective_region: 'us-east-1' }, warnings: ["config key region (us-east-1) overrides the on-premises file's region (eu-west-1)"] });

  const ca = write(join(dir, 'ca.yml'), `spec_ca_file: ${dir}/ca.pem\n`);
  r = await check({ config: ca, onPremisesConfig: onprem }, dir);
  t.equal(r.code, 2);
  t.match(r.text, `error: config key spec_ca_file: ${dir}/ca.pem does not exist or is not readable [CONFIG_NOT_FOUND]`);
  write(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', 0o644);
  t.equal((await check({ config: ca, onPremisesConfig: onprem }, dir)).code, 0);

  r = await check({ config: join(dir, 'absent.yml'), onPremisesConfig: onprem }, dir);
  t.equal(r.code, 2);
  t.match(r.text, `configuration file ${dir}/absent.yml does not exist or is not readable [CONFIG_NOT_FOUND]`);

  const badYaml = write(join(dir, 'bad-onprem.yml'), `aws_secret_access_key: ${SECRET}\nregion: [eu\n`);
  r = await check({ onPremisesConfig: badYaml }, dir);
  t.equal(r.code, 2);
  t.match(r.text, `The deployment failed because the format of the following on-premises configuration file is invalid: ${badYaml}`);
  t.notMatch(r.text, SECRET);

  const both = write(join(dir, 'both.yml'), `iam_user_arn: ${USER_ARN}\niam_session_arn: ${SESSION_ARN}\nregion: eu-west-1\n`);
  r = await check({ onPremisesConfig: both }, dir);
  t.equal(r.code, 2);
  t.match(r.text, "On Premises config cannot contain both 'iam_user_arn' and 'iam_session_arn' keys.");
});

t.test('default paths: the agent config when present, the first existing on-premises file', async (t) => {
  const dir = t.testdir();
  let r = await check({}, dir);
  t.equal(r.code, 2, 'no on-premises identity: the daemon could not start');
  t.match(r.text, `error: no on-premises configuration file: none of ${dir}/no-onprem.yml exists; the daemon needs one (set on_premises_config_file)`);

  const defaultConfig = write(join(dir, 'agent.yml'), 'max_revisions: 2\n');
  const second = userOnPrem(dir);
  r = await check({}, dir, { config: defaultConfig, onprem: [join(dir, 'edge-onprem.yml'), second] });
  t.equal(r.code, 0, r.text);
  t.match(r.text, `agent config: ${defaultConfig}`);
  t.match(r.text, /max_revisions: +2\n/);
  t.match(r.text, `on-premises identity: ${second}`);

  const first = write(join(dir, 'edge-onprem.yml'), `iam_session_arn: ${SESSION_ARN}\naws_credentials_file: /nonexistent/creds\nregion: eu-west-1\n`);
  r = await check({}, dir, { config: defaultConfig, onprem: [first, second] });
  t.match(r.text, `on-premises identity: ${first}`, 'ours first');

  const pointed = write(join(dir, 'pointed.yml'), `on_premises_config_file: ${second}\n`);
  r = await check({ config: pointed }, dir, { onprem: [first] });
  t.match(r.text, `on-premises identity: ${second}`, 'on_premises_config_file wins over the defaults');
  t.equal(r.code, 0, r.text);
});

t.test('an agent config that does not load shows no values that would not apply', async (t) => {
  const dir = t.testdir();
  const bad = write(join(dir, 'bad.yml'), 'max_revisions: many\n');
  const r = await check({ config: bad, onPremisesConfig: userOnPrem(dir, 0o644) }, dir);
  t.equal(r.code, 2);
  t.match(r.error, { code: 'CONFIG_CHECK_FAILED', message: /max_revisions.*\[CONFIG_INVALID\] \(and 1 more: see errors\)$/ }, 'more errors are counted');
  t.match(r.text, `agent config: ${bad}\n  (not loaded: see the error below)\non-premises identity:`);
  t.match(r.text, 'error: config key max_revisions: expected a whole number of at least 1, got "many" [CONFIG_INVALID] Fix the key named in the message.');
});
