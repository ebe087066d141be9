import t from 'tap';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { DEFAULT_AGENT_CONFIG, loadAgentConfig, parseAgentConfig } from '../../../../agent/config/agent-config.js';

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
