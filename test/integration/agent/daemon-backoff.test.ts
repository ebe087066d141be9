// A throttled Commands service: the running agent backs off (official wait_after_throttle_error,
// scaled down here with EDGE_AGENT_BACKOFF_SCALE) and keeps polling afterwards.
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileSync } from 'node:fs';
import { readAgentState } from '../../../agent/command/agent-state.js';
import { spawnCli } from '../../helpers/cli.js';

t.test('throttling responses make the agent wait longer before polling again', async (t) => {
  const polls: number[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const target = String(req.headers['x-amz-target']);
      if (target.endsWith('.PollHostCommand')) {
        polls.push(Date.now());
        if (polls.length <= 3) {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ThrottlingException' });
          res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
          return;
        }
      }
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise((r) => server.close(r)));
  const dir = t.testdir();
  const root = join(dir, 'root');
  const onprem = join(dir, 'onpremises.yml');
  writeFileSync(onprem, 'region: us-east-1\naws_access_key_id: AKIAAAAAAAAAAAAAAAAA\naws_secret_access_key: secretsecretsecretsecretsecretsecret1234\niam_user_arn: arn:aws:iam::111111111111:user/pi-01\n', { mode: 0o600 });
  const cfg = join(dir, 'agent.yml');
  writeFileSync(cfg, `root_dir: ${root}\non_premises_config_file: ${onprem}\ndeploy_control_endpoint: http://127.0.0.1:${(server.address() as AddressInfo).port}\nwait_between_runs: 1\n`);
  // scale 0.02: the 60 s throttle pause becomes 1.2 s (plus the 1 s wait between polls)
  const agent = spawnCli('agent', ['run', '-c', cfg], { ...process.env, EDGE_AGENT_BACKOFF_SCALE: '0.02' });
  t.teardown(() => void agent.kill('SIGKILL'));
  for (let i = 0; i < 400 && polls.length < 5; i++) await sleep(50);
  t.ok(polls.length >= 5, `kept polling after throttling (${polls.length} polls)`);
  const gaps = polls.slice(1).map((p, i) => p - (polls[i] as number));
  t.ok(gaps.slice(0, 3).every((g) => g >= 2100), `after each throttled poll it waited the throttle pause on top of the poll interval: ${gaps.join(', ')} ms`);
  t.ok((gaps[3] ?? 0) >= 950, 'after a good poll it waits the poll interval');
  const state = readAgentState(root);
  t.ok(state?.lastPollAt, 'the state file records polls');
  const stopped = new Promise((r) => agent.once('close', r));
  agent.kill('SIGTERM');
  t.equal(await stopped, 0, 'SIGTERM during polling stops cleanly');
});
