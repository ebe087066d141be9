import t from 'tap';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import {
  checkFipsRegion,
  DEFAULT_AGENT_CONFIG,
  DEFAULT_ON_PREMISES_CONFIG_PATHS,
  FIPS_REGIONS,
  loadAgentConfig,
  parseAgentConfig,
  resolveOnPremisesConfigPath,
} from '../../../../agent/config/agent-config.js';

t.test('official codedeployagent.yml keys, with and without colons; last duplicate wins', async (t) => {
  const text = `---\n:log_dir: '/var/log/aws/codedeploy-agent/'\n:pid_dir: '/opt/codedeploy-agent/state/.pid/'\n:program_name: codedeploy-agent\n:root_dir: '/opt/codedeploy-agent/deployment-root'\n:verbose: false\n:wait_between_runs: 1\n:proxy_uri:\n:max_revisions: 5\nmax_revisions: 3\n`;
  const { config, warnings } = parseAgentConfig(text, 'x.yml');
  t.equal(config.rootDir, '/opt/codedeploy-agent/deployment-root');
  t.equal(config.logDir, '/var/log/aws/codedeploy-agent');
  t.equal(config.maxRevisions, 3);
  t.same(warnings, []);
});

t.test('defaults, our own keys, unknown keys warned', async (t) => {
  const { config, warnings } = parseAgentConfig('kill_grace_seconds: 2\narchive_max_entries: "500"\nfrobnicate: 1\n', 'a.yml');
  t.equal(config.killGraceSeconds, 2);
  t.equal(config.archiveMaxEntries, 500);
  t.equal(config.maxRevisions, DEFAULT_AGENT_CONFIG.maxRevisions);
  t.same(warnings, ['config key frobnicate in a.yml is unknown and ignored']);
  t.same(parseAgentConfig('', 'empty.yml').config, DEFAULT_AGENT_CONFIG);
});

t.test('errors name the key and what is wrong', async (t) => {
  t.throws(() => parseAgentConfig('max_revisions: 0\n', 'a.yml'), { code: 'CONFIG_INVALID', message: 'config key max_revisions: expected a whole number of at least 1, got 0' });
  t.throws(() => parseAgentConfig(':max_revisions: five\n', 'a.yml'), { code: 'CONFIG_INVALID', message: /max_revisions: expected a whole number/ });
  t.throws(() => parseAgentConfig('root_dir: 5\n', 'a.yml'), { code: 'CONFIG_INVALID', message: /root_dir: expected a path/ });
  t.throws(() => parseAgentConfig('verbose: yes please\n', 'a.yml'), { code: 'CONFIG_INVALID', message: /verbose: expected true or false/ });
  t.throws(() => parseAgentConfig('- a\n- b\n', 'a.yml'), { code: 'CONFIG_INVALID', message: /must hold a map/ });
  t.throws(() => parseAgentConfig('a: [\n', 'a.yml'), { code: 'CONFIG_INVALID', message: /^An error occurred loading the agent config file at a.yml/ });
  t.throws(() => loadAgentConfig('/no/such/file.yml'), { code: 'CONFIG_NOT_FOUND', message: 'configuration file /no/such/file.yml does not exist or is not readable' });
  const dir = t.testdir();
  writeFileSync(join(dir, 'c.yml'), 'root_dir: /tmp/x/\n');
  t.equal(loadAgentConfig(join(dir, 'c.yml')).config.rootDir, '/tmp/x');
});

t.test('daemon keys: defaults', async (t) => {
  const { config } = parseAgentConfig('', 'a.yml');
  t.equal(config.waitBetweenRunsSeconds, 1);
  t.equal(config.waitAfterThrottleErrorSeconds, 60);
  t.equal(config.waitAfterConnectionProblemSeconds, 5);
  t.equal(config.httpReadTimeoutSeconds, 80);
  t.equal(config.killAgentMaxWaitTimeSeconds, 7200);
  t.equal(config.enableAuthPolicy, false);
  t.equal(config.useFipsMode, false);
  t.equal(config.developerMode, false);
  for (const k of ['proxyUri', 'deployControlEndpoint', 's3EndpointOverride', 'onPremisesConfigFile', 'region', 'specCaFile', 'specSignerSubject'] as const) {
    t.equal(config[k], undefined, k);
  }
});

