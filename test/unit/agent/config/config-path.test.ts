import t from 'tap';
import { resolveAgentConfigPath } from '../../../../agent/config/config-path.js';
import { DEFAULT_CONFIG_PATH } from '../../../../agent/config/agent-config.js';

t.test('-c, then EDGE_AGENT_CONFIG, then the default file when it exists, else none', async (t) => {
  const exists = (p: string): boolean => p === DEFAULT_CONFIG_PATH;
  const never = (): boolean => false;
  t.equal(resolveAgentConfigPath({ flag: 'a.yml', env: { EDGE_AGENT_CONFIG: 'b.yml' }, exists }), 'a.yml');
  t.equal(resolveAgentConfigPath({ env: { EDGE_AGENT_CONFIG: 'b.yml' }, exists }), 'b.yml');
  t.equal(resolveAgentConfigPath({ env: { EDGE_AGENT_CONFIG: '' }, exists }), DEFAULT_CONFIG_PATH, 'an empty variable is unset');
  t.equal(resolveAgentConfigPath({ exists }), DEFAULT_CONFIG_PATH);
  t.equal(resolveAgentConfigPath({ env: {}, exists: never }), undefined);
  t.equal(resolveAgentConfigPath({ exists: (p) => p === '/t/agent.yml', defaultPath: '/t/agent.yml' }), '/t/agent.yml');
});
