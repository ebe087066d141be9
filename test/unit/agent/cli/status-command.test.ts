import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderStatus, statusCommand, statusRoot } from '../../../../agent/cli/status-command.js';

t.test('a root that does not exist is a usage error (exit 2), not an empty status', async (t) => {
  const dir = t.testdir();
  t.throws(() => statusCommand({ rootDir: join(dir, 'nope') }), {
    code: 'AGENT_ROOT_NOT_FOUND',
    exit: 2,
    message: `deployment root "${join(dir, 'nope')}" (--root-dir) does not exist`,
  });
});

t.test('a root that is a file is refused the same way', async (t) => {
  const dir = t.testdir();
  writeFileSync(join(dir, 'file'), '');
  t.throws(() => statusCommand({ rootDir: join(dir, 'file') }), { code: 'AGENT_ROOT_NOT_FOUND', message: /is not a directory$/ });
  t.throws(() => statusCommand({ rootDir: join(dir, 'file', 'below') }), { code: 'AGENT_ROOT_NOT_FOUND' }, 'a path below a file');
});

t.test('an existing root reports (exit 0): the data, rendered for people', async (t) => {
  const dir = t.testdir();
  const outcome = statusCommand({ rootDir: dir });
  t.equal(outcome.exit, 0);
  t.equal(outcome.error, undefined);
  t.match(outcome.data, { rootDir: dir, running: false, groups: [], interrupted: [] });
  t.match(renderStatus(outcome.data), /deployment root: .*\nagent: has not run on this root\n/);
});

t.test('the root comes from --root-dir, else the config file; the error says which', async (t) => {
  const dir = t.testdir();
  const cfg = join(dir, 'agent.yml');
  writeFileSync(cfg, `:root_dir: ${join(dir, 'configured-root')}\n`);
  t.same(statusRoot({ rootDir: '/x', config: cfg }), { rootDir: '/x', from: '--root-dir' });
  t.same(statusRoot({ config: cfg }), { rootDir: join(dir, 'configured-root'), from: `root_dir in ${cfg}` });
  t.match(statusRoot({}, () => false), { from: /^the default root_dir/ });
  t.throws(() => statusCommand({ config: cfg }), { message: `deployment root "${join(dir, 'configured-root')}" (root_dir in ${cfg}) does not exist` });
  mkdirSync(join(dir, 'configured-root'));
  t.equal(statusCommand({ config: cfg }).exit, 0);
  t.equal(statusCommand({ env: { EDGE_AGENT_CONFIG: cfg } }).data.rootDir, join(dir, 'configured-root'), 'EDGE_AGENT_CONFIG names the config');
  t.throws(() => statusCommand({ config: join(dir, 'missing.yml') }), { code: 'CONFIG_NOT_FOUND', exit: 2 }, 'a missing config file is a usage error too');
});