t.test('daemon keys: an official codedeployagent.yml with colons, duplicates last-wins', async (t) => {
  const text = [
    '---',
    ":wait_between_runs: 1",
    ":wait_between_runs: 0.5",
    ":proxy_uri: 'http://proxy.lan:3128'",
    ':deploy_control_endpoint: https://codedeploy-commands.eu-west-1.amazonaws.com',
    's3_endpoint_override: http://127.0.0.1:9000',
    ':enable_auth_policy: true',
    ':http_read_timeout: 80',
    'http_read_timeout: 120',
    ':on_premises_config_file: /etc/codedeploy-agent/conf/codedeploy.onpremises.yml',
    ':kill_agent_max_wait_time_seconds: 600',
    'region: eu-west-1',
    'spec_ca_file: /etc/edge-agent/spec-ca.pem',
    "spec_signer_subject: '^CN=codedeploy-signer-.*'",
    ':children: 1',
    ':log_aws_wire: false',
    ':disable_imds_v1: true',
    '',
  ].join('\n');
  const { config, warnings } = parseAgentConfig(text, 'c.yml');
  t.equal(config.waitBetweenRunsSeconds, 0.5);
  t.equal(config.proxyUri, 'http://proxy.lan:3128');
  t.equal(config.deployControlEndpoint, 'https://codedeploy-commands.eu-west-1.amazonaws.com');
  t.equal(config.s3EndpointOverride, 'http://127.0.0.1:9000');
  t.equal(config.enableAuthPolicy, true);
  t.equal(config.httpReadTimeoutSeconds, 120);
  t.equal(config.onPremisesConfigFile, '/etc/codedeploy-agent/conf/codedeploy.onpremises.yml');
  t.equal(config.killAgentMaxWaitTimeSeconds, 600);
  t.equal(config.region, 'eu-west-1');
  t.equal(config.specCaFile, '/etc/edge-agent/spec-ca.pem');
  t.equal(config.specSignerSubject, '^CN=codedeploy-signer-.*');
  t.same(warnings, []);
  t.equal(parseAgentConfig(':proxy_uri: ""\n', 'c.yml').config.proxyUri, undefined, 'an empty proxy is no proxy');
});

t.test('daemon keys: errors name the key and what is wrong', async (t) => {
  t.throws(() => parseAgentConfig('http_read_timeout: 60\n', 'a.yml'), {
    code: 'CONFIG_INVALID',
    message: 'config key http_read_timeout: must be at least 80 seconds, because PollHostCommand is a long poll the service holds open for up to ~60 s, got 60',
  });
  t.throws(() => parseAgentConfig(':http_read_timeout: soon\n', 'a.yml'), { message: 'config key http_read_timeout: expected a whole number of seconds, got "soon"' });
  t.throws(() => parseAgentConfig('wait_between_runs: -1\n', 'a.yml'), { message: 'config key wait_between_runs: expected a number of seconds of at least 0, got -1' });
  t.throws(() => parseAgentConfig('proxy_uri: proxy.lan:3128\n', 'a.yml'), { message: 'config key proxy_uri: expected an http:// or https:// URL, got "proxy.lan:3128"' });
  t.throws(() => parseAgentConfig('deploy_control_endpoint: ftp://x\n', 'a.yml'), { message: /^config key deploy_control_endpoint: expected an http/ });
  t.throws(() => parseAgentConfig('s3_endpoint_override: 42\n', 'a.yml'), { message: 'config key s3_endpoint_override: expected an http:// or https:// URL, got 42' });
  t.throws(() => parseAgentConfig('enable_auth_policy: "yes"\n', 'a.yml'), { message: 'config key enable_auth_policy: expected true or false, got "yes"' });
  t.throws(() => parseAgentConfig('region: Europe\n', 'a.yml'), { message: 'config key region: expected a region name like eu-west-1, got "Europe"' });
  t.throws(() => parseAgentConfig('spec_signer_subject: "CN=(unclosed"\n', 'a.yml'), { message: /^config key spec_signer_subject: not a valid regular expression \(.*\), got "CN=\(unclosed"$/ });
  t.throws(() => parseAgentConfig('kill_agent_max_wait_time_seconds: 0\n', 'a.yml'), { message: 'config key kill_agent_max_wait_time_seconds: expected a whole number of at least 1, got 0' });
  t.throws(() => parseAgentConfig('on_premises_config_file: ""\n', 'a.yml'), { message: 'config key on_premises_config_file: expected a path, got ""' });
  t.throws(() => parseAgentConfig(':children: 4\n', 'a.yml'), { message: 'config key children: children can only be set to 1, got 4' });
});

