import t from 'tap';
import { AgentStateFile, readAgentState } from '../../../../agent/command/agent-state.js';
import { agentStatus, renderStatus } from '../../../../agent/cli/status-command.js';

t.test('state file: started/finished/polled/stopped, last command kept across restarts', async (t) => {
  const root = t.testdir();
  let now = new Date('2026-11-25T10:00:00Z');
  const s = new AgentStateFile({ rootDir: root, now: () => now, pollWriteMs: 60_000 }, { agentVersion: '0.1.0', hostIdentifier: 'arn:aws:iam::1:user/pi' });
  t.equal(readAgentState(root)?.pid, process.pid);
  s.started({ deploymentId: 'd-1', commandName: 'Install', hostCommandIdentifier: 'hc-1' });
  t.equal(readAgentState(root)?.current?.commandName, 'Install');
  t.match(renderStatus(agentStatus(root)), /now: Install of d-1 since 2026-11-25T10:00:00.000Z/);
  now = new Date('2026-11-25T10:01:00Z');
  s.finished('Failed', 'boom');
  s.polled('network down');
  const st = readAgentState(root);
  t.same(st?.last, { deploymentId: 'd-1', commandName: 'Install', hostCommandIdentifier: 'hc-1', at: '2026-11-25T10:01:00.000Z', status: 'Failed', message: 'boom' });
  t.equal(st?.lastPollError, 'network down');
  s.polled();
  t.equal(s.snapshot.lastPollError, undefined, 'a good poll clears the error in memory');
  s.stopped();
  const status = agentStatus(root);
  t.equal(status.running, false);
  t.match(renderStatus(status), /agent: not running/);
  t.match(renderStatus(status), /last command: Install of d-1: Failed at 2026-11-25T10:01:00.000Z \(boom\)/);
  const again = new AgentStateFile({ rootDir: root }, { agentVersion: '0.1.0', hostIdentifier: 'x' });
  t.equal(again.snapshot.last?.deploymentId, 'd-1', 'the last command survives a restart');
  t.equal(agentStatus(root).running, true);
});

t.test('status of a root the agent never used', async (t) => {
  const s = agentStatus(t.testdir());
  t.equal(s.running, false);
  t.same(s.groups, []);
  t.match(renderStatus(s), /agent: has not run on this root/);
});