t.test('use_fips_mode only in US regions (official message)', async (t) => {
  t.throws(() => parseAgentConfig('use_fips_mode: true\nregion: eu-west-1\n', 'a.yml'), {
    code: 'CONFIG_INVALID',
    message: 'use_fips_mode can be set to true only in regions located in the USA (the region is eu-west-1)',
  });
  t.equal(parseAgentConfig('use_fips_mode: true\nregion: us-gov-west-1\n', 'a.yml').config.useFipsMode, true);
  // without a region key the on-premises file's region decides, later
  const { config } = parseAgentConfig(':use_fips_mode: true\n', 'a.yml');
  t.doesNotThrow(() => checkFipsRegion(config, 'us-east-2'));
  t.throws(() => checkFipsRegion(config, 'cn-north-1'), { message: /only in regions located in the USA \(the region is cn-north-1\)/ });
  t.doesNotThrow(() => checkFipsRegion({ useFipsMode: false }, 'cn-north-1'));
  t.same(FIPS_REGIONS, ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'us-gov-west-1', 'us-gov-east-1']);
});

t.test('warnings: plain http to a remote endpoint, developer mode', async (t) => {
  const { warnings } = parseAgentConfig('deploy_control_endpoint: http://commands.example.com\ns3_endpoint_override: http://localhost:9000\ndeveloper_mode: true\n', 'a.yml');
  t.same(warnings, [
    'config key deploy_control_endpoint in a.yml uses plain http:// to a host that is not loopback: requests are signed but not encrypted',
    'developer_mode is on in a.yml: unsigned TEXT/JSON deployment specs are accepted; never use it on a fleet',
  ]);
});

t.test('on-premises config path: configured, else the first existing default', async (t) => {
  t.same(DEFAULT_ON_PREMISES_CONFIG_PATHS, ['/etc/edge-agent/onpremises.yml', '/etc/codedeploy-agent/conf/codedeploy.onpremises.yml']);
  t.equal(resolveOnPremisesConfigPath({ onPremisesConfigFile: '/x.yml' }, () => false), '/x.yml');
  t.equal(resolveOnPremisesConfigPath({}, () => true), '/etc/edge-agent/onpremises.yml');
  t.equal(resolveOnPremisesConfigPath({}, (p) => p.startsWith('/etc/codedeploy-agent')), '/etc/codedeploy-agent/conf/codedeploy.onpremises.yml');
  t.equal(resolveOnPremisesConfigPath({}, () => false), undefined);
});

t.test('duplicates across spellings: the key written last wins, even if an earlier one was invalid', async (t) => {
  t.equal(parseAgentConfig(':max_revisions: 5\nmax_revisions: 3\n:max_revisions: 4\n', 'a.yml').config.maxRevisions, 4);
  t.equal(parseAgentConfig('http_read_timeout: 10\n:http_read_timeout: 90\n', 'a.yml').config.httpReadTimeoutSeconds, 90);
  t.equal(parseAgentConfig('max_revisions: 3\n:max_revisions:\n', 'a.yml').config.maxRevisions, 5, 'a later empty value means the default');
  t.same(parseAgentConfig(':frob: 1\n', 'a.yml').warnings, ['config key frob in a.yml is unknown and ignored']);
});
